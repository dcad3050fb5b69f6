import { join } from "node:path";
import nunjucks from "nunjucks";
import { expect, test } from "vitest";
import { angleTags, useStatic } from "../../src/nunjucks.js";
import type { StaticFiles } from "../../src/index.js";
import { thrown, writeTree } from "../temp-folders.js";
import { testAdapter, type ConformanceCall } from "./conformance.js";

/** Renders `source` with `{ name }` in a fresh Environment, through the callback API so errors arrive as a render would see them. */
function renderWith(options: nunjucks.ConfigureOptions, files: StaticFiles, source: string, name: string): Promise<string> {
  const env = new nunjucks.Environment(null, options);
  useStatic(env, files);
  return new Promise((resolve, reject) => env.renderString(source, { name }, (error, result) => (error ? reject(error) : resolve(result ?? ""))));
}

const nameIn = (call: ConformanceCall) => (call.via === "literal" ? JSON.stringify(call.name) : "name");

testAdapter({
  name: "nunjucks",
  forms: [
    {
      name: "tag",
      escapes: true,
      render: (files, call) => renderWith({ autoescape: true }, files, `{% ${call.helper} ${nameIn(call)} %}`, call.name),
    },
    {
      name: "tag, autoescape off",
      escapes: false,
      render: (files, call) => renderWith({ autoescape: false }, files, `{% ${call.helper} ${nameIn(call)} %}`, call.name),
    },
    {
      name: "`as` form",
      escapes: true,
      render: (files, call) => renderWith({ autoescape: true }, files, `{% ${call.helper} ${nameIn(call)} as value %}{{ value }}`, call.name),
    },
    {
      name: "filter",
      escapes: true,
      render: (files, call) => renderWith({ autoescape: true }, files, `{{ ${nameIn(call)} | ${call.helper} }}`, call.name),
    },
    {
      name: "angle tags",
      escapes: true,
      render: (files, call) => renderWith({ autoescape: true, tags: angleTags }, files, `<% ${call.helper} ${nameIn(call)} %>`, call.name),
    },
  ],
  additionalTests: (site) => {
    test("a render error names the template and the tag's line", () => {
      const views = writeTree(join(site().dir, "views"), { "page.njk": 'first line\n<link href="{% static "css/missing.css" %}">' });
      const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(views), { autoescape: true });
      useStatic(env, site().files());
      const error = thrown(() => env.render("page.njk"));
      expect(error.message).toMatch(/^\(.*\) \[Line 2, Column \d+\]\n {2}.*Static file "css\/missing\.css" was not found/);
      expect(error.message.split(")")[0]).toBe(`(${join(views, "page.njk")}`);
    });
  },
});
