// Digesting a file's bytes while it may change: read in bounded chunks, and read again (five reads
// at most) when its signature moved meanwhile, so a digest always belongs to the signature given
// with it. The synchronous form serves the render path, the worker threads and collect's own reads
// (`readFileWithRetry`), the asynchronous one the servers.
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { sameSignature, signatureOf, signatureReadAt, type FileSignature } from "./signature.js";

/** Read size: hashing a file of any size holds at most this much of it in memory. */
export const CHUNK_SIZE = 256 * 1024;
/** Reads of a file that keeps changing before giving up on it. */
const MAX_READS = 5;
// O_NONBLOCK: opening a FIFO for reading would otherwise wait forever for a writer. Regular files ignore it.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
// One buffer for every synchronous read on a thread: the render path never runs two hashes at once.
let chunk: Buffer | undefined;

export interface FileDigests {
  /** Digest per algorithm asked for, as a Buffer. */
  readonly digests: ReadonlyMap<string, Buffer>;
  /** The file's signature when reading started. */
  readonly signature: FileSignature;
}

/** The full hex digest of a file's bytes and the signature (size, mtime, ctime, inode) those bytes had. */
export interface ContentDigest {
  readonly hex: string;
  readonly signature: FileSignature;
}

/** The read saw one version from start to end: nothing moved, and every byte the signature counts was read. */
function readWhole(before: FileSignature, after: FileSignature, position: number): boolean {
  return sameSignature(before, after) && position === after.size;
}

function errorOf(code: string, message: string): NodeJS.ErrnoException {
  const error = new Error(`${code}: ${message}`) as NodeJS.ErrnoException;
  error.code = code;
  return error;
}

/** One read of a file from start to end: what it made of the bytes, and how many it read. */
interface OneRead<T> {
  readonly value: T;
  readonly position: number;
}

/**
 * Reads an open file with `readOnce` until one read saw a single version from start to end (five
 * reads at most). Throws `EISDIR`/`EINVAL` for anything but a regular file, and `EBUSY` for a file
 * that changed during every read.
 */
function readConsistently<T>(fd: number, file: string, readOnce: (size: number) => OneRead<T>): { value: T; after: Stats; readAt: number } {
  for (let attempt = 1; ; attempt++) {
    const readAt = Date.now();
    const before = fstatSync(fd);
    if (!before.isFile()) {
      const kind = before.isDirectory() ? "EISDIR" : "EINVAL";
      throw errorOf(kind, `not a regular file, read '${file}'`);
    }
    const { value, position } = readOnce(before.size);
    const after = fstatSync(fd);
    if (readWhole(signatureOf(before), signatureOf(after), position)) return { value, after, readAt };
    if (attempt >= MAX_READS) throw errorOf("EBUSY", `file kept changing while it was read, read '${file}'`);
  }
}

/**
 * Digests a file's bytes with each algorithm in one pass, reading bounded chunks synchronously.
 * Throws the file system's error (ENOENT, EISDIR, EACCES…); anything but a regular file or a
 * directory (a FIFO, socket or device) is refused with `EINVAL`, and a file that changes during
 * every read with `EBUSY` (its digest would match no content).
 */
export function digestFile(file: string, algorithms: readonly string[]): FileDigests {
  const fd = openSync(file, OPEN_FLAGS);
  try {
    const { value: hashes, after, readAt } = readConsistently(fd, file, () => {
      const hashes = algorithms.map((algorithm) => createHash(algorithm));
      const buffer = (chunk ??= Buffer.allocUnsafe(CHUNK_SIZE));
      let position = 0;
      for (;;) {
        const read = readSync(fd, buffer, 0, CHUNK_SIZE, position);
        if (read === 0) break;
        const view = buffer.subarray(0, read);
        for (const hash of hashes) hash.update(view);
        position += read;
      }
      return { value: hashes, position };
    });
    return { digests: new Map(algorithms.map((algorithm, i) => [algorithm, hashes[i].digest()])), signature: signatureReadAt(after, readAt) };
  } finally {
    closeSync(fd);
  }
}

/** A buffer that reads reuse, grown as needed: no fresh memory to allocate and fault in per file. */
export interface ReadBuffer {
  buffer: Buffer;
}

/**
 * A file's bytes as one version of it, read again (five reads at most) when it changed while being
 * read, as `digestFile` does: the bytes returned were all in the file at once. Throws as `digestFile`.
 * With `reuse`, the bytes are a view of its buffer, valid until the next read into it.
 */
export function readFileWithRetry(file: string, reuse?: ReadBuffer): Buffer {
  const fd = openSync(file, OPEN_FLAGS);
  try {
    return readConsistently(fd, file, (size) => {
      // One byte more than the size: a file that grew is seen to have grown.
      let bytes = reuse && reuse.buffer.length > size ? reuse.buffer : Buffer.allocUnsafeSlow(Math.max(size + 1, reuse ? reuse.buffer.length * 2 : 0));
      let position = 0;
      for (;;) {
        if (position === bytes.length) {
          const larger = Buffer.allocUnsafeSlow(bytes.length * 2);
          bytes.copy(larger);
          bytes = larger;
        }
        const read = readSync(fd, bytes, position, bytes.length - position, position);
        if (read === 0) break;
        position += read;
      }
      if (reuse) reuse.buffer = bytes;
      return { value: bytes.subarray(0, position), position };
    }).value;
  } finally {
    closeSync(fd);
  }
}

/**
 * Digests a file without blocking the event loop, reading bounded chunks. A file still changing
 * after five reads gets the digest `""`, which matches no hash: nothing is served as immutable.
 */
export async function digestFileAsync(file: string, algorithm: string): Promise<ContentDigest> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    for (let attempt = 1; ; attempt++) {
      const before = signatureOf(await handle.stat());
      const hash = createHash(algorithm);
      let position = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_SIZE, position);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        position += bytesRead;
      }
      const after = signatureOf(await handle.stat());
      if (readWhole(before, after, position)) return { hex: hash.digest("hex"), signature: after };
      if (attempt >= MAX_READS) return { hex: "", signature: after };
    }
  } finally {
    await handle.close();
  }
}
