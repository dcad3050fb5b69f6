// The per-file work of `collect` that two threads can share: the main thread and one worker take
// jobs from the same list through a shared counter, so neither waits while the other has work left.
// This module imports only node:fs and the core's hashing, so the worker starts fast.
import { closeSync, constants, copyFileSync, existsSync, fstatSync, linkSync, openSync, readSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { hashBytes } from "../core/hash.js";
import { digestFile } from "../fs/digest.js";
import { copyVerifiedSync } from "../fs/copy-verified.js";
import type { HashAlgorithm } from "../core/hash.js";

/** What `collect` passes as `workerData`, so this module works only in the threads it starts. */
export const LANE_MARK = "static-hash:collect-lane";

/** Hash a file of the roots; `scan` also says whether it holds a source map comment (scripts). */
export interface DigestJob {
  readonly path: string;
  readonly scan: boolean;
  /** Also write the bytes read to this new file (a temporary name under the output folder). */
  readonly copyTo: string | undefined;
}
/** Copy a file of the roots to a temporary name, and give the same bytes a second temporary name (`alias`, for another name of the same bytes). */
export interface CopyJob {
  readonly from: string;
  readonly temp: string;
  readonly alias: string | undefined;
  /** The digest the copy must have: the one its names were made from. */
  readonly algorithm: HashAlgorithm;
  readonly hex: string;
}
/** Rename a temporary file to its final name; first give its bytes a second final name, `alias.target`, that does not exist yet (`alias.temp`: a temporary name, where hard links fail). */
export interface RenameJob {
  readonly temp: string;
  readonly target: string;
  alias?: { readonly target: string; readonly temp: string };
}

export type LaneTask =
  | { readonly kind: "digest"; readonly algorithm: HashAlgorithm; readonly jobs: readonly DigestJob[] }
  | { readonly kind: "copy"; readonly jobs: readonly CopyJob[] }
  | { readonly kind: "rename"; readonly jobs: readonly RenameJob[] };

/** A digest, whether the bytes name a source map, or the error that stopped reading. */
export type DigestResult =
  | { readonly hex: string; readonly sourceMap: boolean }
  | { readonly code: string; readonly message: string; readonly writing?: boolean };
/** The first job of a copy or rename task that failed; the others after it were not started. */
export interface LaneFailure {
  readonly index: number;
  readonly code: string | undefined;
  readonly message: string;
}
export interface LaneShare {
  /** Digest tasks: the result of each job this thread did, by job index. */
  readonly digests: [number, DigestResult][];
  readonly failure: LaneFailure | undefined;
}

const WORKER_URL = new URL("./lane-work.js", import.meta.url);
export const SOURCE_MAP_WORD = Buffer.from("sourceMappingURL");

/**
 * Does jobs of `task` until the shared `counter` (next job, jobs done) passes the end; a failed copy
 * or rename moves the counter past the end, so both threads stop. `onJob` follows each job of this thread.
 */
export function runShare(task: LaneTask, counter: Int32Array, onJob?: () => void): LaneShare {
  const digests: [number, DigestResult][] = [];
  const total = task.jobs.length;
  for (let index = Atomics.add(counter, 0, 1); index < total; index = Atomics.add(counter, 0, 1)) {
    try {
      if (task.kind === "digest") digests.push([index, digestJob(task.jobs[index], task.algorithm)]);
      else if (task.kind === "copy") copyJob(task.jobs[index]);
      else renameJob(task.jobs[index]);
      Atomics.add(counter, 1, 1);
      onJob?.();
    } catch (error) {
      Atomics.store(counter, 0, total);
      const { code, message } = error as NodeJS.ErrnoException;
      return { digests, failure: { index, code, message } };
    }
  }
  return { digests, failure: undefined };
}

// One buffer per thread, reused for every file: no fresh memory to allocate and fault in per file.
let readBuffer = Buffer.allocUnsafeSlow(1024 * 1024);

/** The bytes of a file, in this thread's read buffer: valid until the next call. */
function readWhole(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (readBuffer.length <= size) readBuffer = Buffer.allocUnsafeSlow(Math.max(size + 1, readBuffer.length * 2));
    let length = 0;
    for (;;) {
      if (length === readBuffer.length) {
        const larger = Buffer.allocUnsafeSlow(readBuffer.length * 2); // the file grew while being read
        readBuffer.copy(larger);
        readBuffer = larger;
      }
      const read = readSync(fd, readBuffer, length, readBuffer.length - length, null);
      if (read === 0) return readBuffer.subarray(0, length);
      length += read;
    }
  } finally {
    closeSync(fd);
  }
}

function digestJob({ path, scan, copyTo }: DigestJob, algorithm: HashAlgorithm): DigestResult {
  let bytes: Buffer;
  try {
    if (!scan && copyTo === undefined) return { hex: digestFile(path, [algorithm]).digests.get(algorithm)!.toString("hex"), sourceMap: false };
    bytes = readWhole(path);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { code: code ?? "", message };
  }
  if (copyTo !== undefined) {
    try {
      writeFileSync(copyTo, bytes, { flag: "wx" });
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      return { code: code ?? "", message, writing: true };
    }
  }
  return { hex: hashBytes(bytes, algorithm), sourceMap: scan && bytes.indexOf(SOURCE_MAP_WORD) !== -1 };
}

/** Copies a file of the roots to its temporary name (and its alias). */
export function copyJob({ from, temp, alias, algorithm, hex }: CopyJob): void {
  copyVerifiedSync(from, temp, algorithm, hex);
  if (alias === undefined) return;
  try {
    // Safe: a finished file is only ever replaced by a rename, never written in place.
    linkSync(temp, alias);
  } catch (error) {
    if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
    copyFileSync(temp, alias, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  }
}

function renameJob({ temp, target, alias }: RenameJob): void {
  if (alias !== undefined) {
    try {
      // A hard link appears whole or not at all, so the second name needs no temporary file.
      linkSync(temp, alias.target);
    } catch {
      copyFileSync(temp, alias.temp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      renameSync(alias.temp, alias.target);
    }
  }
  renameSync(temp, target);
}

const NO_HARD_LINKS = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS"]);

/**
 * The main thread's side: one worker thread (where there is a second core and the built module to
 * run), sharing each task's jobs with the main thread. Without the worker the main thread does them all.
 */
export class WorkLane {
  readonly #worker: Worker | undefined;
  #counter: Int32Array | undefined;
  #online = false;
  #gone = false;

  constructor(useWorker: boolean) {
    if (!useWorker || availableParallelism() < 2 || !existsSync(fileURLToPath(WORKER_URL))) return;
    this.#worker = new Worker(WORKER_URL, { workerData: LANE_MARK });
    this.#worker.once("online", () => (this.#online = true));
    this.#worker.on("error", () => (this.#gone = true)).once("exit", () => (this.#gone = true));
    this.#worker.unref(); // kept alive only while a task waits for it
  }

  /**
   * Does every job of `task` on both threads. `first` is the main thread's own work, done before it
   * joins; when it returns false (it failed), the task stops.
   */
  async run(task: LaneTask, first?: () => boolean, onJob?: () => void): Promise<LaneShare> {
    const counter = new Int32Array(new SharedArrayBuffer(8));
    this.#counter = counter;
    const worker = this.#gone ? undefined : this.#worker;
    const reply =
      worker &&
      new Promise<LaneShare | undefined>((resolve) => {
        const done = (share: LaneShare | undefined) => {
          worker.off("message", done).off("error", gone).off("exit", gone);
          worker.unref();
          resolve(share);
        };
        const gone = () => done(undefined);
        worker.on("message", done).on("error", gone).on("exit", gone);
        worker.ref();
        worker.postMessage({ task, counter: counter.buffer });
      });
    let thrown: { error: unknown } | undefined;
    try {
      if (first && !first()) Atomics.store(counter, 0, task.jobs.length);
    } catch (error) {
      // The worker stops at its next job, and is waited for: nothing it writes outlives the failure.
      Atomics.store(counter, 0, task.jobs.length);
      thrown = { error };
    }
    const mine = thrown ? { digests: [], failure: undefined } : runShare(task, counter, onJob);
    const theirs = await reply;
    if (thrown) throw thrown.error;
    const digests = [...mine.digests, ...(theirs?.digests ?? [])];
    let failure = mine.failure ?? theirs?.failure;
    if (worker && theirs === undefined) {
      this.#gone = true;
      // A worker that never ran took no job; one that died at work may have left its jobs half done.
      if (this.#online && task.kind !== "digest") failure ??= { index: 0, code: undefined, message: "the worker thread stopped" };
      if (task.kind === "digest") {
        const answered = new Set(digests.map(([index]) => index));
        task.jobs.forEach((job, index) => {
          if (!answered.has(index)) digests.push([index, digestJob(job, task.algorithm)]);
        });
      }
    }
    return { digests, failure };
  }

  /** Jobs of the current (or last) task done so far, on both threads. */
  completed(): number {
    return this.#counter ? Atomics.load(this.#counter, 1) : 0;
  }

  /** Ends the worker; it exits in the background. */
  stop(): void {
    void this.#worker?.terminate();
  }
}

if (workerData === LANE_MARK) {
  parentPort!.on("message", ({ task, counter }: { task: LaneTask; counter: SharedArrayBuffer }) => {
    parentPort!.postMessage(runShare(task, new Int32Array(counter)));
  });
}
