// `npm run bench`: runs every benchmark against its baseline in the same run and writes bench/README.md.
//
//   npm run bench                      all six, full size (about 5–10 minutes on 2 cores), writes bench/README.md
//   npm run bench -- --quick           small sizes and few rounds, for development: writes bench/results-quick.md
//   npm run bench -- --only=url,render some of them: writes bench/results-partial.md
//   node bench/run.js --from-results   re-renders bench/README.md from bench/results.json (after a change to report.js)
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { benchCollect } from "./collect.js";
import { benchCompress } from "./compress.js";
import { benchHashing } from "./hashing.js";
import { cpuTicks, machine, othersShare, waitForQuiet } from "./measure.js";
import { benchMemory } from "./memory.js";
import { benchPublish } from "./publish.js";
import { benchRender } from "./render.js";
import { report } from "./report.js";
import { benchServe } from "./serve.js";
import { benchUrl } from "./url.js";

const ALL = ["render", "url", "hashing", "collect", "memory", "serve", "compress", "publish"];
const args = process.argv.slice(2);
const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const history = () => (existsSync(here("./history.md")) ? readFileSync(here("./history.md"), "utf8") : "");

if (args.includes("--from-results")) {
  const { run, results } = JSON.parse(readFileSync(here("./results.json"), "utf8"));
  writeFileSync(here("./README.md"), report({ run, results, history: history() }));
  process.stderr.write("wrote bench/README.md from bench/results.json\n");
  process.exit(0);
}

const quick = args.includes("--quick") || process.env.STATIC_HASH_BENCH_QUICK === "1";
const onlyArg = args.find((arg) => arg.startsWith("--only="));
const only = onlyArg ? onlyArg.slice("--only=".length).split(",") : ALL;
for (const name of only) if (!ALL.includes(name)) throw new Error(`Unknown benchmark ${name}: choose from ${ALL.join(", ")}`);

const log = (line) => process.stderr.write(line + "\n");
// Where the collect trees go: the disk-backed temp folder, and tmpfs when there is one.
const collectFolders = [{ label: "disk", parent: process.env.STATIC_HASH_BENCH_DIR || tmpdir() }];
if (existsSync("/dev/shm")) collectFolders.push({ label: "tmpfs", parent: "/dev/shm" });

const started = new Date();
const before = machine();
const results = {};
const timings = {};
const contention = {};
for (const name of only) {
  // Start each benchmark in a quiet second if one comes within two minutes (the machine may be shared).
  const busyAtStart = quick ? undefined : await waitForQuiet({ maxSeconds: 120 });
  log(`${name}…${busyAtStart === undefined ? "" : ` (machine ${(busyAtStart * 100).toFixed(0)}% busy at the start)`}`);
  const ticks = cpuTicks();
  const start = Date.now();
  if (name === "render") results.render = benchRender({ quick });
  if (name === "url") results.url = benchUrl({ quick });
  if (name === "hashing") results.hashing = await benchHashing({ quick, log });
  if (name === "collect") results.collect = await benchCollect({ quick, log, folders: collectFolders });
  if (name === "memory") results.memory = benchMemory({ quick, log });
  if (name === "serve") results.serve = await benchServe({ quick, log });
  if (name === "compress") results.compress = await benchCompress({ quick, log });
  if (name === "publish") results.publish = await benchPublish({ quick, log });
  timings[name] = Date.now() - start;
  contention[name] = { busyAtStart, others: othersShare(ticks, cpuTicks()) };
  log(`${name}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
}

let commit = "";
try {
  commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  if (execFileSync("git", ["status", "--porcelain", "--", "src"], { encoding: "utf8" }).trim()) commit += " (with uncommitted changes in src/)";
} catch {
  commit = "unknown";
}
const command = `npm run bench${args.length ? " -- " + args.join(" ") : ""}`;
const run = { command, quick, started: started.toISOString(), finished: new Date().toISOString(), commit, machine: before, loadAfter: machine().load, timings, contention };
const markdown = report({ run, results, history: history() });

const complete = !quick && only.length === ALL.length;
const target = complete ? "README.md" : quick ? "results-quick.md" : "results-partial.md";
writeFileSync(here(`./${target}`), markdown);
if (complete) writeFileSync(here("./results.json"), JSON.stringify({ run, results }, null, 2) + "\n");
log(`wrote bench/${target}`);
