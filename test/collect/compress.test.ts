// `collect --compress`: .br and .gz next to the compressible outputs, the 95% rule, the skip list, reruns, --clear.
import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { collect } from "../../src/collect/index.js";
import { collectTree, digest, readTree, runCli, tempFolder, writeTree } from "./trees.js";

// Text that compresses well, and differs per seed so no two files share a content by accident.
const text = (seed: string, lines = 40) => Array.from({ length: lines }, (_, i) => `.${seed}-${i} { color: #${(i * 4099).toString(16).padStart(6, "0")}; margin: 0 auto; }\n`).join("");
// Bytes that do not compress: a chain of sha256 digests.
const noise = (size: number, seed: number) => Buffer.concat(Array.from({ length: Math.ceil(size / 32) }, (_, i) => createHash("sha256").update(`${seed}:${i}`).digest())).subarray(0, size);
const h = (content: string | Buffer) => digest(content).slice(0, 6);

const brotli11 = (bytes: Buffer) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
const gzip9 = (bytes: Buffer) => gzipSync(bytes, { level: 9 });

/** Names under `out` that are variants. */
const variantsIn = (out: string) => Object.keys(readTree(out)).filter((name) => /\.(br|gz)$/.test(name));

describe("collect --compress", () => {
  it("writes brotli 11 and gzip 9 variants of every compressible output, both names in filename mode, none for the manifest", async () => {
    const css = text("a");
    const js = `console.log(${JSON.stringify(text("b"))});\n`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg">${text("c").replace(/\n/g, "")}</svg>`;
    const { out, result } = await collectTree({ "css/app.css": css, "js/app.js": js, "img/i.svg": svg }, { mode: "filename", compress: true });
    expect(result.problems).toEqual([]);
    expect(variantsIn(out)).toEqual([
      `css/app.${h(css)}.css.br`, `css/app.${h(css)}.css.gz`, "css/app.css.br", "css/app.css.gz",
      `img/i.${h(svg)}.svg.br`, `img/i.${h(svg)}.svg.gz`, "img/i.svg.br", "img/i.svg.gz",
      `js/app.${h(js)}.js.br`, `js/app.${h(js)}.js.gz`, "js/app.js.br", "js/app.js.gz",
    ]);
    for (const name of ["css/app.css", `css/app.${h(css)}.css`, "js/app.js", "img/i.svg"]) {
      const bytes = readFileSync(join(out, name));
      const br = readFileSync(join(out, name + ".br"));
      const gz = readFileSync(join(out, name + ".gz"));
      expect(br.equals(brotli11(bytes))).toBe(true);
      expect(gz.equals(gzip9(bytes))).toBe(true);
      expect(brotliDecompressSync(br).equals(bytes)).toBe(true);
      expect(gunzipSync(gz).equals(bytes)).toBe(true);
      // A variant carries its file's mtime: the server trusts it only while they agree.
      expect(Math.floor(statSync(join(out, name + ".br")).mtimeMs)).toBe(Math.floor(statSync(join(out, name)).mtimeMs));
    }
    expect(Object.keys(result.manifest!.paths)).toEqual(["css/app.css", "img/i.svg", "js/app.js"]);
    expect(JSON.stringify(result.manifest)).not.toMatch(/\.(br|gz)"/);
    expect(result.stats.variants).toBe(12);
  });

  it("compresses a content once, however many names hold it", async () => {
    const css = text("same");
    const { out, result } = await collectTree({ "a.css": css, "b.css": css, "sub/c.css": css }, { mode: "filename", compress: ["br"] });
    expect(result.ok).toBe(true);
    const variants = variantsIn(out);
    expect(variants).toEqual(["a.css.br", `a.${h(css)}.css.br`, "b.css.br", `b.${h(css)}.css.br`, "sub/c.css.br", `sub/c.${h(css)}.css.br`].sort());
    const first = readFileSync(join(out, "a.css.br"));
    for (const name of variants) expect(readFileSync(join(out, name)).equals(first)).toBe(true);
  });

  it("keeps a variant only when it is at most 95% of the file, and skips already-compressed types", async () => {
    const { out, result } = await collectTree(
      {
        "tiny.css": "a{}", // a few bytes: brotli and gzip headers make it bigger
        "random.txt": noise(4000, 1), // does not compress
        "img/a.png": text("png"), // compressible bytes, but a PNG: never tried
        "fonts/f.woff2": text("woff2"),
        "fonts/f.woff": text("woff"),
        "fonts/f.ttf": text("ttf"),
        "fonts/f.eot": text("eot"),
        "app.js.map": JSON.stringify({ version: 3, mappings: text("map") }),
        "data.json": JSON.stringify({ list: text("json").split("\n") }),
        "archive.zip": text("zip"),
        "video.mp4": text("mp4"),
        "README": text("noext"),
      },
      { compress: true },
    );
    expect(result.ok).toBe(true);
    expect(variantsIn(out)).toEqual([
      "app.js.map.br", "app.js.map.gz", "data.json.br", "data.json.gz",
      "fonts/f.eot.br", "fonts/f.eot.gz", "fonts/f.ttf.br", "fonts/f.ttf.gz",
    ]);
  });

  it("leaves a file of the roots named like a variant as it is, and writes no variant over it", async () => {
    const css = text("x");
    const { out, result } = await collectTree({ "x.css": css, "x.css.br": "not brotli" }, { compress: true });
    expect(result.ok).toBe(true);
    expect(readFileSync(join(out, "x.css.br"), "utf8")).toBe("not brotli");
    expect(gunzipSync(readFileSync(join(out, "x.css.gz"))).toString()).toBe(css);
    expect(result.manifest!.paths).toEqual({ "x.css": `x.css?${h(css)}`, "x.css.br": `x.css.br?${h("not brotli")}` });
  });

  it("compresses the rewritten content in query mode, and the hashed copy's rewritten content in filename mode", async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg">${text("i")}</svg>`;
    const css = `.a{background:url(../img/i.svg)}\n${text("r")}`;
    const query = await collectTree({ "css/app.css": css, "img/i.svg": svg }, { compress: true });
    const served = readFileSync(join(query.out, "css/app.css"));
    expect(served.toString()).toContain(`url(../img/i.svg?${h(svg)})`);
    expect(brotliDecompressSync(readFileSync(join(query.out, "css/app.css.br"))).equals(served)).toBe(true);

    const filename = await collectTree({ "css/app.css": css, "img/i.svg": svg }, { mode: "filename", compress: true });
    const hashedName = filename.result.manifest!.paths["css/app.css"];
    const hashed = readFileSync(join(filename.out, hashedName));
    expect(hashed.toString()).toContain(`url(../img/i.${h(svg)}.svg)`);
    expect(brotliDecompressSync(readFileSync(join(filename.out, hashedName + ".br"))).equals(hashed)).toBe(true);
    expect(brotliDecompressSync(readFileSync(join(filename.out, "css/app.css.br"))).toString()).toBe(css);
  });

  it("does not compress the variants of hashed names again on a rerun; an edited file gets fresh variants", async () => {
    const css = text("v1");
    const root = writeTree(tempFolder("root"), { "app.css": css, "other.js": text("js") });
    const out = join(tempFolder("out"), "static");
    const options = { roots: [root], out, mode: "filename" as const, compress: true };
    const first = await collect(options);
    expect(first.stats.variants).toBe(8);
    const hashedBr = join(out, `app.${h(css)}.css.br`);
    const before = statSync(hashedBr, { bigint: true });

    const second = await collect(options);
    expect(second.stats.variants).toBe(0);
    expect(second.stats.written).toBe(0);
    const after = statSync(hashedBr, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([before.ino, before.mtimeNs]);

    // A variant of a hashed name is named after its content: even one made by an earlier run is kept as it is.
    writeFileSync(join(out, `app.${h(css)}.css.gz`), gzip9(Buffer.from(css)));
    const edited = text("v2");
    writeFileSync(join(root, "app.css"), edited);
    const third = await collect(options);
    expect(third.stats.variants).toBe(4); // app.css.{br,gz} and the new hashed copy's
    expect(brotliDecompressSync(readFileSync(join(out, "app.css.br"))).toString()).toBe(edited);
    expect(brotliDecompressSync(readFileSync(join(out, `app.${h(edited)}.css.br`))).toString()).toBe(edited);
    expect(statSync(hashedBr, { bigint: true }).ino).toBe(before.ino); // the old version's variant is still there (no --clear)
  });

  it("rewrites an unhashed name's variant when its file changed, and removes it when the new content earns none", async () => {
    const root = writeTree(tempFolder("root"), { "notes.txt": text("n1") });
    const out = join(tempFolder("out"), "static");
    await collect({ roots: [root], out, compress: true });
    expect(variantsIn(out)).toEqual(["notes.txt.br", "notes.txt.gz"]);
    writeFileSync(join(root, "notes.txt"), noise(3000, 7));
    const second = await collect({ roots: [root], out, compress: true });
    expect(second.ok).toBe(true);
    expect(variantsIn(out)).toEqual([]);
  });

  it("--clear removes the variants with their files, and keeps those of the current outputs", async () => {
    const root = writeTree(tempFolder("root"), { "a.css": text("a1"), "gone.css": text("gone") });
    const out = join(tempFolder("out"), "static");
    const options = { roots: [root], out, mode: "filename" as const, compress: true, clear: true };
    await collect(options);
    expect(variantsIn(out)).toHaveLength(8);
    writeFileSync(join(root, "a.css"), text("a2"));
    writeFileSync(join(root, "gone.css"), "");
    const { rmSync } = await import("node:fs");
    rmSync(join(root, "gone.css"));
    const result = await collect(options);
    expect(result.ok).toBe(true);
    expect(variantsIn(out)).toEqual([`a.${h(text("a2"))}.css.br`, `a.${h(text("a2"))}.css.gz`, "a.css.br", "a.css.gz"].sort());
    expect(Object.keys(readTree(out)).sort()).toEqual([`a.${h(text("a2"))}.css`, `a.${h(text("a2"))}.css.br`, `a.${h(text("a2"))}.css.gz`, "a.css", "a.css.br", "a.css.gz", "staticfiles.json"].sort());
  });

  it("refuses a bad compress option with STATIC_CONFIG", async () => {
    const root = writeTree(tempFolder("root"), { "a.css": "a{}" });
    const out = join(tempFolder("out"), "static");
    for (const compress of ["br", ["zstd"], [], ["br", "br"], 1]) {
      await expect(collect({ roots: [root], out, compress: compress as never })).rejects.toMatchObject({
        code: "STATIC_CONFIG",
        message: `Option \`compress\` must be true, false, or a list of codings from ["br","gzip"] such as ["br"]; got ${JSON.stringify(compress)}.`,
      });
    }
  });

  it("takes --compress on the command line and says how many variants it wrote", async () => {
    const root = writeTree(tempFolder("root"), { "css/app.css": text("cli") });
    const out = join(tempFolder("out"), "static");
    const run = await runCli(["collect", "--root", root, "--out", out, "--mode", "filename", "--compress"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: 1 original, 1 hashed copy and staticfiles.json \(3 written, 0 unchanged\), 0 references rewritten, 4 compressed variants written\.\n$/);
    expect(variantsIn(out)).toHaveLength(4);
    const again = await runCli(["collect", "--root", root, "--out", out, "--mode", "filename", "--compress"]);
    expect(again.stdout).toMatch(/: 1 original, 1 hashed copy and staticfiles.json \(0 written, 3 unchanged\), 0 references rewritten\.\n$/);
  });
});
