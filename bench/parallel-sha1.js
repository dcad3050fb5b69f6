// Worker of the hashing benchmark: SHA-1 of an in-memory buffer on every core at once, to see how the
// cores scale together (two vCPUs may share one physical core).
import { createHash } from "node:crypto";
import { parentPort, Worker } from "node:worker_threads";

const BUFFER = 64 * 2 ** 20;
const PASSES = 4;

if (parentPort) {
  const buffer = Buffer.alloc(BUFFER, 0x5a);
  createHash("sha1").update(buffer).digest();
  parentPort.on("message", () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PASSES; i++) createHash("sha1").update(buffer).digest();
    parentPort.postMessage(Number(process.hrtime.bigint() - start) / 1e9);
  });
  parentPort.postMessage("ready");
}

/** MiB/s of all `threads` threads hashing at once, measured `rounds` times. */
export async function parallelSha1(threads, rounds) {
  const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url)));
  try {
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once("message", resolve))));
    const results = [];
    for (let round = 0; round < rounds; round++) {
      const seconds = await Promise.all(workers.map((worker) => new Promise((resolve) => {
        worker.once("message", resolve);
        worker.postMessage("go");
      })));
      results.push((threads * PASSES * BUFFER) / 2 ** 20 / Math.max(...seconds));
    }
    return results;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
