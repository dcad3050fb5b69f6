// Which files are collected and how they are written: roots, ignore patterns, both modes, manifest, reruns, --clear.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StaticFiles } from "../../src/index.js";
import { collect } from "../../src/collect/index.js";
import { findSourceFiles } from "../../src/fs/walk.js";
import { collectTree, digest, readTree, tempFolder, writeTree } from "./trees.js";

describe("what is collected", () => {
  it("copies every file of the roots, the first root winning, and skips dotfiles, CVS and *~ as Django does", async () => {
    const first = writeTree(tempFolder("first"), {
      "img/a.png": "foo",
      "js/app.js": "first",
      ".env": "SECRET=1",
      ".git/config": "x",
      "css/.hidden.css": "x",
      "CVS/Entries": "x",
      "sub/CVS/Root": "x",
      "js/app.js~": "backup",
      "notes~/a.txt": "x",
    });
    const second = writeTree(tempFolder("second"), { "js/app.js": "second", "js/extra.js": "", "Makefile": "all:" });
    const out = join(tempFolder("out"), "static");
    const result = await collect({ roots: [first, second], out });
    expect(result.problems).toEqual([]);
    expect(readTree(out)).toEqual({
      "Makefile": "all:",
      "img/a.png": "foo",
      "js/app.js": "first",
      "js/extra.js": "",
      "staticfiles.json": readFileSync(join(out, "staticfiles.json"), "utf8"),
    });
    expect(result.manifest!.paths).toEqual({
      "Makefile": `Makefile?${digest("all:").slice(0, 6)}`,
      "img/a.png": "img/a.png?0beec7",
      "js/app.js": `js/app.js?${digest("first").slice(0, 6)}`,
      "js/extra.js": "js/extra.js?da39a3",
    });
    expect(result.stats).toMatchObject({ files: 4, bytes: 3 + 5 + 0 + 4, written: 5, unchanged: 0, references: 0, removed: 0 });
  });

  it("follows symbolic links to files and folders, and visits a link loop once", async () => {
    const elsewhere = writeTree(tempFolder("elsewhere"), { "logo.svg": "<svg/>" });
    const root = writeTree(tempFolder("root"), { "a.txt": "a" });
    symlinkSync(elsewhere, join(root, "linked"));
    symlinkSync(join(elsewhere, "logo.svg"), join(root, "logo.svg"));
    symlinkSync(root, join(root, "loop"));
    symlinkSync(join(root, "nowhere"), join(root, "dangling"));
    const out = join(tempFolder("out"), "static");
    const result = await collect({ roots: root, out });
    expect(Object.keys(result.manifest!.paths)).toEqual(["a.txt", "linked/logo.svg", "logo.svg"]);
  });

  it("skips FIFOs (reading one would block forever) and reports a folder it cannot list", async () => {
    const root = writeTree(tempFolder("root"), { "a.txt": "foo" });
    execFileSync("mkfifo", [join(root, "pipe.css")]);
    const out = join(tempFolder("out"), "static");
    const result = await collect({ roots: root, out });
    expect(result.problems).toEqual([]);
    expect(result.manifest!.paths).toEqual({ "a.txt": "a.txt?0beec7" });
    const unreadable: string[] = [];
    expect(findSourceFiles([join(root, "gone")], (path, error) => unreadable.push(`${path} ${(error as NodeJS.ErrnoException).code}`)).size).toBe(0);
    expect(unreadable).toEqual([`${join(root, "gone")} ENOENT`]);
  });

  it("filename mode: the original name is byte-identical to the source, the hashed copy holds the rewritten content", async () => {
    const css = "a{background:url(../img/a.png)}";
    const { output, result } = await collectTree({ "img/a.png": "foo", "css/app.css": css, "js/jquery.min.js": "foo", "Makefile": "foo" }, { mode: "filename" });
    const appHash = digest("a{background:url(../img/a.0beec7.png)}").slice(0, 6);
    expect(output).toEqual({
      "Makefile": "foo",
      "Makefile.0beec7": "foo",
      "css/app.css": css,
      [`css/app.${appHash}.css`]: "a{background:url(../img/a.0beec7.png)}",
      "img/a.png": "foo",
      "img/a.0beec7.png": "foo",
      "js/jquery.min.js": "foo",
      "js/jquery.min.0beec7.js": "foo",
      "staticfiles.json": output["staticfiles.json"],
    });
    expect(JSON.parse(output["staticfiles.json"])).toEqual(result.manifest);
  });

  it("query mode: the original name holds the rewritten content and there is no hashed copy", async () => {
    const { output } = await collectTree({ "img/a.png": "foo", "css/app.css": "a{background:url(../img/a.png)}" });
    expect(output).toEqual({
      "css/app.css": "a{background:url(../img/a.png?0beec7)}",
      "img/a.png": "foo",
      "staticfiles.json": output["staticfiles.json"],
    });
  });

  it("honours algorithm and accuracy", async () => {
    const { result } = await collectTree({ "a.txt": "foo" }, { algorithm: "md5", accuracy: 12, mode: "filename" });
    expect(result.manifest!.paths).toEqual({ "a.txt": `a.${digest("foo", "md5").slice(0, 12)}.txt` });
    expect(result.manifest!.paths["a.txt"]).toBe("a.acbd18db4cc2.txt");
    const long = await collectTree({ "a.txt": "foo" }, { algorithm: "sha256", accuracy: 1000 });
    expect(long.result.manifest!.paths["a.txt"]).toBe(`a.txt?${digest("foo", "sha256")}`);
  });

  it("refuses bad options with STATIC_CONFIG and a message that says what to fix", async () => {
    const root = writeTree(tempFolder("root"), { "a.txt": "" });
    const out = join(tempFolder("out"), "static");
    await expect(collect({ roots: [root], out, mode: "hash" as never })).rejects.toMatchObject({ code: "STATIC_CONFIG", message: expect.stringContaining('"query", "filename"') });
    await expect(collect({ roots: [join(root, "nope")], out })).rejects.toMatchObject({ code: "STATIC_CONFIG", message: `The root ${join(root, "nope")} does not exist: check the path, or create the folder.` });
    await expect(collect({ roots: [root], out: join(root, "dist") })).rejects.toMatchObject({ code: "STATIC_CONFIG", message: expect.stringContaining("overlap") });
    await expect(collect({ roots: [root], out, missing: "ignore" as never })).rejects.toMatchObject({ code: "STATIC_CONFIG" });
    await expect(collect({ roots: [root] } as never)).rejects.toMatchObject({ code: "STATIC_CONFIG", message: expect.stringContaining("`out`") });
    await expect(collect({ roots: [root], out, accuracy: 0 })).rejects.toMatchObject({ code: "STATIC_CONFIG", message: expect.stringContaining("accuracy") });
  });

  it("does not collect a root file named staticfiles.json, which the manifest replaces, and says so", async () => {
    const { result, output } = await collectTree({ "staticfiles.json": "{}", "a.txt": "foo" });
    expect(result.problems.map((problem) => [problem.severity, problem.code])).toEqual([["warning", "MANIFEST_SHADOWED"]]);
    expect(JSON.parse(output["staticfiles.json"]).paths).toEqual({ "a.txt": "a.txt?0beec7" });
  });
});

describe("staticfiles.json", () => {
  it("is Django's format: sorted paths, version 1.0 and a hash of the paths", async () => {
    const { output, result } = await collectTree({ "b.txt": "foo", "a/c.txt": "" }, { mode: "filename" });
    const paths = { "a/c.txt": "a/c.da39a3.txt", "b.txt": "b.0beec7.txt" };
    expect(output["staticfiles.json"]).toBe(JSON.stringify({ paths, version: "1.0", hash: digest(JSON.stringify(paths)).slice(0, 6) }, null, 2) + "\n");
    expect(result.manifest).toEqual({ paths, version: "1.0", hash: digest(JSON.stringify(paths)).slice(0, 6) });
  });

  it("gives StaticFiles({ manifest }) the same URLs the core computes from the source tree, in both modes", async () => {
    const files = {
      "img/a.png": "foo",
      "img/a b&c.png": "bar",
      "fonts/f.eot": "",
      "js/app.min.js": "console.log(1)",
      "Makefile": "all:",
      "css/plain.css": "p{}",
    };
    const names = ["img/a.png", "img/a b&c.png", "fonts/f.eot?#iefix", "js/app.min.js?v=2#top", "Makefile", "css/plain.css"];
    for (const mode of ["query", "filename"] as const) {
      const { root, out } = await collectTree(files, { mode });
      const fromSource = new StaticFiles({ roots: [root], mode });
      const fromManifest = new StaticFiles({ manifest: join(out, "staticfiles.json"), mode });
      for (const name of names) expect(fromManifest.url(name)).toBe(fromSource.url(name));
      expect(fromManifest.url("fonts/f.eot?#iefix")).toBe(mode === "query" ? "/static/fonts/f.eot?da39a3#iefix" : "/static/fonts/f.da39a3.eot?#iefix");
      expect(fromManifest.url("img/a b&c.png")).toBe(mode === "query" ? "/static/img/a%20b%26c.png?62cdb7" : "/static/img/a%20b%26c.62cdb7.png");
      // The served copy is what the manifest names: integrity agrees too.
      expect(fromManifest.integrity("img/a.png")).toBe(fromSource.integrity("img/a.png"));
    }
  });

  it("serves a CSS URL whose hash is that of the rewritten file written under it", async () => {
    const { out } = await collectTree({ "img/a.png": "foo", "css/app.css": "a{background:url(../img/a.png)}" }, { mode: "filename" });
    const files = new StaticFiles({ manifest: join(out, "staticfiles.json") });
    const url = files.url("css/app.css");
    const served = readFileSync(join(out, url.slice("/static/".length)), "utf8");
    expect(served).toBe("a{background:url(../img/a.0beec7.png)}");
    expect(url).toBe(`/static/css/app.${digest(served).slice(0, 6)}.css`);
  });
});

describe("a second run", () => {
  it("rewrites nothing when nothing changed, and only what changed otherwise", async () => {
    const root = writeTree(tempFolder("root"), { "img/a.png": "foo", "img/b.png": "bar", "css/app.css": "a{background:url(../img/a.png)}" });
    const out = join(tempFolder("out"), "static");
    const first = await collect({ roots: root, out, mode: "filename" });
    expect(first.stats).toMatchObject({ written: 7, unchanged: 0 });
    // Make every output look old, so a rewrite would show in its mtime.
    const past = new Date("2001-01-01T00:00:00Z");
    for (const name of Object.keys(readTree(out))) utimesSync(join(out, name), past, past);
    const second = await collect({ roots: root, out, mode: "filename" });
    expect(second.stats).toMatchObject({ written: 0, unchanged: 7 });
    expect(second.manifest).toEqual(first.manifest);
    for (const name of Object.keys(readTree(out))) expect(statSync(join(out, name)).mtime).toEqual(past);

    writeFileSync(join(root, "img/a.png"), "changed");
    const third = await collect({ roots: root, out, mode: "filename" });
    // img/a.png, its new hashed copy, the new hashed css (its reference changed), the manifest.
    expect(third.stats).toMatchObject({ written: 4, unchanged: 3 });
    expect(statSync(join(out, "img/b.png")).mtime).toEqual(past);
  });

  it("rewrites a copy that was changed or truncated in the output folder", async () => {
    const root = writeTree(tempFolder("root"), { "a.txt": "foo" });
    const out = join(tempFolder("out"), "static");
    await collect({ roots: root, out });
    writeFileSync(join(out, "a.txt"), "fox");
    expect((await collect({ roots: root, out })).stats).toMatchObject({ written: 1, unchanged: 1 });
    expect(readFileSync(join(out, "a.txt"), "utf8")).toBe("foo");
  });

  it("keeps hashed copies of earlier runs (pages in caches still point at them) unless clear is set", async () => {
    const root = writeTree(tempFolder("root"), { "img/a.png": "foo", "css/app.css": "a{background:url(../img/a.png)}", "old.txt": "old" });
    const out = join(tempFolder("out"), "static");
    await collect({ roots: root, out, mode: "filename" });
    const firstCss = (await collect({ roots: root, out, mode: "filename" })).manifest!.paths["css/app.css"];
    writeFileSync(join(root, "img/a.png"), "bar");
    writeFileSync(join(root, "old.txt"), "renamed");
    const kept = await collect({ roots: root, out, mode: "filename" });
    const files = readTree(out);
    expect(files["img/a.0beec7.png"]).toBe("foo");
    expect(files["img/a.62cdb7.png"]).toBe("bar");
    expect(files[firstCss]).toBe("a{background:url(../img/a.0beec7.png)}");
    expect(files[kept.manifest!.paths["css/app.css"]]).toBe("a{background:url(../img/a.62cdb7.png)}");

    writeTree(out, { "stray/left-over.txt": "x" });
    const cleared = await collect({ roots: root, out, mode: "filename", clear: true });
    expect(cleared.stats.removed).toBe(4);
    expect(Object.keys(readTree(out))).toEqual([
      "css/app.css",
      cleared.manifest!.paths["css/app.css"],
      "img/a.62cdb7.png",
      "img/a.png",
      `old.${digest("renamed").slice(0, 6)}.txt`,
      "old.txt",
      "staticfiles.json",
    ].sort());
  });
});
