// Missing references, references outside the roots, missing source maps and non-UTF-8 stylesheets.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../src/collect/index.js";
import { collectTree, tempFolder, writeTree } from "./trees.js";

const BROKEN = {
  "img/a.png": "foo",
  "css/app.css": `a{background:url(../img/a.png)}
b{background:url(../img/missing.png)}
/* url(../img/also-missing-but-in-a-comment.png) */
@import "gone.css";
c{background:url("/static/img/nope.gif?x#y")}
`,
  "css/other.css": "\n\nd{background:url(../../../etc/passwd)}\ne{background:url(../img)}",
};

describe("missing references", () => {
  it("reports every one in a run, with file, line and reference, and writes nothing", async () => {
    const root = writeTree(tempFolder("root"), BROKEN);
    const out = join(tempFolder("out"), "static");
    const result = await collect({ roots: root, out });
    expect(result.ok).toBe(false);
    expect(result.manifest).toBeUndefined();
    expect(existsSync(out)).toBe(false);
    expect(result.problems.map(({ severity, code, file, line, reference }) => ({ severity, code, file, line, reference }))).toEqual([
      { severity: "error", code: "REFERENCE_NOT_FOUND", file: "css/app.css", line: 2, reference: "../img/missing.png" },
      { severity: "error", code: "REFERENCE_NOT_FOUND", file: "css/app.css", line: 4, reference: "gone.css" },
      { severity: "error", code: "REFERENCE_NOT_FOUND", file: "css/app.css", line: 5, reference: "/static/img/nope.gif?x#y" },
      { severity: "error", code: "REFERENCE_OUTSIDE_ROOTS", file: "css/other.css", line: 3, reference: "../../../etc/passwd" },
      { severity: "error", code: "REFERENCE_NOT_FOUND", file: "css/other.css", line: 4, reference: "../img" },
    ]);
    expect(result.problems.map((problem) => problem.message)).toEqual([
      `css/app.css, line 2: url(../img/missing.png) refers to img/missing.png, which is in none of the roots (${root}): add the file or fix the reference, or pass --missing warn (missing: "warn") to collect anyway.`,
      `css/app.css, line 4: @import "gone.css" refers to css/gone.css, which is in none of the roots (${root}): add the file or fix the reference, or pass --missing warn (missing: "warn") to collect anyway.`,
      `css/app.css, line 5: url(/static/img/nope.gif?x#y) refers to img/nope.gif, which is in none of the roots (${root}): add the file or fix the reference, or pass --missing warn (missing: "warn") to collect anyway.`,
      `css/other.css, line 3: url(../../../etc/passwd) leads outside the roots (to ../../etc/passwd), so it was not read: point it at a file inside the roots, or pass --missing warn (missing: "warn") to collect anyway.`,
      `css/other.css, line 4: url(../img) refers to img, which is a folder, not a file: add the file or fix the reference, or pass --missing warn (missing: "warn") to collect anyway.`,
    ]);
  });

  it("keeps the previous manifest and copies when a later run fails", async () => {
    const root = writeTree(tempFolder("root"), { "img/a.png": "foo", "css/app.css": "a{background:url(../img/a.png)}" });
    const out = join(tempFolder("out"), "static");
    expect((await collect({ roots: root, out })).ok).toBe(true);
    const manifest = readFileSync(join(out, "staticfiles.json"), "utf8");
    writeTree(root, { "css/app.css": "a{background:url(../img/b.png)}", "img/a.png": "bar" });
    expect((await collect({ roots: root, out })).ok).toBe(false);
    expect(readFileSync(join(out, "staticfiles.json"), "utf8")).toBe(manifest);
    expect(readFileSync(join(out, "css/app.css"), "utf8")).toBe("a{background:url(../img/a.png?0beec7)}");
    expect(readFileSync(join(out, "img/a.png"), "utf8")).toBe("foo");
  });

  it("with missing: 'warn', warns about each, leaves them as written and collects", async () => {
    const { result, output } = await collectTree(BROKEN, { missing: "warn" });
    expect(result.ok).toBe(true);
    expect(result.problems.map((problem) => [problem.severity, problem.line])).toEqual([
      ["warning", 2],
      ["warning", 4],
      ["warning", 5],
      ["warning", 3],
      ["warning", 4],
    ]);
    expect(result.problems[0].message).toBe(
      "css/app.css, line 2: url(../img/missing.png) refers to img/missing.png, which is in none of the roots (" +
        result.problems[0].message.split("roots (")[1].split(")")[0] +
        "); the reference is left as written.",
    );
    expect(output["css/app.css"]).toBe(BROKEN["css/app.css"].replace("url(../img/a.png)", "url(../img/a.png?0beec7)"));
    expect(output["css/other.css"]).toBe(BROKEN["css/other.css"]);
  });

  it("never reads a file outside the roots: a FIFO there would block the read forever", async () => {
    const parent = tempFolder("outside");
    execFileSync("mkfifo", [join(parent, "secret.png")]);
    const root = writeTree(join(parent, "static"), { "css/app.css": "a{background:url(../../secret.png)}" });
    const result = await collect({ roots: root, out: join(tempFolder("out"), "static"), missing: "warn" });
    expect(result.ok).toBe(true);
    expect(result.problems.map((problem) => problem.code)).toEqual(["REFERENCE_OUTSIDE_ROOTS"]);
  });

  it("a missing .map is only ever a warning", async () => {
    const SMU = "sourceMapping" + "URL";
    const { result, output } = await collectTree({
      "css/app.css": `a{}\n/*# ${SMU}=app.css.map */`,
      "js/app.js": `x;\n//# ${SMU}=app.js.map`,
      "css/url-to-map.css": "a{background:url(x.map)}",
    });
    expect(result.ok).toBe(true);
    expect(result.problems.map(({ severity, code, file, line }) => ({ severity, code, file, line }))).toEqual([
      { severity: "warning", code: "SOURCE_MAP_NOT_FOUND", file: "css/app.css", line: 2 },
      { severity: "warning", code: "SOURCE_MAP_NOT_FOUND", file: "css/url-to-map.css", line: 1 },
      { severity: "warning", code: "SOURCE_MAP_NOT_FOUND", file: "js/app.js", line: 2 },
    ]);
    expect(result.problems[2].message).toBe(
      `js/app.js, line 2: ${SMU}=app.js.map refers to js/app.js.map, which is in none of the roots (${result.problems[2].message.split("roots (")[1].split(")")[0]}); the reference is left as written.`,
    );
    expect(output["js/app.js"]).toBe(`x;\n//# ${SMU}=app.js.map`);
  });
});

describe("stylesheets that are not UTF-8", () => {
  it("fail with the file, the offset and the line of the first bad byte", async () => {
    const latin1 = Buffer.concat([Buffer.from('a{content:"'), Buffer.from([0xe9]), Buffer.from('"}\n')]);
    const root = writeTree(tempFolder("root"), { "css/ok.css": "a{}", "css/legacy.css": Buffer.concat([Buffer.from("\n\n"), latin1]) });
    const result = await collect({ roots: root, out: join(tempFolder("out"), "static"), missing: "warn" });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      {
        severity: "error",
        code: "NOT_UTF8",
        file: "css/legacy.css",
        line: 3,
        message: `css/legacy.css (${join(root, "css/legacy.css")}) is not valid UTF-8 (first bad byte at offset 13, line 3): save the stylesheet as UTF-8 so its references can be rewritten.`,
      },
    ]);
  });

  it("a script that is not UTF-8 still gets its source map rewritten, other bytes untouched", async () => {
    const SMU = "sourceMapping" + "URL";
    const script = Buffer.concat([Buffer.from('var s="'), Buffer.from([0xe9, 0xff]), Buffer.from(`";\n//# ${SMU}=a.js.map\n`)]);
    const { root, out, result } = await collectTree({ "a.js": script, "a.js.map": "{}" });
    expect(result.ok).toBe(true);
    expect(root).toBeTruthy();
    expect(readFileSync(join(out, "a.js"))).toEqual(
      Buffer.concat([Buffer.from('var s="'), Buffer.from([0xe9, 0xff]), Buffer.from(`";\n//# ${SMU}=a.js.map?bf21a9\n`)]),
    );
  });
});
