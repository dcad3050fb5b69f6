// How much memory collect holds per CSS reference: one stylesheet of N references, measured at the
// start of the write phase (every reference parsed, resolved and rewritten), against the same
// stylesheet with the references spelled so that none is one (same size, same files).
//
//   node bench/reference-memory.js [references=1000000]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const COLLECT = new URL("../dist/collect/index.js", import.meta.url).href;
const count = Number(process.argv[2] ?? 1_000_000);

// In the child: collect the root, and at the first write-phase report take the heap after a full GC.
const CHILD = `
const { collect } = await import(${JSON.stringify(COLLECT)});
const [root, out] = process.argv.slice(1);
let peak = 0;
const measure = () => { globalThis.gc(); const m = process.memoryUsage(); peak = Math.max(peak, m.heapUsed + m.external + m.arrayBuffers); };
let measured = false;
const result = await collect({ roots: [root], out, onProgress: (p) => { if (p.phase === "write" && !measured) { measured = true; measure(); } } });
if (!result.ok) throw new Error(result.problems[0]?.message);
console.log(JSON.stringify({ peak, maxRss: process.resourceUsage().maxRSS * 1024, references: result.stats.references }));
`;

function run(spelled) {
  const base = mkdtempSync(join(tmpdir(), "static-hash-bench-refs-"));
  try {
    const root = join(base, "root");
    mkdirSync(join(root, "img"), { recursive: true });
    mkdirSync(join(root, "css"));
    for (let i = 0; i < 100; i++) writeFileSync(join(root, "img", `p${i}.png`), `picture ${i}`);
    const rules = [];
    for (let i = 0; i < count; i++) rules.push(`.r${i}{background:${spelled}(../img/p${i % 100}.png)}`);
    writeFileSync(join(root, "css", "app.css"), rules.join("\n"));
    const output = execFileSync(process.execPath, ["--expose-gc", "--max-old-space-size=8192", "--input-type=module", "-e", CHILD, root, join(base, "out")], { encoding: "utf8" });
    return JSON.parse(output.trim().split("\n").pop());
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

const withReferences = run("url");
const without = run("uri"); // same length, not a reference
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
console.log(
  `${count.toLocaleString("en")} references (${withReferences.references.toLocaleString("en")} rewritten): ` +
    `held at the write phase ${mib(withReferences.peak)} vs ${mib(without.peak)} without references, ` +
    `${((withReferences.peak - without.peak) / count).toFixed(0)} bytes per reference; ` +
    `peak RSS ${mib(withReferences.maxRss)} vs ${mib(without.maxRss)}, ${((withReferences.maxRss - without.maxRss) / count).toFixed(0)} bytes per reference`,
);
