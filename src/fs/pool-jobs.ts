// Every kind of job the worker pool runs, in one place: the worker threads and the main thread both
// run them through `runShare`. Imports only node's modules and src/fs, so a worker starts fast.
import { createHash } from "node:crypto";
import { closeSync, constants, copyFileSync, fstatSync, linkSync, openSync, readSync, renameSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { copyVerifiedSync } from "./copy-verified.js";
import { digestFile } from "./digest.js";
import type { FileSignature } from "./signature.js";

/** Hash a file; `scan` also says whether it holds a source map comment (scripts). */
export interface DigestJob {
  readonly path: string;
  readonly scan: boolean;
  /** Also write the bytes read to this new file (a temporary name under the output folder). */
  readonly copyTo: string | undefined;
}
/** Copy a file to a temporary name, verifying its digest, and give the same bytes a second temporary name (`alias`). */
export interface CopyJob {
  readonly from: string;
  readonly temp: string;
  readonly alias: string | undefined;
  /** The digest the copy must have: the one its names were made from. */
  readonly algorithm: string;
  readonly hex: string;
}
/** Rename a temporary file to its final name; first give its bytes a second final name, `alias.target`, that does not exist yet (`alias.temp`: a temporary name, where hard links fail). */
export interface RenameJob {
  readonly temp: string;
  readonly target: string;
  alias?: { readonly target: string; readonly temp: string };
}
export type Coding = "br" | "gzip";
/** Compress a file's bytes in each coding. */
export interface CompressJob {
  readonly path: string;
  readonly codings: readonly Coding[];
}

export type PoolTask =
  | { readonly kind: "digest"; readonly algorithm: string; readonly jobs: readonly DigestJob[] }
  | { readonly kind: "copy"; readonly jobs: readonly CopyJob[] }
  | { readonly kind: "rename"; readonly jobs: readonly RenameJob[] }
  | { readonly kind: "compress"; readonly brotliQuality: number; readonly gzipLevel: number; readonly jobs: readonly CompressJob[] };

/** The error that stopped a job that reads, as data (it crosses threads). */
export interface JobError {
  readonly code: string;
  readonly message: string;
  /** Writing the copy made as the file was read failed, not reading it. */
  readonly writing?: boolean;
}
/** A digest (with the file's signature when read by `digestFile`), whether the bytes name a source map. */
export type DigestResult = { readonly hex: string; readonly sourceMap: boolean; readonly signature?: FileSignature } | JobError;
/** The file's size and its bytes in each coding asked for, in order. */
export type CompressResult = { readonly size: number; readonly compressed: readonly Uint8Array[] } | JobError;

/** Tasks whose jobs only read: a job a lost worker did not answer is done again. The others write, and stop at their first failure. */
export function readsOnly(task: PoolTask): task is Extract<PoolTask, { kind: "digest" | "compress" }> {
  return task.kind === "digest" || task.kind === "compress";
}

/** The first job of a writing task that failed; the ones after it were not started. */
export interface JobFailure {
  readonly index: number;
  readonly code: string | undefined;
  readonly message: string;
}
/** What one thread did of a task. */
export interface Share {
  /** Reading tasks: the result of each job this thread did, by job index. */
  readonly results: [number, DigestResult | CompressResult][];
  readonly failure: JobFailure | undefined;
  /** Jobs this thread did. */
  readonly jobs: number;
}

/**
 * The shared counter of a task: [next job, jobs done, then one "joined" flag per worker]. A failed
 * write moves the next job past the end, so every thread stops.
 */
export const NEXT = 0;
export const DONE = 1;
export const JOINED = 2;

export const SOURCE_MAP_WORD = Buffer.from("sourceMappingURL");

/**
 * Does jobs of `task` until the shared counter passes the end, or `until` (a `performance.now()`
 * time) has come after a job: then `share` holds what was done so far, and a later call goes on with it.
 * `onJob` follows each job of this thread.
 */
export function runShare(task: PoolTask, counter: Int32Array, onJob?: () => void, until = Infinity, share: Share = { results: [], failure: undefined, jobs: 0 }): Share & { finished: boolean } {
  const total = task.jobs.length;
  const results = share.results;
  let jobs = share.jobs;
  for (;;) {
    // At least one job per call, so a slice always moves on.
    if (until !== Infinity && jobs > share.jobs && performance.now() >= until) return { results, failure: undefined, jobs, finished: false };
    const index = Atomics.add(counter, NEXT, 1);
    if (index >= total) return { results, failure: undefined, jobs, finished: true };
    try {
      runJob(task, index, results);
      jobs++;
      Atomics.add(counter, DONE, 1);
      onJob?.();
    } catch (error) {
      Atomics.store(counter, NEXT, total);
      const { code, message } = error as NodeJS.ErrnoException;
      return { results, failure: { index, code, message }, jobs, finished: true };
    }
  }
}

function runJob(task: PoolTask, index: number, results: Share["results"]): void {
  switch (task.kind) {
    case "digest":
      return void results.push([index, digestJob(task.jobs[index], task.algorithm)]);
    case "compress":
      return void results.push([index, compressJob(task.jobs[index], task.brotliQuality, task.gzipLevel)]);
    case "copy":
      return copyJob(task.jobs[index]);
    case "rename":
      return renameJob(task.jobs[index]);
  }
}

/** The job a lost worker did not answer, done on this thread. */
export function redo(task: Extract<PoolTask, { kind: "digest" | "compress" }>, index: number): DigestResult | CompressResult {
  return task.kind === "digest" ? digestJob(task.jobs[index], task.algorithm) : compressJob(task.jobs[index], task.brotliQuality, task.gzipLevel);
}

function jobError(error: unknown, writing?: boolean): JobError {
  const { code, message } = error as NodeJS.ErrnoException;
  return writing ? { code: code ?? "", message, writing } : { code: code ?? "", message };
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

function digestJob({ path, scan, copyTo }: DigestJob, algorithm: string): DigestResult {
  let bytes: Buffer;
  try {
    if (!scan && copyTo === undefined) {
      const { digests, signature } = digestFile(path, [algorithm]);
      return { hex: digests.get(algorithm)!.toString("hex"), sourceMap: false, signature };
    }
    bytes = readWhole(path);
  } catch (error) {
    return jobError(error);
  }
  if (copyTo !== undefined) {
    try {
      writeFileSync(copyTo, bytes, { flag: "wx" });
    } catch (error) {
      return jobError(error, true);
    }
  }
  return { hex: createHash(algorithm).update(bytes).digest("hex"), sourceMap: scan && bytes.indexOf(SOURCE_MAP_WORD) !== -1 };
}

function compressJob({ path, codings }: CompressJob, brotliQuality: number, gzipLevel: number): CompressResult {
  let bytes: Buffer;
  try {
    bytes = readWhole(path);
  } catch (error) {
    return jobError(error);
  }
  const compressed = codings.map((coding) =>
    coding === "br"
      ? // The size hint helps small files.
        brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: brotliQuality, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
      : gzipSync(bytes, { level: gzipLevel }),
  );
  return { size: bytes.length, compressed };
}

/** Copies a file to its temporary name (and its alias). */
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
