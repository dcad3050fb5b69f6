// The one worker pool of static-hash: warm(), collect and collect's compression run their per-file
// jobs on it. The main thread and the workers take a task's jobs from one list through a shared
// counter, so nobody waits while another has work left.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { DONE, JOINED, NEXT, readsOnly, redo, runShare, type CompressResult, type DigestResult, type JobFailure, type PoolTask, type Share } from "./pool-jobs.js";
import { POOL_MARK, type TaskMessage } from "./pool-worker.js";

const WORKER_URL = new URL("./pool-worker.js", import.meta.url);

export interface RunOptions {
  /** The main thread's own work, done before it takes jobs; when it returns false (it failed), the task stops. */
  readonly first?: () => boolean;
  /** Called after each job the main thread does. */
  readonly onJob?: () => void;
  /** Take the main thread's jobs in slices of this many milliseconds, yielding to the event loop between them (inside a server); without it they are taken in one go. */
  readonly sliceMs?: number;
}

export type ResultOf<T extends PoolTask> = T extends { kind: "digest" } ? DigestResult : T extends { kind: "compress" } ? CompressResult : never;

export interface TaskOutcome<T extends PoolTask> {
  /** Tasks that read (digest, compress): the result of every job, by job index, in no particular order. */
  readonly results: [number, ResultOf<T>][];
  /** Tasks that write (copy, rename): the first failure seen; jobs not started by then never will be. */
  readonly failure: JobFailure | undefined;
  /** Jobs the main thread did (the workers did the others). */
  readonly mainJobs: number;
}

interface Thread {
  readonly worker: Worker;
  /** Its "joined" flag in each task's counter. */
  readonly slot: number;
  readonly online: Promise<void>;
  gone: boolean;
  /** The task it was last sent, and where its answer goes while the main thread waits for it. */
  taskId: number;
  reply: ((share: Share | undefined) => void) | undefined;
}

/**
 * Worker threads started on demand (`grow`), at most `maxWorkers` (one per core besides the main
 * thread's), each running the one pool module. Where that built module is absent (the TypeScript
 * sources run in tests) no thread starts and the main thread does every job.
 */
export class WorkerPool {
  readonly #maxWorkers: number;
  readonly #workerUrl: URL;
  readonly #available: boolean;
  #threads: Thread[] = [];
  #taskId = 0;
  #counter: Int32Array | undefined;

  constructor({ maxWorkers = availableParallelism() - 1, workerUrl = WORKER_URL }: { maxWorkers?: number; workerUrl?: URL } = {}) {
    this.#maxWorkers = maxWorkers;
    this.#workerUrl = workerUrl;
    this.#available = maxWorkers > 0 && existsSync(fileURLToPath(workerUrl));
  }

  /** Threads started and not lost. */
  get size(): number {
    return this.#threads.filter((thread) => !thread.gone).length;
  }

  /** Starts threads until `count` have been started (at most `maxWorkers`); a thread that was lost is not replaced. */
  grow(count: number): void {
    if (!this.#available) return;
    while (this.#threads.length < Math.min(count, this.#maxWorkers)) this.#start();
  }

  /** Resolves once every thread started so far runs (or failed to start). */
  async ready(): Promise<void> {
    await Promise.all(this.#threads.map((thread) => thread.online));
  }

  #start(): void {
    const worker = new Worker(this.#workerUrl, { workerData: POOL_MARK });
    worker.unref(); // kept alive only while a task waits for it
    const thread: Thread = { worker, slot: this.#threads.length, online: undefined!, gone: false, taskId: 0, reply: undefined };
    const lost = () => {
      thread.gone = true;
      thread.reply?.(undefined);
    };
    (thread as { online: Promise<void> }).online = new Promise<void>((resolve) => {
      worker.once("online", resolve).once("error", resolve).once("exit", resolve);
    });
    worker.on("message", ({ id, share }: { id: number; share: Share }) => {
      if (id === thread.taskId) thread.reply?.(share);
    });
    worker.on("error", lost).on("exit", lost);
    this.#threads.push(thread);
  }

  /**
   * Does every job of `task`, on the main thread and every thread of the pool. A thread lost at
   * work leaves its jobs to the main thread when they only read, or fails a task that writes (its
   * jobs may be half done). When `first` throws, the workers stop at their next job and are waited
   * for, and the error is thrown: nothing they write outlives the failure.
   */
  async run<T extends PoolTask>(task: T, { first, onJob, sliceMs }: RunOptions = {}): Promise<TaskOutcome<T>> {
    const id = ++this.#taskId;
    const total = task.jobs.length;
    const counter = new Int32Array(new SharedArrayBuffer(4 * (JOINED + this.#threads.length)));
    this.#counter = counter;
    const helpers = total > 0 ? this.#threads.filter((thread) => !thread.gone) : [];
    const replies = helpers.map((thread) => {
      thread.taskId = id;
      const reply = new Promise<Share | undefined>((resolve) => (thread.reply = resolve));
      thread.worker.ref();
      thread.worker.postMessage({ id, task, counter: counter.buffer, slot: thread.slot } satisfies TaskMessage);
      return reply;
    });

    let stopped = false;
    let thrown: { error: unknown } | undefined;
    try {
      if (first && !first()) stopped = true;
    } catch (error) {
      stopped = true;
      thrown = { error };
    }
    if (stopped) Atomics.store(counter, NEXT, total);
    let mine: Share = { results: [], failure: undefined, jobs: 0 };
    if (sliceMs === undefined) mine = runShare(task, counter, onJob);
    else {
      for (;;) {
        const slice = runShare(task, counter, onJob, performance.now() + sliceMs, mine);
        mine = slice;
        if (slice.finished) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }

    // Every job is taken now: a thread that has not joined yet never will take one, and is not waited for.
    const shares = await Promise.all(
      helpers.map(async (thread, k) => {
        const joined = Atomics.load(counter, JOINED + thread.slot) === 1;
        const share = joined ? await replies[k] : undefined;
        thread.reply = undefined;
        thread.worker.unref();
        return { joined, share };
      }),
    );
    if (thrown) throw thrown.error;

    const results = [...mine.results];
    let failure = mine.failure;
    let lost = false;
    for (const { joined, share } of shares) {
      if (share) {
        results.push(...share.results);
        failure ??= share.failure;
      } else if (joined) lost = true;
    }
    if (lost) {
      if (!readsOnly(task)) failure ??= { index: 0, code: undefined, message: "a worker thread stopped" };
      else if (!stopped) {
        const answered = new Set(results.map(([index]) => index));
        for (let index = 0; index < total; index++) if (!answered.has(index)) results.push([index, redo(task, index)]);
      }
    }
    return { results: results as [number, ResultOf<T>][], failure, mainJobs: mine.jobs };
  }

  /** Jobs of the current (or last) task done so far, on every thread. */
  completed(): number {
    return this.#counter ? Atomics.load(this.#counter, DONE) : 0;
  }

  /** Ends every thread; resolves with their exit codes once they are gone (callers need not wait). */
  stop(): Promise<number[]> {
    const threads = this.#threads;
    this.#threads = [];
    return Promise.all(threads.map((thread) => thread.worker.terminate()));
  }
}
