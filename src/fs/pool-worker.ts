// A thread of the worker pool: joins each task it is sent, takes jobs through the shared counter
// until none is left, and posts back what it did. It imports only the jobs, so it starts fast.
import { parentPort, workerData } from "node:worker_threads";
import { JOINED, runShare, type PoolTask } from "./pool-jobs.js";

/** What the pool passes as `workerData`, so this module works only in the threads it starts. */
export const POOL_MARK = "static-hash:pool";

/** A task sent to a worker: `slot` is its "joined" flag in the counter. */
export interface TaskMessage {
  readonly id: number;
  readonly task: PoolTask;
  readonly counter: SharedArrayBuffer;
  readonly slot: number;
}

if (workerData === POOL_MARK) {
  parentPort!.on("message", ({ id, task, counter, slot }: TaskMessage) => {
    const shared = new Int32Array(counter);
    // Joined before taking a job: the main thread then waits for this answer.
    Atomics.store(shared, JOINED + slot, 1);
    const { results, failure, jobs } = runShare(task, shared);
    parentPort!.postMessage({ id, share: { results, failure, jobs } });
  });
}
