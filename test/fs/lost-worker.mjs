// A pool thread that takes half of each task's jobs, counts them done, and dies without answering:
// the pool must finish what it took on the main thread, or fail a task that writes.
import { parentPort } from "node:worker_threads";
import { DONE, JOINED, NEXT } from "../../dist/fs/pool-jobs.js";

parentPort.on("message", ({ task, counter, slot }) => {
  const shared = new Int32Array(counter);
  Atomics.store(shared, JOINED + slot, 1);
  for (let taken = 0; taken < task.jobs.length / 2; taken++) {
    Atomics.add(shared, NEXT, 1);
    Atomics.add(shared, DONE, 1);
  }
  process.exit(3);
});
