// The worker thread of `StaticFiles.warm()`: digests each batch of files it is sent and posts the
// digests back. It imports nothing but hash.js, so it starts as fast as a worker can.
import { parentPort, workerData } from "node:worker_threads";
import { digestFile, type FileSignature } from "./hash.js";

/** What `warm()` passes as `workerData`, so this module listens only in the threads `warm()` starts. */
export const WORKER_MARK = "static-hash:warm";

/** A batch of files sent to a worker. */
export interface WarmBatch {
  readonly id: number;
  readonly files: readonly string[];
  readonly algorithm: string;
}

/** The answer for one file: its digest and signature, or the file system's error code. */
export type WarmDigest = { readonly digest: Uint8Array; readonly signature: FileSignature } | { readonly error: string };

/** Digests files one after the other, as a worker does with each batch (and the main thread with its own). */
export function digestBatch(files: readonly string[], algorithm: string): WarmDigest[] {
  return files.map((file) => {
    try {
      const { digests, signature } = digestFile(file, [algorithm]);
      return { digest: digests.get(algorithm)!, signature };
    } catch (error) {
      return { error: (error as NodeJS.ErrnoException).code ?? String(error) };
    }
  });
}

if (workerData === WORKER_MARK) {
  parentPort!.on("message", ({ id, files, algorithm }: WarmBatch) => {
    parentPort!.postMessage({ id, digests: digestBatch(files, algorithm) });
  });
}
