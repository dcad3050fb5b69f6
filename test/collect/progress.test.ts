// The progress a bar shows: the read phase per file read, the write phase per file written (not a jump at the end).
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { collect, type CollectProgress } from "../../src/collect/index.js";
import { tempFolder, writeTree } from "./trees.js";

describe("collect progress", () => {
  test.each(["query", "filename"] as const)("%s mode: a rerun writing 60 changed files reports the write phase file by file", async (mode) => {
    const files: Record<string, string> = { "css/app.css": 'a { background: url("../img/p0.png") }\n' };
    for (let i = 0; i < 60; i++) files[`img/p${i}.png`] = `picture ${i}`;
    for (let i = 0; i < 20; i++) files[`txt/same-${i}.txt`] = `unchanged ${i}`;
    const root = writeTree(tempFolder("progress"), files);
    const out = join(tempFolder("progress-out"), "static");
    expect((await collect({ roots: [root], out, mode })).ok).toBe(true);
    for (let i = 0; i < 60; i++) files[`img/p${i}.png`] = `picture ${i}, edited`;
    writeTree(root, files);

    const seen: CollectProgress[] = [];
    const result = await collect({ roots: [root], out, mode, onProgress: (progress) => seen.push(progress) });
    expect(result.ok).toBe(true);
    const writes = seen.filter((progress) => progress.phase === "write");
    const outputs = mode === "query" ? 81 : 162;
    expect(writes.every((progress) => progress.total === outputs)).toBe(true);
    // Monotonic, one step per file written: the 60 images (twice over in filename mode: copy and hashed copy
    // are one job) and the stylesheet, after the unchanged ones counted at the start.
    const done = writes.map((progress) => progress.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(new Set(done).size).toBeGreaterThanOrEqual(60);
    expect(done.at(-1)).toBe(outputs);
    expect(seen.findIndex((progress) => progress.phase === "write")).toBeGreaterThan(seen.findLastIndex((progress) => progress.phase === "read"));
  });
});
