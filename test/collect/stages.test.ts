// collect's stages one by one, on real files: find, read (with resolve), hash in dependency order, plan.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { findSources, folderNames } from "../../src/collect/find-sources.js";
import { FolderTarget } from "../../src/collect/folder-target.js";
import { hashInDependencyOrder } from "../../src/collect/hash-in-order.js";
import { WorkLane } from "../../src/collect/lane-work.js";
import { plainOutputs, planOutputs } from "../../src/collect/plan-outputs.js";
import type { CollectProblem } from "../../src/collect/problems.js";
import { readSources } from "../../src/collect/read-sources.js";
import { resolveTargets } from "../../src/collect/resolve-targets.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);

const sha1 = (bytes: string | Uint8Array) => createHash("sha1").update(bytes).digest("hex");
const SETTINGS = { algorithm: "sha1", accuracy: 6, baseUrl: "/static/", missing: "error", roots: [] as string[] } as const;

const SITE = {
  "css/app.css": '@import "base.css";\nbody { background: url(../img/a.png) }\n',
  "css/base.css": "p { background: url('/static/img/a.png#top') }\n",
  "css/plain.css": "p { color: red }\n",
  "js/app.js": "run();\n//# sourceMappingURL=app.js.map\n",
  "js/app.js.map": "{}",
  "js/other.js": "other();\n",
  "img/a.png": "png",
};

/** Finds and reads the site under a new root, resolving references, as collect does. */
async function readSite(files: Record<string, string>, mode: "query" | "filename") {
  const root = writeTree(tempFolder("stages"), files);
  const problems: CollectProblem[] = [];
  const sources = findSources([root], problems);
  const folders = folderNames(sources.keys());
  const target = new FolderTarget(join(tempFolder("stages-out"), "static"), "sha1");
  const settings = { ...SETTINGS, roots: [root], mode };
  const progress: string[] = [];
  const read = await readSources(sources, settings, new WorkLane(false), target, (file) => resolveTargets(file, sources, folders, settings), (done, total) =>
    progress.push(`${done}/${total}`),
  );
  target.discard();
  return { root, sources, problems, read, settings, progress };
}

describe("find", () => {
  test("a file named like the manifest is left out with a problem; folders are every parent of a file", () => {
    const root = writeTree(tempFolder("find"), { "staticfiles.json": "{}", "css/vendor/x.css": "", "a.css": "" });
    const problems: CollectProblem[] = [];
    const sources = findSources([root], problems);
    expect([...sources.keys()].sort()).toEqual(["a.css", "css/vendor/x.css"]);
    expect(problems.map((problem) => problem.code)).toEqual(["MANIFEST_SHADOWED"]);
    expect([...folderNames(sources.keys())].sort()).toEqual(["css", "css/vendor"]);
  });
});

describe("read and resolve", () => {
  test("every file gets the digest of its bytes; only files with references are rewritable, their targets resolved", async () => {
    const { read, progress } = await readSite(SITE, "filename");
    for (const [name, content] of Object.entries(SITE)) expect(read.hex.get(name), name).toBe(sha1(content));
    expect([...read.rewritable.keys()]).toEqual(["css/app.css", "css/base.css", "js/app.js"]);
    expect(read.rewritable.get("css/app.css")!.references.targets).toEqual(["css/base.css", "img/a.png"]);
    expect(read.rewritable.get("css/base.css")!.references.targets).toEqual(["img/a.png"]);
    expect(read.rewritable.get("js/app.js")!.references.targets).toEqual(["js/app.js.map"]);
    expect(read.problems).toEqual([]);
    // One step per stylesheet read on this thread, then the whole phase.
    expect(progress).toEqual(["1/7", "2/7", "3/7", "7/7"]);
  });

  test("problems come in name order: reading ones first, then each file's missing references", async () => {
    const { read } = await readSite({ "b.css": "a { background: url(gone.png) }", "a.css": "a { background: url(../../outside.png) }", "c.css": Buffer.from([0x61, 0xff]) as never }, "query");
    expect(read.problems.map(({ code, file }) => [code, file])).toEqual([
      ["NOT_UTF8", "c.css"],
      ["REFERENCE_OUTSIDE_ROOTS", "a.css"],
      ["REFERENCE_NOT_FOUND", "b.css"],
    ]);
  });
});

describe("hash in dependency order, and plan", () => {
  test("a stylesheet's hash covers its rewritten content, which names the hashes of what it refers to", async () => {
    const { sources, read, settings } = await readSite(SITE, "filename");
    const hashed = hashInDependencyOrder(read.rewritable, read.hex, settings);
    const png = sha1("png").slice(0, 6);
    const base = `p { background: url('/static/img/a.${png}.png#top') }\n`;
    expect(hashed.contents.get("css/base.css")!.bytes.toString()).toBe(base);
    const baseHash = sha1(base).slice(0, 6);
    const app = `@import "base.${baseHash}.css";\nbody { background: url(../img/a.${png}.png) }\n`;
    expect(hashed.contents.get("css/app.css")!.bytes.toString()).toBe(app);
    expect(hashed.hashes.get("css/app.css")).toBe(sha1(app).slice(0, 6));
    expect(hashed.hashes.get("css/plain.css")).toBe(sha1(SITE["css/plain.css"]).slice(0, 6));

    const plan = planOutputs(sources, read.hex, read.rewritable, hashed, settings);
    expect(plan.problems).toEqual([]);
    expect(plan.references).toBe(4);
    expect(plan.paths["css/app.css"]).toBe(`css/app.${sha1(app).slice(0, 6)}.css`);
    // Filename mode: the original name holds the bytes of the roots, the hashed name the rewritten ones.
    expect(plan.outputs.get("css/app.css")!.content).toEqual({ bytes: Buffer.from(SITE["css/app.css"]) });
    expect(plan.outputs.get(`css/app.${sha1(app).slice(0, 6)}.css`)!.hex).toBe(sha1(app));
    // A file copied as it is: its hashed name is another name of the same bytes.
    expect(plan.outputs.get(`img/a.${png}.png`)).toEqual({ name: `img/a.${png}.png`, content: { copyOf: sources.get("img/a.png")!.path }, size: 3, hex: sha1("png"), from: "img/a.png", aliasOf: "img/a.png" });
    expect(plan.outputs.size).toBe(14);

    // The plain outputs, planned before anything is hashed, are the same outputs.
    for (const [name, output] of plainOutputs(sources, read.hex, read.rewritable, settings)) expect(plan.outputs.get(name)).toEqual(output);
  });

  test("a file of the roots named like another's hashed name, with other bytes, is a clash", async () => {
    const taken = `a.${sha1("a").slice(0, 6)}.css`;
    const { sources, read, settings } = await readSite({ "a.css": "a", [taken]: "b" }, "filename");
    const plan = planOutputs(sources, read.hex, read.rewritable, hashInDependencyOrder(read.rewritable, read.hex, settings), settings);
    expect(plan.problems.map(({ code, message }) => [code, message.split(" ")[0]])).toEqual([["NAME_CLASH", taken]]);
  });
});
