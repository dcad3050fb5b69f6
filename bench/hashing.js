// Benchmark 3: cold hashing of a generated tree by StaticFiles, against sha1sum and against the
// machine's limit (Node's SHA-1 on one in-memory buffer, times the cores).
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { StaticFiles } from "static-hash";
import { compareAsync, pairedRatio, summarize } from "./measure.js";
import { parallelSha1 } from "./parallel-sha1.js";
import { writeHashTree } from "./trees.js";

const MiB = 2 ** 20;

export async function benchHashing({ quick, log }) {
  const count = quick ? 200 : 2000;
  const rounds = quick ? 3 : 7;
  const cores = availableParallelism();
  const root = mkdtempSync(join(tmpdir(), "static-hash-bench-hash-"));
  try {
    log(`  writing ${count} files of 1 KiB–1 MiB into ${root}`);
    const { names, bytes } = writeHashTree(root, { count, minSize: 1024, maxSize: MiB });
    const paths = names.map((name) => join(root, name));
    // Warm page cache for everyone: each file read once before any timing.
    for (const path of paths) readFileSync(path);

    const expected = sha1sum(paths, cores);
    const limitBuffer = Buffer.alloc(64 * MiB, 0x5a);
    const oneCoreSeconds = [];
    let warmed;

    const cases = {
      "StaticFiles.warm() (worker threads)": async () => {
        warmed = new StaticFiles({ roots: [root], watch: false });
        await warmed.warm();
      },
      "StaticFiles.url() one by one (sync, main thread)": async () => {
        const files = new StaticFiles({ roots: [root], watch: false });
        for (const name of names) files.url(name);
      },
      [`sha1sum, ${cores} processes (xargs -P${cores})`]: async () => {
        sha1sum(paths, cores);
      },
      "sha1sum, 1 process": async () => {
        sha1sum(paths, 1);
      },
      "Reading the files from the page cache, no hashing (1 thread, 256 KiB reads)": async () => {
        readOnly(paths);
      },
      "Node SHA-1 of a 64 MiB buffer in memory (1 core)": async () => {
        const start = process.hrtime.bigint();
        createHash("sha1").update(limitBuffer).digest();
        oneCoreSeconds.push(Number(process.hrtime.bigint() - start) / 1e9);
      },
    };
    const perRound = await compareAsync(cases, { rounds, warmup: 1 });
    oneCoreSeconds.splice(0, oneCoreSeconds.length - rounds); // drop the warmup round
    // The physical limit of each round: the whole tree at one core's in-memory speed, spread over every core.
    const limitMs = oneCoreSeconds.map((seconds) => ((bytes / (limitBuffer.length / seconds)) / cores) * 1000);
    // What a file hasher can reach: each core must also copy its share out of the page cache.
    const readMs = perRound["Reading the files from the page cache, no hashing (1 thread, 256 KiB reads)"];
    const practicalMs = limitMs.map((ms, round) => ms + readMs[round] / cores);

    // Same digests as sha1sum, for every file.
    for (const name of names) {
      const want = expected.get(join(root, name)).slice(0, 6);
      if (warmed.hash(name) !== want) throw new Error(`StaticFiles hashed ${name} as ${warmed.hash(name)}, sha1sum says ${want}`);
    }

    const warm = perRound["StaticFiles.warm() (worker threads)"];
    const sync = perRound["StaticFiles.url() one by one (sync, main thread)"];
    const parallelSum = perRound[`sha1sum, ${cores} processes (xargs -P${cores})`];
    const singleSum = perRound["sha1sum, 1 process"];
    // Context for the limit: do the cores scale together? (Two vCPUs may be one physical core.)
    const allCoresMiBps = summarize(await parallelSha1(cores, rounds));
    const throughput = summarize(oneCoreSeconds.map((seconds) => limitBuffer.length / seconds / MiB));
    return {
      count,
      bytes,
      cores,
      rounds,
      rows: Object.fromEntries(Object.entries(perRound).map(([name, values]) => [name, summarize(values)])),
      limitMs: summarize(limitMs),
      oneCoreMiBps: throughput,
      speedupVsSha1sum: pairedRatio(parallelSum, warm),
      speedupVsSingleSha1sum: pairedRatio(singleSum, warm),
      speedupVsSync: pairedRatio(sync, warm),
      fractionOfLimit: pairedRatio(limitMs, warm),
      practicalMs: summarize(practicalMs),
      fractionOfPractical: pairedRatio(practicalMs, warm),
      speedupSyncVsSingleSha1sum: pairedRatio(singleSum, sync),
      allCoresMiBps,
      fractionOfAllCores: summarize(warm.map((ms) => bytes / MiB / (ms / 1000) / allCoresMiBps.median)),
      warmMiBps: summarize(warm.map((ms) => bytes / MiB / (ms / 1000))),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** sha1sum over `paths`, split evenly over `processes` sha1sum processes; file -> hex digest. */
function sha1sum(paths, processes) {
  const perProcess = Math.ceil(paths.length / processes);
  const result = spawnSync("xargs", ["-0", `-P${processes}`, `-n${perProcess}`, "sha1sum"], {
    input: paths.join("\0"),
    maxBuffer: 64 * MiB,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`sha1sum failed: ${result.stderr || result.error}`);
  const digests = new Map();
  for (const line of result.stdout.split("\n")) {
    if (line) digests.set(line.slice(42), line.slice(0, 40));
  }
  return digests;
}

/** Reads every file in 256 KiB chunks (the size the core reads in) and does nothing with the bytes. */
function readOnly(paths) {
  const buffer = Buffer.allocUnsafe(256 * 1024);
  for (const path of paths) {
    const fd = openSync(path, "r");
    try {
      let position = 0;
      let read;
      while ((read = readSync(fd, buffer, 0, buffer.length, position)) > 0) position += read;
    } finally {
      closeSync(fd);
    }
  }
}
