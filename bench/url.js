// Benchmark 2: a warm files.url(name) against a Map.get of the URL precomputed, the least any lookup can cost.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StaticFiles } from "static-hash";
import { compareSync, pairedRatio, summarize } from "./measure.js";
import { writeSiteTree } from "./trees.js";

export function benchUrl({ quick }) {
  const root = mkdtempSync(join(tmpdir(), "static-hash-bench-url-"));
  try {
    const names = writeSiteTree(root, 128);
    const files = new StaticFiles({ roots: [root], watch: false });
    const watched = new StaticFiles({ roots: [root], watch: true });
    const precomputed = new Map(names.map((name) => [name, files.url(name)]));
    for (const name of names) watched.url(name);
    const mask = names.length - 1; // names.length is a power of two
    let sink = 0;
    const { perRound, iterations } = compareSync(
      {
        "Map.get(name)": (n) => {
          for (let i = 0; i < n; i++) sink += precomputed.get(names[i & mask]).length;
        },
        "files.url(name), watch off": (n) => {
          for (let i = 0; i < n; i++) sink += files.url(names[i & mask]).length;
        },
        "files.url(name), watch on (a stat per call)": (n) => {
          for (let i = 0; i < n; i++) sink += watched.url(names[i & mask]).length;
        },
      },
      { rounds: quick ? 5 : 21, roundMs: quick ? 20 : 50 },
    );
    if (sink === 0) throw new Error("nothing was looked up");
    return {
      names: names.length,
      iterations,
      rows: Object.fromEntries(Object.entries(perRound).map(([name, values]) => [name, summarize(values)])),
      ratio: pairedRatio(perRound["files.url(name), watch off"], perRound["Map.get(name)"]),
      watchRatio: pairedRatio(perRound["files.url(name), watch on (a stat per call)"], perRound["Map.get(name)"]),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
