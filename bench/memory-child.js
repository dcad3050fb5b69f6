// Child process of the memory benchmark: a clean heap, measured with --expose-gc. Prints one JSON line.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { StaticFiles } from "static-hash";

const [mode, root, countText, maxText] = process.argv.slice(2);

function heapAfterGc() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Peak resident set so far, in bytes (VmHWM on Linux, else resourceUsage's maxRSS). */
function peakRss() {
  try {
    const kib = Number(/^VmHWM:\s*(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))[1]);
    return kib * 1024;
  } catch {
    return process.resourceUsage().maxRSS * 1024;
  }
}

if (mode === "names") {
  // `count` distinct names, 100 to a folder, through a cache bounded at `max`.
  const count = Number(countText);
  const max = Number(maxText);
  const files = new StaticFiles({ roots: [root], cache: { max }, watch: false });
  const checkpoints = [];
  const at = new Set([0, max / 2, max, count / 4, count / 2, (count * 3) / 4, count]);
  for (let i = 0; i <= count; i++) {
    if (at.has(i)) checkpoints.push({ names: i, heapUsed: heapAfterGc(), cached: files.options.cache.size });
    if (i < count) files.url(`d${Math.floor(i / 100)}/f${i % 100}.txt`);
  }
  console.log(JSON.stringify({ checkpoints, peakRss: peakRss() }));
} else if (mode === "bigfile" || mode === "bigfile-warm") {
  const before = peakRss();
  const files = new StaticFiles({ roots: [root], watch: false });
  const start = process.hrtime.bigint();
  if (mode === "bigfile-warm") await files.warm(["big.bin"]);
  const url = files.url("big.bin");
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(JSON.stringify({ url, ms, before, peakRss: peakRss() }));
} else if (mode === "baseline") {
  // Node itself with the package loaded and nothing hashed: the floor under every figure above.
  new StaticFiles({ roots: [join(root)], watch: false });
  console.log(JSON.stringify({ peakRss: peakRss() }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
