// An 11ty.js page: the plugin's shortcodes are methods of `this`.
export const data = { title: "11ty.js", layout: "base.njk" };

export default function () {
  return `<h1>11ty.js</h1>
<p><code>this.static("css/site.css")</code>: <code>${this.static("css/site.css")}</code></p>
<p><code>this.integrity("js/site.js")</code>: <code>${this.integrity("js/site.js")}</code></p>`;
}
