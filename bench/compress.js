// Benchmark 6: compression. (1) Serving bootstrap.min.css with `Accept-Encoding: br, gzip`: serveStatic
// (variants made once, kept in memory) against express.static + the `compression` middleware (which
// compresses on every request). (2) `collect --compress` against WhiteNoise's collectstatic with
// CompressedManifestStaticFilesStorage on bootstrap's dist folder and fontawesome-free's assets.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bytesText, formatMs } from "./measure.js";

const require = createRequire(import.meta.url);
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const DJANGO_SCRIPT = fileURLToPath(new URL("./django-collectstatic.py", import.meta.url));
const WHITENOISE_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage";
const packageFolder = (name) => dirname(require.resolve(`${name}/package.json`));

export async function benchCompress({ quick, log }) {
  return { serving: await benchServing({ quick, log }), collect: benchCollectCompress({ quick, log }) };
}

async function benchServing({ quick, log }) {
  const [{ default: express }, { default: compression }, { default: autocannon }, { StaticFiles }, { serveStatic }] = await Promise.all([
    import("express"),
    import("compression"),
    import("autocannon"),
    import("../dist/index.js"),
    import("../dist/express.js"),
  ]);
  const root = join(packageFolder("bootstrap"), "dist");
  const files = new StaticFiles({ roots: [root], watch: true });
  const ours = express().use("/static", serveStatic(files));
  const theirs = express().use(compression()).use("/static", express.static(root));
  const path = files.url("css/bootstrap.min.css");
  const headers = { "accept-encoding": "br, gzip" };
  const duration = quick ? 2 : 8;
  const results = {};
  for (const [name, app] of [["static-hash serveStatic", ours], ["express.static + compression", theirs]]) {
    const server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    const url = `http://127.0.0.1:${server.address().port}`;
    const target = name.startsWith("static-hash") ? path : "/static/css/bootstrap.min.css";
    // Until the response is brotli: the variant is made off the request path after the first request.
    for (let i = 0; i < 200; i++) {
      const res = await fetch(url + target, { headers });
      await res.arrayBuffer();
      if (res.headers.get("content-encoding") === "br") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const probe = await new Promise((resolve, reject) => {
      import("node:http").then(({ get }) =>
        get(url + target, { headers }, (res) => {
          let size = 0;
          res.on("data", (chunk) => (size += chunk.length));
          res.on("end", () => resolve({ encoding: res.headers["content-encoding"], size }));
        }).on("error", reject),
      );
    });
    log(`  ${name}: ${duration} s of requests (${probe.encoding}, ${probe.size} bytes each)`);
    const run = await autocannon({ url: url + target, headers, connections: 10, duration });
    results[name] = { requestsPerSecond: run.requests.average, bytesPerResponse: probe.size, encoding: probe.encoding, errors: run.errors + run.non2xx };
    await new Promise((resolve) => server.close(resolve));
  }
  return results;
}

/** bootstrap/dist and fontawesome-free's css, js, webfonts, sprites and svgs, copied into one root. */
function writeAssetTree(source) {
  cpSync(join(packageFolder("bootstrap"), "dist"), join(source, "bootstrap"), { recursive: true });
  const fontawesome = packageFolder("@fortawesome/fontawesome-free");
  for (const folder of ["css", "js", "webfonts", "sprites", "svgs"]) cpSync(join(fontawesome, folder), join(source, "fontawesome", folder), { recursive: true });
}

function sizesOf(folder) {
  let br = 0;
  let gz = 0;
  let files = 0;
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const size = statSync(join(entry.parentPath, entry.name)).size;
    if (entry.name.endsWith(".br")) br += size;
    else if (entry.name.endsWith(".gz")) gz += size;
    else files++;
  }
  return { br, gz, files };
}

function benchCollectCompress({ quick, log }) {
  const python = ["/usr/bin/python3", "python3"].find((candidate) => spawnSync(candidate, ["-c", "import django, whitenoise, brotli"]).status === 0);
  const work = mkdtempSync(join(tmpdir(), "static-hash-bench-compress-"));
  try {
    const source = join(work, "src");
    mkdirSync(source);
    writeAssetTree(source);
    const run = (command, args) => {
      const started = performance.now();
      const result = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
      if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
      return performance.now() - started;
    };
    const ours = join(work, "ours");
    log(`  static-hash collect --compress on ${source}`);
    const oursMs = run(process.execPath, [CLI, "collect", "--root", source, "--out", ours, "--mode", "filename", "--compress", "--quiet"]);
    const rerunMs = run(process.execPath, [CLI, "collect", "--root", source, "--out", ours, "--mode", "filename", "--compress", "--quiet"]);
    const result = { tree: sizesOf(source), ours: { ms: oursMs, rerunMs, ...sizesOf(ours) } };
    if (!python || quick) return { ...result, skipped: quick ? "quick run: WhiteNoise not run" : "python3 with Django, WhiteNoise and brotli is not installed (apt-get install python3-django python3-whitenoise python3-brotli)." };
    log("  WhiteNoise collectstatic (CompressedManifestStaticFilesStorage)");
    const theirs = join(work, "whitenoise");
    const theirsMs = run(python, [DJANGO_SCRIPT, source, theirs, WHITENOISE_STORAGE]);
    return { ...result, whitenoise: { ms: theirsMs, ...sizesOf(theirs) } };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function compressSection(compress, goals) {
  const { serving, collect } = compress;
  const ours = serving["static-hash serveStatic"];
  const theirs = serving["express.static + compression"];
  const servingRatio = ours.requestsPerSecond / theirs.requestsPerSecond;
  const lines = [
    "## 6. Compression",
    "",
    "### Serving bootstrap.min.css with `Accept-Encoding: br, gzip`",
    "",
    "autocannon, 10 connections, one server at a time in the same process. serveStatic serves the roots",
    "(no collect): it compresses the file once, off the request path, and keeps the variant in memory;",
    "the `compression` middleware compresses on every request (brotli quality 4 in compression 1.8).",
    "",
    "| Server | requests/s | encoding | bytes per response |",
    "| --- | --- | --- | --- |",
    ...Object.entries(serving).map(([name, r]) => `| ${name} | ${r.requestsPerSecond.toFixed(0)} | ${r.encoding} | ${r.bytesPerResponse} |`),
    "",
  ];
  goals.push({
    figure: "Requests/s serving bootstrap.min.css (br, gzip): serveStatic / express.static + compression",
    short: "compressed serving",
    ratio: `${servingRatio.toFixed(2)}x (${ours.bytesPerResponse} vs ${theirs.bytesPerResponse} bytes per response)`,
    goal: "≥ 3x, fewer bytes",
    ok: servingRatio >= 3 && ours.bytesPerResponse <= theirs.bytesPerResponse,
  });
  lines.push(
    "### `collect --compress` against WhiteNoise's collectstatic",
    "",
    `bootstrap 5.3.8 \`dist/\` and fontawesome-free's \`css js webfonts sprites svgs\`: ${collect.tree.files} files. Filename mode; each run from an empty output folder, once.`,
    "",
    "| Run | time | .br bytes | .gz bytes |",
    "| --- | --- | --- | --- |",
    `| static-hash collect --compress | ${formatMs(collect.ours.ms)} | ${bytesText(collect.ours.br)} | ${bytesText(collect.ours.gz)} |`,
    `| the same again (nothing to do) | ${formatMs(collect.ours.rerunMs)} | | |`,
  );
  if (collect.whitenoise) {
    const { whitenoise } = collect;
    lines.push(`| WhiteNoise collectstatic | ${formatMs(whitenoise.ms)} | ${bytesText(whitenoise.br)} | ${bytesText(whitenoise.gz)} |`, "");
    const speed = whitenoise.ms / collect.ours.ms;
    const brDiff = (collect.ours.br - whitenoise.br) / whitenoise.br;
    goals.push({
      figure: "`collect --compress` vs WhiteNoise collectstatic (time ratio; .br bytes)",
      short: "collect --compress",
      ratio: `${speed.toFixed(2)}x faster; .br ${(brDiff * 100).toFixed(2)}%`,
      goal: "≥ 4x, .br within 3%",
      ok: speed >= 4 && Math.abs(brDiff) <= 0.03,
    });
  } else lines.push("", `WhiteNoise not measured: ${collect.skipped}`);
  lines.push("");
  return lines.join("\n");
}
