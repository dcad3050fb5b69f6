// Promise: every failure is a reported problem, not a crash. Any number of problems is reported;
// names in any script fit the 255-byte limit (or are a clear problem); an unexpected error during
// collect removes what the run created and keeps the previous output and manifest; a name that is
// not valid UTF-8 is a warning naming its bytes.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { collect, type CollectProgress } from "../../src/collect/index.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);
const TEMP_SUFFIX = ".static-hash-tmp";
const h6 = (bytes: string | Uint8Array) => createHash("sha1").update(bytes).digest("hex").slice(0, 6);

/** Every entry under `dir` as name -> bytes (folders as "<dir>"), to compare a folder before and after. */
function snapshot(dir: string): Record<string, string> {
  const found: Record<string, string> = {};
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    found[path.slice(dir.length + 1)] = entry.isDirectory() ? "<dir>" : fs.readFileSync(path, "latin1");
  }
  return found;
}

const SITE = {
  "css/app.css": 'body { background: url("../img/a.png") }\n',
  "img/a.png": "png bytes",
  "js/app.js": "console.log(1);\n",
};

describe("any number of problems is reported", () => {
  const COUNT = LONG ? 400_000 : 200_000;
  test(`${COUNT.toLocaleString("en")} missing references in one stylesheet: every one reported, the previous output kept`, { timeout: 120_000 }, async () => {
    const root = writeTree(tempFolder("many"), SITE);
    const out = join(tempFolder("many-out"), "static");
    expect((await collect({ roots: [root], out })).ok).toBe(true);
    const before = snapshot(out);
    const rules: string[] = [];
    for (let i = 0; i < COUNT; i++) rules.push(`.r${i}{background:url(../img/missing-${i}.png)}`);
    writeTree(root, { "css/app.css": rules.join("\n"), "fresh/new.png": "new folder" });

    const result = await collect({ roots: [root], out });
    expect(result.ok).toBe(false);
    expect(result.problems.length).toBe(COUNT);
    expect(result.problems[COUNT - 1]).toMatchObject({ code: "REFERENCE_NOT_FOUND", file: "css/app.css", line: COUNT, reference: `../img/missing-${COUNT - 1}.png` });
    expect(snapshot(out)).toEqual(before); // no temporary file, no new folder
  });
});

describe("names in any script fit the 255-byte limit", () => {
  const fits = "あ".repeat(78) + ".png"; // 238 bytes: 80 UTF-16 units
  const tooLong = "あ".repeat(83) + ".png"; // 253 bytes: its hashed name would take 260

  test.each(["query", "filename"] as const)("78 × あ + .png collects in %s mode, referenced from a stylesheet", async (mode) => {
    const root = writeTree(tempFolder("long"), {
      [`img/${fits}`]: "long name bytes",
      "css/app.css": `a { background: url("../img/${fits}") }\n`,
    });
    const out = join(tempFolder("long-out"), "static");
    const result = await collect({ roots: [root], out, mode });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    const hash = h6("long name bytes");
    const stored = mode === "query" ? `img/${fits}?${hash}` : `img/${"あ".repeat(78)}.${hash}.png`;
    expect(result.manifest!.paths[`img/${fits}`]).toBe(stored);
    expect(fs.readFileSync(join(out, "img", fits), "utf8")).toBe("long name bytes");
    expect(Object.keys(snapshot(out)).some((name) => name.endsWith(TEMP_SUFFIX))).toBe(false);
  });

  test("a hashed name that cannot fit is a problem naming the file; query mode, with no hashed names, collects it", async () => {
    const root = writeTree(tempFolder("long"), { [`img/${tooLong}`]: "x", "img/a.png": "y" });
    const out = join(tempFolder("long-out"), "static");
    const result = await collect({ roots: [root], out, mode: "filename" });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      {
        severity: "error",
        code: "NAME_TOO_LONG",
        file: `img/${tooLong}`,
        message: `img/${tooLong}: its hashed name ${"あ".repeat(83)}.${h6("x")}.png would take 260 bytes, more than the 255 a file name may have: shorten the file's name.`,
      },
    ]);
    expect(fs.existsSync(out)).toBe(false);
    expect((await collect({ roots: [root], out, mode: "query" })).ok).toBe(true);
  });
});

describe("an unexpected error removes what the run created and keeps the previous output", () => {
  test.each([
    ["reading", "read"],
    ["writing", "write"],
  ] as const)("an error thrown while %s becomes a problem; the previous output and manifest stay as they were", async (_label, phase) => {
    for (const mode of ["query", "filename"] as const) {
      const root = writeTree(tempFolder("unexpected"), SITE);
      const out = join(tempFolder("unexpected-out"), "static");
      expect((await collect({ roots: [root], out, mode })).ok).toBe(true);
      const before = snapshot(out);
      // A new version: a changed image (its stylesheet changes too) and files bound for a new folder.
      writeTree(root, { "img/a.png": "new png bytes", "fresh/b.png": "b", "fresh/deep/c.png": "c" });
      const onProgress = (progress: CollectProgress) => {
        if (progress.phase === phase) throw new TypeError("injected failure");
      };
      const result = await collect({ roots: [root], out, mode, onProgress });
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([
        {
          severity: "error",
          code: "UNEXPECTED",
          message: "collect stopped on an unexpected error (TypeError: injected failure): what this run wrote was removed and staticfiles.json was left as it was.",
        },
      ]);
      expect(snapshot(out)).toEqual(before);
    }
  });
});

describe("a name that is not valid UTF-8 is a warning naming its bytes", () => {
  test("css/caf\\xe9.css (latin1) is reported, the other files collected", async () => {
    const root = writeTree(tempFolder("bytes"), SITE);
    const badName = Buffer.concat([Buffer.from(join(root, "css") + "/caf"), Buffer.from([0xe9]), Buffer.from(".css")]);
    fs.writeFileSync(badName, "a { color: red }");
    const out = join(tempFolder("bytes-out"), "static");
    const result = await collect({ roots: [root], out });
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([
      {
        severity: "warning",
        code: "NAME_NOT_UTF8",
        file: "css/caf\\xe9.css",
        message: `css/caf\\xe9.css in ${root} is not collected: its name is not valid UTF-8 (bytes shown escaped as \\xNN). Rename it to a UTF-8 name to collect it.`,
      },
    ]);
    expect(Object.keys(result.manifest!.paths)).toEqual(["css/app.css", "img/a.png", "js/app.js"]);
  });
});
