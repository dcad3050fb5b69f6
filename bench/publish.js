// Benchmark 6: `collect` + `publish` to a real s3rver against Django's collectstatic with django-storages'
// S3ManifestStaticStorage and against a bare SDK PutObject loop of the same objects, cold and rerun,
// with every request counted by a proxy in front of the same server.
//
// Also the bare loop's own entry point: node bench/publish.js --sdk-loop <folder> <endpoint> <bucket> <prefix> <concurrency>
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { findDjango } from "./collect.js";
import { summarize } from "./measure.js";
import { writeCollectTree } from "./trees.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const S3RVER_CHILD = fileURLToPath(new URL("../test/publish/s3rver-child.mjs", import.meta.url));
const DJANGO_SCRIPT = fileURLToPath(new URL("./django-s3-collectstatic.py", import.meta.url));
const BUCKET = "bench";
const CONCURRENCY = 16;
const CREDENTIALS = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" };

/** Every file under `folder`, `/`-separated, sorted. */
function filesUnder(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}

/** The bare baseline: PutObject of every file of `folder`, `concurrency` at a time, nothing else. */
async function sdkLoop([folder, endpoint, bucket, prefix, concurrency]) {
  const { S3Client, PutObjectCommand } = await import("@aws-sdk/client-s3");
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: Number(concurrency) } },
  });
  const names = filesUnder(folder);
  let next = 0;
  const lane = async () => {
    while (next < names.length) {
      const name = names[next++];
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + name, Body: await readFile(join(folder, name)) }));
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, lane));
  client.destroy();
}

if (process.argv[2] === "--sdk-loop") {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  await sdkLoop(process.argv.slice(3));
  process.exit(0);
}

/** s3rver 3.7.1 in its own process (the test suites' launcher), with the benchmark's bucket. */
async function startS3rver(directory) {
  const child = spawn(process.execPath, ["--openssl-legacy-provider", S3RVER_CHILD, directory, BUCKET], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
    createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line).port));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", resolve), child.stdin.end()))),
  };
}

/** A pass-through proxy that counts requests by kind: list, put, head, get, delete, post. */
async function startCountingProxy(target) {
  const upstream = new URL(target);
  const counts = {};
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://proxy");
    const kind = req.method === "GET" && url.searchParams.has("list-type") ? "list" : req.method.toLowerCase();
    counts[kind] = (counts[kind] ?? 0) + 1;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  server.keepAliveTimeout = 5000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    take() {
      const taken = { ...counts };
      for (const key of Object.keys(counts)) delete counts[key];
      return taken;
    },
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

/** Runs a command, timed; resolves { ms, stderr }; a failure stops the benchmark with the command's stderr. */
function timed(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...CREDENTIALS, ...env } });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => {
      const ms = performance.now() - start;
      if (code === 0) resolve({ ms, stderr });
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

/** `static-hash publish` with its peak RSS reported by the process itself at exit. */
async function timedPublish(folder, prefix, endpoint) {
  const wrapper = `process.on("exit", () => process.stderr.write("\\nmaxRSS=" + process.resourceUsage().maxRSS + "\\n")); await import(${JSON.stringify(pathToFileURL(CLI).href)});`;
  const run = await timed(process.execPath, ["--input-type=module", "-e", wrapper, "argv0", "publish", folder, `s3://${BUCKET}/${prefix}`, "--endpoint", endpoint, "--concurrency", String(CONCURRENCY), "--quiet"]);
  const maxRss = Number(/maxRSS=(\d+)/.exec(run.stderr)?.[1] ?? NaN) * 1024;
  return { ms: run.ms, maxRss };
}

export async function benchPublish({ quick, log }) {
  const django = findDjango();
  const storages = django && spawnSync(django.python, ["-c", "import storages.backends.s3boto3, boto3"]).status === 0;
  const shape = quick ? { files: 300, css: 30, bytes: 3.6 * 2 ** 20 } : { files: 3_000, css: 300, bytes: 36 * 2 ** 20 };
  const rounds = quick ? 1 : 4;
  const work = mkdtempSync(join(process.env.STATIC_HASH_BENCH_DIR || tmpdir(), "static-hash-bench-publish-"));
  const s3 = await startS3rver(join(work, "s3rver"));
  const proxy = await startCountingProxy(s3.endpoint);
  try {
    const source = join(work, "src");
    log(`  writing ${shape.files} files (${shape.css} CSS) into ${source}`);
    const tree = writeCollectTree(source, shape);
    const collectArgs = (out) => [CLI, "collect", "--root", source, "--out", out, "--mode", "filename", "--algorithm", "md5", "--accuracy", "12", "--quiet"];
    const rows = { collect: [], publish: [], ours: [], sdk: [], oursRerun: [], publishRerun: [] };
    const requests = {};
    let objects = 0;
    let peakRss = 0;

    for (let round = 0; round < rounds; round++) {
      const out = join(work, `out-${round}`);
      rmSync(out, { recursive: true, force: true });
      // Cold: an empty output folder and an empty prefix.
      const collect = await timed(process.execPath, collectArgs(out));
      objects = filesUnder(out).length;
      rows.collect.push(collect.ms);
      // The publish and the bare SDK loop of the same objects, each into an empty prefix, in alternating order.
      const runPublish = async () => {
        proxy.take();
        const publish = await timedPublish(out, `ours-${round}/`, proxy.endpoint);
        requests.oursCold = proxy.take();
        peakRss = Math.max(peakRss, publish.maxRss);
        rows.publish.push(publish.ms);
        rows.ours.push(collect.ms + publish.ms);
        log(`  round ${round + 1}: collect ${(collect.ms / 1000).toFixed(1)} s + publish ${(publish.ms / 1000).toFixed(1)} s (${objects} objects)`);
      };
      const runSdk = async () => {
        proxy.take();
        const sdk = await timed(process.execPath, [SELF, "--sdk-loop", out, proxy.endpoint, BUCKET, `sdk-${round}/`, String(CONCURRENCY)]);
        requests.sdk = proxy.take();
        rows.sdk.push(sdk.ms);
        log(`  round ${round + 1}: bare SDK PutObject loop ${(sdk.ms / 1000).toFixed(1)} s`);
      };
      for (const step of round % 2 === 0 ? [runPublish, runSdk] : [runSdk, runPublish]) await step();
      // Rerun with nothing changed: collect again into the same folder, publish again to the same prefix.
      const collectAgain = await timed(process.execPath, collectArgs(out));
      const publishAgain = await timedPublish(out, `ours-${round}/`, proxy.endpoint);
      requests.oursRerun = proxy.take();
      rows.oursRerun.push(collectAgain.ms + publishAgain.ms);
      rows.publishRerun.push(publishAgain.ms);
      log(`  round ${round + 1}: rerun collect + publish ${((collectAgain.ms + publishAgain.ms) / 1000).toFixed(1)} s`);
    }

    let djangoRows;
    if (storages) {
      log(`  Django ${django.version} collectstatic to S3 (S3ManifestStaticStorage), cold then rerun: a few minutes`);
      proxy.take();
      const cold = await timed(django.python, [DJANGO_SCRIPT, source, proxy.endpoint, BUCKET, "django"]);
      requests.djangoCold = proxy.take();
      log(`  Django cold ${(cold.ms / 1000).toFixed(1)} s`);
      const rerun = await timed(django.python, [DJANGO_SCRIPT, source, proxy.endpoint, BUCKET, "django"]);
      requests.djangoRerun = proxy.take();
      log(`  Django rerun ${(rerun.ms / 1000).toFixed(1)} s`);
      djangoRows = { version: django.version, cold: cold.ms, rerun: rerun.ms };
    }

    const median = (values) => summarize(values).median;
    const total = (counts) => Object.values(counts ?? {}).reduce((sum, n) => sum + n, 0);
    return {
      tree: { files: shape.files, css: shape.css, bytes: tree.bytes ?? shape.bytes },
      objects,
      rounds,
      concurrency: CONCURRENCY,
      rows: Object.fromEntries(Object.entries(rows).map(([name, values]) => [name, summarize(values)])),
      django: djangoRows,
      skippedDjango: storages ? undefined : "Django's S3 side not measured: `storages.backends.s3boto3` cannot be imported (Debian's python3-django-storages ships without its S3 backend; `pip install django-storages boto3` provides it).",
      requests: Object.fromEntries(Object.entries(requests).map(([name, counts]) => [name, { counts, total: total(counts), perFile: total(counts) / shape.files }])),
      ratios: {
        // Paired round by round: the publish step and the bare loop ran back to back on the same objects.
        publishVsSdk: summarize(rows.publish.map((ms, i) => ms / rows.sdk[i])),
        coldSpeedup: djangoRows ? djangoRows.cold / median(rows.ours) : undefined,
        rerunSpeedup: djangoRows ? djangoRows.rerun / median(rows.oursRerun) : undefined,
      },
      peakRss,
    };
  } finally {
    await proxy.close();
    await s3.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The report's section for bench/README.md, and its goals. */
export function publishSection(result, goals) {
  const title = "## 6. `publish` to S3-compatible storage against django-storages and a bare SDK loop";
  const { rows, requests, ratios, django } = result;
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const spread = (summary) => `${s(summary.median)} (${s(summary.min)}–${s(summary.max)})`;
  const perFile = (name) => (requests[name] ? `${requests[name].perFile.toFixed(2)} (${Object.entries(requests[name].counts).map(([kind, n]) => `${n} ${kind}`).join(", ")})` : "–");
  const x = (value, digits = 1) => (value === undefined ? "not measured" : `${value.toFixed(digits)}x`);
  const oursRerunPuts = requests.oursRerun?.counts.put ?? 0;
  const rerunLists = requests.oursRerun?.counts.list ?? 0;
  goals.push(
    { figure: `\`collect\` + \`publish\` vs Django \`collectstatic\` to S3 (S3ManifestStaticStorage), ${result.tree.files} files, cold`, short: "publish cold", ratio: x(ratios.coldSpeedup), goal: "≥ 5x", ok: (ratios.coldSpeedup ?? 0) >= 5 },
    { figure: `\`publish\` vs a bare SDK PutObject loop of the same ${result.objects} objects, concurrency ${result.concurrency}`, short: "publish vs SDK loop", ratio: `${ratios.publishVsSdk.median.toFixed(2)}x (${ratios.publishVsSdk.min.toFixed(2)}–${ratios.publishVsSdk.max.toFixed(2)})`, goal: "≤ 1.3x", ok: ratios.publishVsSdk.median <= 1.3 },
    { figure: "Rerun with nothing changed: Django's rerun vs `collect` + `publish` again (zero PUTs, one listing pass)", short: "publish rerun", ratio: `${x(ratios.rerunSpeedup)} (${oursRerunPuts} PUTs, ${rerunLists} listing pages)`, goal: "≥ 20x, 0 PUTs", ok: (ratios.rerunSpeedup ?? 0) >= 20 && oursRerunPuts === 0 },
    { figure: `Peak RSS of \`static-hash publish\` (${result.objects} objects, whole process)`, short: "publish memory", ratio: `${(result.peakRss / 2 ** 20).toFixed(1)} MiB`, goal: "< 150 MiB", ok: result.peakRss < 150 * 2 ** 20 },
  );
  const lines = [
    title,
    "",
    `The benchmark's generated site (${result.tree.files} files, ${result.tree.css} stylesheets full of references), against one s3rver 3.7.1`,
    "on 127.0.0.1 (in its own process), behind a pass-through proxy that counts every request. Every side runs as a",
    "subprocess timed end to end, into its own empty prefix of the same bucket:",
    "",
    "- **static-hash**: `static-hash collect --mode filename --algorithm md5 --accuracy 12` into an empty folder, then",
    `  \`static-hash publish <folder> s3://bench/<prefix>/ --endpoint … --concurrency ${result.concurrency}\`.`,
    `- **bare SDK loop**: one \`PutObjectCommand\` per file of the same collected folder (${result.objects} objects, the same`,
    `  bytes), ${result.concurrency} at a time, same client settings, no listing, no MD5, no headers: the server's own limit.`,
    `- **Django**: \`collectstatic\` with \`STATICFILES_STORAGE = "storages.backends.s3boto3.S3ManifestStaticStorage"\``,
    "  (`bench/django-s3-collectstatic.py`), `AWS_S3_ENDPOINT_URL` at the proxy, path-style, the same credentials.",
    "- **Rerun**: the same commands again with nothing changed (static-hash: collect into the same folder, publish to",
    "  the same prefix; Django: collectstatic to the same location).",
    "",
    `Rounds: ${result.rounds} for static-hash and the SDK loop (publish first in odd rounds, the loop first in even ones); Django once (it takes minutes).`,
    "",
    "| Case | time: median (min–max) |",
    "| --- | --- |",
    `| static-hash: collect (cold) | ${spread(rows.collect)} |`,
    `| static-hash: publish (cold) | ${spread(rows.publish)} |`,
    `| static-hash: collect + publish (cold) | ${spread(rows.ours)} |`,
    `| bare SDK PutObject loop (same objects) | ${spread(rows.sdk)} |`,
    `| static-hash: collect + publish, rerun | ${spread(rows.oursRerun)} |`,
    `| static-hash: publish alone, rerun | ${spread(rows.publishRerun)} |`,
    django ? `| Django ${django.version} collectstatic + S3ManifestStaticStorage (cold) | ${s(django.cold)} |` : `| Django | ${result.skippedDjango} |`,
    django ? `| Django collectstatic, rerun | ${s(django.rerun)} |` : "",
    "",
    "Requests per source file (all requests the server saw during the run, by kind):",
    "",
    "| Run | requests per file |",
    "| --- | --- |",
    `| static-hash publish, cold | ${perFile("oursCold")} |`,
    `| static-hash publish, rerun | ${perFile("oursRerun")} |`,
    `| bare SDK loop | ${perFile("sdk")} |`,
    `| Django collectstatic, cold | ${perFile("djangoCold")} |`,
    `| Django collectstatic, rerun | ${perFile("djangoRerun")} |`,
    "",
    `Peak RSS of the \`static-hash publish\` process: ${(result.peakRss / 2 ** 20).toFixed(1)} MiB (files are streamed; the list of names and one listing are all it keeps).`,
    "",
  ];
  return lines.join("\n");
}
