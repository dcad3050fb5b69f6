// Promise: collect writes only inside its destination. A symbolic link inside `--out` (to a source
// folder, to any other folder, or a link file) is never written through, by a run or by `--clear`:
// the built command is run as a deploy runs it, and the files the links point at are checked byte for byte.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { collect } from "../../src/collect/index.js";
import { CLI } from "../collect/trees.js";
import { folderSnapshot, removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);

const SITE = {
  "css/app.css": 'body { background: url("../img/a.png") }\n',
  "css/theme.css": '@import "app.css";\n',
  "img/a.png": "png bytes",
  "js/app.js": "console.log(1);\n",
};

function runCli(args: string[]) {
  expect(fs.existsSync(CLI), `${CLI} is missing: run npm run build`).toBe(true);
  return spawnSync(process.execPath, [CLI, "collect", ...args], { encoding: "utf8", timeout: 20_000 });
}

describe.each(["query", "filename"] as const)("collect --mode %s never writes through a link inside --out", (mode) => {
  test("out/css -> ../src/css: refused naming the link, the sources untouched, twice in a row", () => {
    const base = tempFolder("links");
    const src = writeTree(join(base, "src"), SITE);
    const out = join(base, "out");
    fs.mkdirSync(out);
    fs.symlinkSync("../src/css", join(out, "css"));
    const before = folderSnapshot(src);
    for (let run = 0; run < 2; run++) {
      const result = runCli(["--root", src, "--out", out, "--mode", mode, "--quiet"]);
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toContain(`${join(out, "css")} is a symbolic link`);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(folderSnapshot(src)).toEqual(before);
    }
    expect(fs.readlinkSync(join(out, "css"))).toBe("../src/css");
    expect(fs.existsSync(join(out, "staticfiles.json"))).toBe(false);
  });

  test("a link to another folder deeper down (a folder the run would create under it) is refused too", () => {
    const base = tempFolder("links");
    const src = writeTree(join(base, "src"), { ...SITE, "css/vendor/lib.css": "a { color: red }\n" });
    const elsewhere = writeTree(join(base, "elsewhere"), { "keep.txt": "mine" });
    const out = join(base, "out");
    fs.mkdirSync(out);
    fs.symlinkSync(elsewhere, join(out, "css"));
    const result = runCli(["--root", src, "--out", out, "--mode", mode, "--quiet"]);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain(`${join(out, "css")} is a symbolic link`);
    expect(folderSnapshot(elsewhere)).toEqual({ "keep.txt": "mine" });
  });

  test("a link file out/css/app.css -> a file elsewhere is replaced by the copy, the file it pointed at untouched", async () => {
    const base = tempFolder("links");
    const src = writeTree(join(base, "src"), SITE);
    const victim = writeTree(join(base, "victim"), { "app.css": SITE["css/app.css"], "a.png": "png bytes" });
    const out = join(base, "out");
    // A first run, then the outputs swapped for links to files holding the very same bytes.
    expect((await collect({ roots: [src], out, mode })).ok).toBe(true);
    const clean = folderSnapshot(out);
    fs.rmSync(join(out, "css/app.css"));
    fs.symlinkSync(join(victim, "app.css"), join(out, "css/app.css"));
    fs.rmSync(join(out, "img/a.png"));
    fs.symlinkSync(join(victim, "a.png"), join(out, "img/a.png"));
    const result = runCli(["--root", src, "--out", out, "--mode", mode, "--quiet"]);
    expect(result.status, result.stderr).toBe(0);
    expect(folderSnapshot(out)).toEqual(clean);
    expect(folderSnapshot(victim)).toEqual({ "app.css": SITE["css/app.css"], "a.png": "png bytes" });
  });

  test("--clear removes a link to a folder as a link, never what lies behind it", async () => {
    const base = tempFolder("links");
    const src = writeTree(join(base, "src"), SITE);
    // A leftover temporary name of a dead process behind the link: not this folder's to clean up.
    const stale = ".app.css.4194300-7.static-hash-tmp";
    const elsewhere = writeTree(join(base, "elsewhere"), { "keep.txt": "mine", "deep/more.txt": "also mine", [stale]: "theirs" });
    const out = join(base, "out");
    expect((await collect({ roots: [src], out, mode })).ok).toBe(true);
    fs.symlinkSync(elsewhere, join(out, "old"));
    fs.symlinkSync(join(elsewhere, "keep.txt"), join(out, "img/stale.png"));
    const result = runCli(["--root", src, "--out", out, "--mode", mode, "--clear", "--quiet"]);
    expect(result.status, result.stderr).toBe(0);
    expect(folderSnapshot(elsewhere)).toEqual({ "keep.txt": "mine", "deep/more.txt": "also mine", [stale]: "theirs" });
    expect(fs.existsSync(join(out, "old"))).toBe(false);
    expect(fs.existsSync(join(out, "img/stale.png"))).toBe(false);
  });
});
