// Input CSS and JS -> the exact text collect writes, in query and filename mode, on real temporary trees.
import { describe, expect, it } from "vitest";
import { collectTree, digest } from "./trees.js";

// sha1 of each fixture, cut to 6: "foo" -> 0beec7, "" -> da39a3, "bar" -> 62cdb7, "{}" -> bf21a9, "p{}" -> 9e2d30.
// Spelled in two parts so that vite does not take the fixtures for this file's own source map comments.
const SMU = "sourceMapping" + "URL";

const ASSETS = {
  "img/a.png": "foo",
  "img/empty.gif": "",
  "img/a b.png": "foo",
  "fonts/f.eot": "bar",
  "css/app.css.map": "{}",
  "css/base.css": "p{}",
};

const APP_CSS = `@import "base.css";
@import 'base.css' screen;
@import url(base.css);
@import url("./base.css");
@import"base.css";
a { background: url(../img/a.png); }
b { background: url( ../img/a.png ); }
c { background: url("../img/a.png"); }
d { background: url(  '../img/a.png'  ); }
e { background: URL(../img/a.png?v=1); }
f { background: url(../img/a.png#frag); }
g { background: url("../img/a.png?v=1#frag"); }
@font-face { src: url(../fonts/f.eot?#iefix) format("embedded-opentype"), url("/static/fonts/f.eot"); }
h { background: url(/static/img/empty.gif); }
i { background: url("../img/a%20b.png"), url(../img/a%2Epng); }
j { content: "url(../img/missing.png)"; quotes: 'x' "url(nope.png)"; }
/* url(../img/missing.png) @import "missing.css"; */
k { background: url(data:image/png;base64,iVBORw0KGgo=); }
l { background: url(DATA:image/gif;base64,R0lGOD==); }
m { background: url(https://example.com/a.png), url(HTTP://example.com/a.png), url(//cdn.example.com/a.png); }
n { filter: url(#svg-filter); mask: url("#m"); }
o { background: url(); background: url(""); background: url( ); }
p { behavior: url(/other/x.htc); }
q { background: url(img/); }
/*# ${SMU}=app.css.map */
`;

describe("CSS references, query mode", () => {
  it("appends ?hash to every reference, keeps queries, fragments, quotes and spacing, and leaves the rest alone", async () => {
    const { result, output } = await collectTree({ ...ASSETS, "css/app.css": APP_CSS });
    expect(result.problems).toEqual([]);
    expect(output["css/app.css"]).toBe(`@import "base.css?9e2d30";
@import 'base.css?9e2d30' screen;
@import url(base.css?9e2d30);
@import url("./base.css?9e2d30");
@import"base.css?9e2d30";
a { background: url(../img/a.png?0beec7); }
b { background: url( ../img/a.png?0beec7 ); }
c { background: url("../img/a.png?0beec7"); }
d { background: url(  '../img/a.png?0beec7'  ); }
e { background: URL(../img/a.png?v=1&0beec7); }
f { background: url(../img/a.png?0beec7#frag); }
g { background: url("../img/a.png?v=1&0beec7#frag"); }
@font-face { src: url(../fonts/f.eot?62cdb7#iefix) format("embedded-opentype"), url("/static/fonts/f.eot?62cdb7"); }
h { background: url(/static/img/empty.gif?da39a3); }
i { background: url("../img/a%20b.png?0beec7"), url(../img/a%2Epng?0beec7); }
j { content: "url(../img/missing.png)"; quotes: 'x' "url(nope.png)"; }
/* url(../img/missing.png) @import "missing.css"; */
k { background: url(data:image/png;base64,iVBORw0KGgo=); }
l { background: url(DATA:image/gif;base64,R0lGOD==); }
m { background: url(https://example.com/a.png), url(HTTP://example.com/a.png), url(//cdn.example.com/a.png); }
n { filter: url(#svg-filter); mask: url("#m"); }
o { background: url(); background: url(""); background: url( ); }
p { behavior: url(/other/x.htc); }
q { background: url(img/); }
/*# ${SMU}=app.css.map?bf21a9 */
`);
    expect(result.stats.references).toBe(18);
    // The hash covers the rewritten content, and the manifest says so.
    const appHash = digest(output["css/app.css"]).slice(0, 6);
    expect(result.manifest!.paths["css/app.css"]).toBe(`css/app.css?${appHash}`);
    expect(result.manifest!.paths["img/a.png"]).toBe("img/a.png?0beec7");
    expect(result.manifest!.paths["css/base.css"]).toBe(`css/base.css?${digest("p{}").slice(0, 6)}`);
    // Files without references are copied as they are.
    expect(output["css/base.css"]).toBe("p{}");
    expect(output["img/a b.png"]).toBe("foo");
  });
});

describe("CSS references, filename mode", () => {
  it("puts the hash into the last segment, keeps the original name byte-identical", async () => {
    const { result, output } = await collectTree({ ...ASSETS, "css/app.css": APP_CSS }, { mode: "filename" });
    expect(result.problems).toEqual([]);
    const hashed = result.manifest!.paths["css/app.css"];
    expect(output["css/app.css"]).toBe(APP_CSS);
    expect(output[hashed]).toBe(`@import "base.9e2d30.css";
@import 'base.9e2d30.css' screen;
@import url(base.9e2d30.css);
@import url("./base.9e2d30.css");
@import"base.9e2d30.css";
a { background: url(../img/a.0beec7.png); }
b { background: url( ../img/a.0beec7.png ); }
c { background: url("../img/a.0beec7.png"); }
d { background: url(  '../img/a.0beec7.png'  ); }
e { background: URL(../img/a.0beec7.png?v=1); }
f { background: url(../img/a.0beec7.png#frag); }
g { background: url("../img/a.0beec7.png?v=1#frag"); }
@font-face { src: url(../fonts/f.62cdb7.eot?#iefix) format("embedded-opentype"), url("/static/fonts/f.62cdb7.eot"); }
h { background: url(/static/img/empty.da39a3.gif); }
i { background: url("../img/a%20b.0beec7.png"), url(../img/a.0beec7.png); }
j { content: "url(../img/missing.png)"; quotes: 'x' "url(nope.png)"; }
/* url(../img/missing.png) @import "missing.css"; */
k { background: url(data:image/png;base64,iVBORw0KGgo=); }
l { background: url(DATA:image/gif;base64,R0lGOD==); }
m { background: url(https://example.com/a.png), url(HTTP://example.com/a.png), url(//cdn.example.com/a.png); }
n { filter: url(#svg-filter); mask: url("#m"); }
o { background: url(); background: url(""); background: url( ); }
p { behavior: url(/other/x.htc); }
q { background: url(img/); }
/*# ${SMU}=app.css.bf21a9.map */
`);
    expect(hashed).toBe(`css/app.${digest(output[hashed]).slice(0, 6)}.css`);
    expect(result.manifest!.paths).toEqual({
      "css/app.css": hashed,
      "css/app.css.map": "css/app.css.bf21a9.map",
      "css/base.css": "css/base.9e2d30.css",
      "fonts/f.eot": "fonts/f.62cdb7.eot",
      "img/a b.png": "img/a b.0beec7.png",
      "img/a.png": "img/a.0beec7.png",
      "img/empty.gif": "img/empty.da39a3.gif",
    });
    expect(output["img/a b.0beec7.png"]).toBe("foo");
    expect(output["fonts/f.62cdb7.eot"]).toBe("bar");
  });

  it("keeps the directory part as written, and rewrites baseUrl-absolute references under any baseUrl", async () => {
    const css = `a{background:url(../../css/../img/./a.png)}\nb{background:url(https://cdn.example.com/s/img/a.png)}\nc{background:url(/static/img/a.png)}\n`;
    const { result, output } = await collectTree(
      { "img/a.png": "foo", "css/deep/x.css": css },
      { mode: "filename", baseUrl: "https://cdn.example.com/s/" },
    );
    expect(result.problems).toEqual([]);
    expect(output[result.manifest!.paths["css/deep/x.css"]]).toBe(
      `a{background:url(../../css/../img/./a.0beec7.png)}\nb{background:url(https://cdn.example.com/s/img/a.0beec7.png)}\nc{background:url(/static/img/a.png)}\n`,
    );
  });
});

describe("JS source maps", () => {
  const scripts = {
    "js/app.js": `console.log("//# ${SMU}=not-this.js.map");\n//# ${SMU}=app.js.map\n`,
    "js/app.js.map": "{}",
    "js/mod.mjs": `export const x = 1;\n//# ${SMU}=maps/mod.mjs.map`,
    "js/maps/mod.mjs.map": "",
    "js/plain.js": `const u = "url(../img/a.png)";\n`,
    "js/inline.js": `x;\n//# ${SMU}=data:application/json;base64,e30=\n`,
  };

  it("rewrites //# sourceMappingURL in .js and .mjs, and nothing else in scripts (query mode)", async () => {
    const { result, output } = await collectTree(scripts);
    expect(result.problems).toEqual([]);
    expect(output["js/app.js"]).toBe(`console.log("//# ${SMU}=not-this.js.map");\n//# ${SMU}=app.js.map?bf21a9\n`);
    expect(output["js/mod.mjs"]).toBe(`export const x = 1;\n//# ${SMU}=maps/mod.mjs.map?da39a3`);
    expect(output["js/plain.js"]).toBe(scripts["js/plain.js"]);
    expect(output["js/inline.js"]).toBe(scripts["js/inline.js"]);
    expect(result.manifest!.paths["js/plain.js"]).toBe(`js/plain.js?${digest(scripts["js/plain.js"]).slice(0, 6)}`);
    expect(result.manifest!.paths["js/app.js"]).toBe(`js/app.js?${digest(output["js/app.js"]).slice(0, 6)}`);
  });

  it("points the hashed script at the hashed map (filename mode)", async () => {
    const { result, output } = await collectTree(scripts, { mode: "filename" });
    expect(result.problems).toEqual([]);
    expect(output[result.manifest!.paths["js/app.js"]]).toBe(`console.log("//# ${SMU}=not-this.js.map");\n//# ${SMU}=app.js.bf21a9.map\n`);
    expect(output[result.manifest!.paths["js/mod.mjs"]]).toBe(`export const x = 1;\n//# ${SMU}=maps/mod.mjs.da39a3.map`);
    expect(output["js/app.js"]).toBe(scripts["js/app.js"]);
  });
});

describe("what counts as CSS", () => {
  it("rewrites *.css only: a .scss or .html next to it is copied as is", async () => {
    const { output } = await collectTree({
      "img/a.png": "foo",
      "css/x.scss": "a{background:url(../img/a.png)}",
      "page.html": '<div style="background:url(img/a.png)"></div>',
      "css/UPPER.CSS": "a{background:url(../img/a.png)}",
    });
    expect(output["css/x.scss"]).toBe("a{background:url(../img/a.png)}");
    expect(output["page.html"]).toBe('<div style="background:url(img/a.png)"></div>');
    expect(output["css/UPPER.CSS"]).toBe("a{background:url(../img/a.png?0beec7)}");
  });

  it("keeps a UTF-8 byte order mark and CRLF line ends", async () => {
    const css = "\uFEFF@charset \"utf-8\";\r\na::before { content: \"é\"; background: url(a.png) }\r\n";
    const { output } = await collectTree({ "css/a.png": "foo", "css/x.css": css });
    expect(output["css/x.css"]).toBe("\uFEFF@charset \"utf-8\";\r\na::before { content: \"é\"; background: url(a.png?0beec7) }\r\n");
  });
});
