// Finding references in CSS and JS text, resolving them, and adding the hash to the URL as written.
import { describe, expect, it } from "vitest";
import { findCssReferences, findJsReferences } from "../../src/collect/find-references.js";
import { hashReference, resolveReference } from "../../src/collect/resolve-reference.js";

const SMU = "sourceMapping" + "URL"; // in two parts, so vite does not read the fixtures as this file's source map
const found = (references: { kind: string; url: string; line: number }[]) => references.map(({ kind, url, line }) => [kind, url, line]);

describe("findCssReferences", () => {
  it("finds url() in every form, @import with a string, and the source map comment, with lines", () => {
    const css = [
      `@import "a.css"; @import 'b.css' print; @import url(c.css); @IMPORT url( "d.css" ) ;`,
      `x { background: url(e.png), Url('f.png'), url(  "g.png"  ), url(\th.png\t) }`,
      `y { background: url(\n  i.png\n) }`,
      `/*# ${SMU}=app.css.map */`,
      `/*@ ${SMU}=legacy.map */`,
    ].join("\n");
    expect(found(findCssReferences(css))).toEqual([
      ["import", "a.css", 1],
      ["import", "b.css", 1],
      ["url", "c.css", 1],
      ["url", "d.css", 1],
      ["url", "e.png", 2],
      ["url", "f.png", 2],
      ["url", "g.png", 2],
      ["url", "h.png", 2],
      ["url", "i.png", 4],
      ["sourceMappingURL", "app.css.map", 6],
      ["sourceMappingURL", "legacy.map", 7],
    ]);
  });

  it("skips comments, strings, look-alike names, bad url tokens and blank URLs", () => {
    const css = [
      `/* url(in-comment.png) @import "in-comment.css"; */`,
      `/* a comment with /*# ${SMU}=not-alone.map */`,
      `a { content: "url(in-string.png)"; quotes: 'url(\\'escaped.png\\')' }`,
      `b { background: myurl(not-a-url.png); x: -webkit-url(nope.png); }`,
      `@importer "nope.css";`,
      `c { background: url(two words.png); d: url(a"b.png); }`,
      `e { background: url(ok.png) }`,
      `@import ' '; @import url( );`,
      `/* an unterminated comment url(never.png)`,
    ].join("\n");
    expect(found(findCssReferences(css))).toEqual([["url", "ok.png", 7]]);
  });

  it("gives offsets that cover exactly the URL, so quotes and spacing stay as written", () => {
    const css = `a{b:url( "x.png" )}`;
    const [reference] = findCssReferences(css);
    expect(css.slice(0, reference.start) + "Y" + css.slice(reference.end)).toBe(`a{b:url( "Y" )}`);
  });
});

describe("findJsReferences", () => {
  it("finds //# and //@ source map comments alone on their line, and nothing in code or strings", () => {
    const js = [`var a = "//# ${SMU}=in-string.map";`, `//# ${SMU}=app.js.map`, `  //@ ${SMU}=old.map  `, `/*# ${SMU}=block.map */`, `x(); //# ${SMU}=after-code.map`].join("\r\n");
    expect(found(findJsReferences(js))).toEqual([
      ["sourceMappingURL", "app.js.map", 2],
      ["sourceMappingURL", "old.map", 3],
      ["sourceMappingURL", "block.map", 4],
    ]);
  });
});

describe("resolveReference", () => {
  const cases: [string, ReturnType<typeof resolveReference>][] = [
    ["../img/a.png", { kind: "name", name: "img/a.png" }],
    ["./b.css", { kind: "name", name: "css/b.css" }],
    ["sub/../c.css?v=1#x", { kind: "name", name: "css/c.css" }],
    ["a%20b.png", { kind: "name", name: "css/a b.png" }],
    ["bad%zz.png", { kind: "name", name: "css/bad%zz.png" }],
    ["/static/img/a.png", { kind: "name", name: "img/a.png" }],
    ["/static/../x.png", { kind: "outside", path: "../x.png" }],
    ["../../x.png", { kind: "outside", path: "../x.png" }],
    ["", { kind: "ignored", why: "empty" }],
    ["#frag", { kind: "ignored", why: "fragment" }],
    ["?#iefix", { kind: "ignored", why: "query" }],
    ["data:image/png;base64,AA", { kind: "ignored", why: "scheme" }],
    ["DATA:x", { kind: "ignored", why: "scheme" }],
    ["HtTpS://example.com/a.png", { kind: "ignored", why: "scheme" }],
    ["javascript:void(0)", { kind: "ignored", why: "scheme" }],
    ["about:blank", { kind: "ignored", why: "scheme" }],
    ["//cdn.example.com/a.png", { kind: "ignored", why: "host" }],
    ["/other/a.png", { kind: "ignored", why: "absolute" }],
    ["../img/", { kind: "ignored", why: "directory" }],
    ["..", { kind: "ignored", why: "directory" }],
  ];
  for (const [url, target] of cases) {
    it(`${JSON.stringify(url)} from css/app.css`, () => expect(resolveReference(url, "css/app.css", "/static/")).toEqual(target));
  }

  it("rewrites references under a CDN baseUrl, and treats a bare / baseUrl as the roots", () => {
    expect(resolveReference("https://cdn.example.com/s/img/a.png", "css/app.css", "https://cdn.example.com/s/")).toEqual({ kind: "name", name: "img/a.png" });
    expect(resolveReference("https://cdn.example.com/other/a.png", "css/app.css", "https://cdn.example.com/s/")).toEqual({ kind: "ignored", why: "scheme" });
    expect(resolveReference("/img/a.png", "css/app.css", "/")).toEqual({ kind: "name", name: "img/a.png" });
    expect(resolveReference("/img/a.png", "css/app.css", "")).toEqual({ kind: "ignored", why: "absolute" });
  });
});

describe("hashReference", () => {
  const cases: [url: string, name: string, query: string, filename: string][] = [
    ["a.png", "a.png", "a.png?abc123", "a.abc123.png"],
    ["../img/a.png?v=1", "img/a.png", "../img/a.png?v=1&abc123", "../img/a.abc123.png?v=1"],
    ["f.eot?#iefix", "f.eot", "f.eot?abc123#iefix", "f.abc123.eot?#iefix"],
    ["f.svg#font", "f.svg", "f.svg?abc123#font", "f.abc123.svg#font"],
    ["f.svg?#a?b", "f.svg", "f.svg?abc123#a?b", "f.abc123.svg?#a?b"],
    ["x/jquery.min.js", "x/jquery.min.js", "x/jquery.min.js?abc123", "x/jquery.min.abc123.js"],
    ["Makefile", "Makefile", "Makefile?abc123", "Makefile.abc123"],
    ["a%20b.png", "a b.png", "a%20b.png?abc123", "a%20b.abc123.png"],
    ["a%2Epng", "a.png", "a%2Epng?abc123", "a.abc123.png"],
    ["/static/.././x/it's.png", "x/it's.png", "/static/.././x/it's.png?abc123", "/static/.././x/it's.abc123.png"],
  ];
  for (const [url, name, query, filename] of cases) {
    it(`${url} -> ${query} | ${filename}`, () => {
      expect(hashReference(url, name, "abc123", "query")).toBe(query);
      expect(hashReference(url, name, "abc123", "filename")).toBe(filename);
    });
  }
});

describe("findCssReferences on any text", () => {
  const pieces = ["url(", ")", '"', "'", "/*", "*/", "@import", " ", "\n", "\\", "a.png", "#x", "?v", "data:", "/*# " + SMU + "=m.map */", "u", "URL(", ";"];
  const runs = process.env.STATIC_HASH_LONG_TESTS ? 20_000 : 1_000;

  it("never throws, and gives ordered, non-overlapping offsets that hold exactly the URL", async () => {
    const fc = await import("fast-check");
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 })), { maxLength: 40 }), (parts) => {
        const css = parts.join("");
        let previousEnd = 0;
        for (const reference of findCssReferences(css)) {
          expect(reference.start).toBeGreaterThanOrEqual(previousEnd);
          expect(reference.end).toBeGreaterThan(reference.start);
          expect(css.slice(reference.start, reference.end)).toBe(reference.url);
          expect(reference.line).toBe(css.slice(0, reference.start).split("\n").length);
          previousEnd = reference.end;
        }
      }),
      { numRuns: runs },
    );
  });
});
