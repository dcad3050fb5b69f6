// Benchmark 5: memory stays bounded: 100,000 names through a 10,000-entry cache, and a 1 GiB file hashed in chunks.
import { execFileSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./memory-child.js", import.meta.url));
const GiB = 2 ** 30;

function child(args) {
  const out = execFileSync(process.execPath, ["--expose-gc", CHILD, ...args], { encoding: "utf8", maxBuffer: 2 ** 24 });
  return JSON.parse(out.trim().split("\n").pop());
}

export function benchMemory({ quick, log }) {
  const count = quick ? 20_000 : 100_000;
  const max = quick ? 2_000 : 10_000;
  const root = mkdtempSync(join(tmpdir(), "static-hash-bench-memory-"));
  try {
    log(`  writing ${count} small files`);
    for (let d = 0; d < count / 100; d++) {
      mkdirSync(join(root, `d${d}`));
      for (let f = 0; f < 100; f++) writeFileSync(join(root, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`);
    }
    log(`  ${count} names through a cache of max ${max}`);
    const bounded = child(["names", root, String(count), String(max)]);
    log(`  the same names with a cache large enough to keep them all, for contrast`);
    const unbounded = child(["names", root, String(count), String(count * 2)]);
    rmSync(root, { recursive: true, force: true });

    mkdirSync(root, { recursive: true });
    const big = join(root, "big.bin");
    // Sparse: 1 GiB to read and hash, next to nothing on disk.
    const fd = openSync(big, "w");
    writeSync(fd, "static-hash memory benchmark\n");
    ftruncateSync(fd, GiB);
    closeSync(fd);
    log("  hashing a 1 GiB file (url(), then warm())");
    const baseline = child(["baseline", root]);
    const sync = child(["bigfile", root]);
    const warm = child(["bigfile-warm", root]);
    return { count, max, bounded, unbounded, baseline, sync, warm, bigBytes: GiB };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
