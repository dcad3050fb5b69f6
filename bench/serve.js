// Requests per second for a hashed CSS file through each server adapter, against that framework's own
// static plugin (express.static, @fastify/static, koa-static, Hono's serveStatic), in the same run.
// Each framework runs in its own process serving both; autocannon loads them in rotating order, round
// after round. The proof's cost: the same adapter asked without the hash (no proof, so the file is
// opened and read on every request, as the plugins do) beside the hashed URL (proof on: the digest
// checked against the file's stat, the proven bytes sent).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { ratioText, summarize } from "./measure.js";

const FRAMEWORKS = ["express", "fastify", "koa", "hono"];
const PLUGIN = { express: "express.static", fastify: "@fastify/static", koa: "koa-static", hono: "Hono serveStatic (@hono/node-server)" };

/** A stylesheet of about 30 KB, deterministic. */
function stylesheet() {
  const rules = [];
  for (let i = 0; rules.join("").length < 30_000; i++) rules.push(`.c${i} { color: #${((i * 2654435761) >>> 8).toString(16).padStart(6, "0").slice(0, 6)}; margin: ${i % 17}px; }\n`);
  return rules.join("");
}

async function startServer(framework, root) {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./serve-server.js", import.meta.url)), framework, root], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  while (!output.includes("\n")) {
    const [event] = await Promise.race([once(child.stdout, "data"), once(child, "exit").then(() => ["exit"])]);
    if (event === "exit") throw new Error(`the ${framework} bench server exited`);
  }
  return { port: Number(output.trim()), stop: () => child.kill() };
}

async function load(url, durationSeconds) {
  const result = await autocannon({ url, connections: 32, pipelining: 1, duration: durationSeconds });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

export async function benchServe({ quick = false, log = () => {} } = {}) {
  const rounds = quick ? 1 : 3;
  const seconds = quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), "static-hash-bench-serve-"));
  mkdirSync(join(dir, "css"));
  const css = stylesheet();
  writeFileSync(join(dir, "css/app.css"), css);
  const hash = createHash("sha1").update(css).digest("hex").slice(0, 6);
  const results = { bytes: Buffer.byteLength(css), rounds, seconds, frameworks: {} };
  try {
    for (const framework of FRAMEWORKS) {
      const server = await startServer(framework, dir);
      const origin = `http://127.0.0.1:${server.port}`;
      const cases = { proven: `${origin}/static/css/app.css?${hash}`, unproven: `${origin}/static/css/app.css`, plugin: `${origin}/plain/css/app.css?${hash}` };
      const perRound = { proven: [], unproven: [], plugin: [] };
      try {
        // Warm-up: every route once, untimed.
        for (const url of Object.values(cases)) await load(url, 1);
        for (let round = 0; round < rounds; round++) {
          const order = Object.keys(cases);
          for (let i = 0; i < order.length; i++) {
            const name = order[(i + round) % order.length];
            perRound[name].push(await load(cases[name], seconds));
          }
        }
      } finally {
        server.stop();
      }
      const ratio = (a, b) => summarize(perRound[a].map((value, i) => value / perRound[b][i]));
      results.frameworks[framework] = {
        proven: summarize(perRound.proven),
        unproven: summarize(perRound.unproven),
        plugin: summarize(perRound.plugin),
        vsPlugin: ratio("proven", "plugin"),
        proofCost: ratio("proven", "unproven"),
      };
      log(`  ${framework}: ${perRound.proven.map(Math.round).join(", ")} req/s with the proof vs ${perRound.plugin.map(Math.round).join(", ")} for ${PLUGIN[framework]}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** The markdown section and goals for bench/README.md. */
export function serveSection(serve, goals) {
  const rps = (summary) => `${Math.round(summary.median).toLocaleString("en")} (${Math.round(summary.min).toLocaleString("en")}–${Math.round(summary.max).toLocaleString("en")})`;
  const lines = [
    "## 6. Serving a hashed CSS file",
    "",
    `A ${(serve.bytes / 1024).toFixed(0)} KB stylesheet requested by its hashed URL, 32 connections, autocannon, ${serve.rounds} rounds of ${serve.seconds} s per case in rotating order; each framework in its own process serving static-hash's adapter and its own static plugin side by side. Requests per second, median (min–max); ratios round by round.`,
    "",
    "| Server | static-hash, proof on | static-hash, no hash (no proof) | the framework's own plugin | adapter / plugin | proof on / no proof |",
    "| --- | --- | --- | --- | --- | --- |",
    ...FRAMEWORKS.filter((name) => serve.frameworks[name]).map((name) => {
      const result = serve.frameworks[name];
      return `| ${name} (vs ${PLUGIN[name]}) | ${rps(result.proven)} | ${rps(result.unproven)} | ${rps(result.plugin)} | ${ratioText(result.vsPlugin)} | ${ratioText(result.proofCost)} |`;
    }),
    "",
    "With the proof on, a file up to 1 MiB is sent from the bytes that were hashed (kept in memory, 32 MiB in all) after one `stat` checks that the file is still that version; without a hash, the adapter opens and reads the file on every request, as the plugins do. The plugins send no `immutable` and prove nothing.",
    "",
  ];
  for (const name of FRAMEWORKS.filter((framework) => serve.frameworks[framework])) {
    const ratio = serve.frameworks[name].vsPlugin;
    goals.push({ figure: `Requests/s of a hashed CSS file: static-hash/${name} (proof on) / ${PLUGIN[name]}`, short: `${name} serving`, ratio: ratioText(ratio), goal: "≥ 0.9x", ok: ratio.median >= 0.9 });
  }
  return lines.join("\n");
}

