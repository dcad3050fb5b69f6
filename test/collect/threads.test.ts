// A tree big enough for the built command to share its work with a worker thread gives the same
// output, byte for byte, as collect() on the main thread alone (the TypeScript sources run here
// have no built worker module, so the in-process call never starts one).
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../src/collect/index.js";
import { digest, readTree, runCli, tempFolder, writeTree } from "./trees.js";

const IMAGES = 600;

function bigTree(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < IMAGES; i++) files[`img/g${i % 7}/i${i}.png`] = `image ${i}\n`.repeat(1 + (i % 40));
  for (let i = 0; i < 40; i++) {
    files[`css/s${i}.css`] = `@import "s${(i + 1) % 40}.css";\na{background:url(../img/g${i % 7}/i${i}.png)}\nb{background:url("/static/img/g${(i + 3) % 7}/i${i + 3}.png?v=1#x")}\n`;
  }
  for (let i = 0; i < 30; i++) files[`js/plain${i}.js`] = `export const n = ${i};\n`;
  for (let i = 0; i < 10; i++) {
    files[`js/mapped${i}.js`] = `export const m = ${i};\n//# sourceMappingURL=mapped${i}.js.map\n`;
    files[`js/mapped${i}.js.map`] = `{"version":3,"sources":["mapped${i}.ts"]}`;
  }
  return files;
}

describe("collect with a worker thread", () => {
  it("writes the same files as the main thread alone, in both modes", { timeout: 60_000 }, async () => {
    const root = writeTree(tempFolder("root"), bigTree());
    for (const mode of ["filename", "query"] as const) {
      const byCommand = join(tempFolder("cli"), "static");
      const run = await runCli(["collect", "--root", root, "--out", byCommand, "--mode", mode, "--algorithm", "md5", "--accuracy", "12"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const fileCount = Object.keys(bigTree()).length;
      const outputs = mode === "filename" ? 2 * fileCount + 1 : fileCount + 1;
      const holds = mode === "filename" ? `${fileCount} originals, ${fileCount} hashed copies` : `${fileCount} copies`;
      expect(run.stdout).toContain(`: ${holds} and staticfiles.json (${outputs.toLocaleString("en-US")} written, 0 unchanged), 130 references rewritten.`);

      const alone = join(tempFolder("api"), "static");
      const result = await collect({ roots: root, out: alone, mode, algorithm: "md5", accuracy: 12 });
      expect(result.ok).toBe(true);
      expect(readTree(byCommand)).toEqual(readTree(alone));
    }
  });

  it("gives an unchanged file's hashed copy the original's bytes by a hard link that a later run never writes through", { timeout: 60_000 }, async () => {
    const root = writeTree(tempFolder("root"), bigTree());
    const out = join(tempFolder("out"), "static");
    const args = ["collect", "--root", root, "--out", out, "--mode", "filename", "--quiet"];
    expect((await runCli(args)).code).toBe(0);
    const hashedName = `img/g0/i0.${digest("image 0\n").slice(0, 6)}.png`;
    expect(readFileSync(join(out, hashedName), "utf8")).toBe("image 0\n");
    expect(statSync(join(out, hashedName)).ino).toBe(statSync(join(out, "img/g0/i0.png")).ino);

    writeFileSync(join(root, "img/g0/i0.png"), "changed\n");
    expect((await runCli(args)).code).toBe(0);
    expect(readFileSync(join(out, "img/g0/i0.png"), "utf8")).toBe("changed\n");
    expect(readFileSync(join(out, `img/g0/i0.${digest("changed\n").slice(0, 6)}.png`), "utf8")).toBe("changed\n");
    expect(readFileSync(join(out, hashedName), "utf8")).toBe("image 0\n");
  });

  it("on a second run, reads the outputs on both threads and rewrites only a changed one", { timeout: 60_000 }, async () => {
    const files = bigTree();
    const root = writeTree(tempFolder("root"), files);
    const out = join(tempFolder("out"), "static");
    const args = ["collect", "--root", root, "--out", out, "--mode", "filename"];
    const outputs = 2 * Object.keys(files).length + 1;
    const count = (n: number) => n.toLocaleString("en-US");
    expect((await runCli(args)).stdout).toContain(` staticfiles.json (${count(outputs)} written, 0 unchanged),`);
    expect((await runCli(args)).stdout).toContain(` staticfiles.json (0 written, ${count(outputs)} unchanged),`);
    const hashedName = `img/g0/i0.${digest("image 0\n").slice(0, 6)}.png`;
    // Same size, other bytes, written in place: the hard-linked original name changes with it.
    writeFileSync(join(out, hashedName), "imagE 0\n");
    expect((await runCli(args)).stdout).toContain(` staticfiles.json (2 written, ${count(outputs - 2)} unchanged),`);
    expect(readFileSync(join(out, hashedName), "utf8")).toBe("image 0\n");
    expect(readFileSync(join(out, "img/g0/i0.png"), "utf8")).toBe("image 0\n");
  });

  it("writes nothing when a reference is missing", { timeout: 60_000 }, async () => {
    const files = bigTree();
    files["css/broken.css"] = "a{background:url(../img/nope.png)}";
    const root = writeTree(tempFolder("root"), files);
    const out = join(tempFolder("out"), "static");
    const run = await runCli(["collect", "--root", root, "--out", out, "--quiet"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("css/broken.css, line 1: url(../img/nope.png) refers to img/nope.png");
    expect(existsSync(out)).toBe(false);
  });
});
