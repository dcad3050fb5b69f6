import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** Digest algorithms for the hash in the URL. */
export const HASH_ALGORITHMS = ["sha1", "md5", "sha256", "sha384", "sha512"] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Digest algorithms Subresource Integrity accepts. */
export const INTEGRITY_ALGORITHMS = ["sha256", "sha384", "sha512"] as const;
export type IntegrityAlgorithm = (typeof INTEGRITY_ALGORITHMS)[number];

// O_NONBLOCK: opening a FIFO for reading would otherwise wait forever for a writer. Regular files ignore it.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Error codes that mean "no file at this path" (not "a file that cannot be read"): look in the next root. */
export const FILE_GONE: ReadonlySet<string> = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG"]);

/** Read size: hashing a file of any size holds at most this much of it in memory. */
export const CHUNK_SIZE = 256 * 1024;
// One buffer for every synchronous read: the render path never runs two hashes at once.
let chunk: Buffer | undefined;

/** What identifies a version of a file on disk, to tell whether it changed since it was hashed. */
export interface FileSignature {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  /**
   * The file changed within one timestamp tick of being read: a second write in that tick could keep
   * size, times and inode, so this signature matches no other and the file is read again next time.
   */
  readonly racy?: boolean;
}

export function signatureOf(stats: Stats): FileSignature {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
}

/**
 * The signature of a file whose reading started at `readAt` (`Date.now()`), marked racy when it last
 * changed less than a timestamp tick before: a few ms on most file systems, whole seconds (2 s on FAT)
 * where timestamps have no fraction.
 */
export function signatureReadAt(stats: Stats, readAt: number): FileSignature {
  const signature = signatureOf(stats);
  const tick = stats.mtimeMs % 1000 === 0 && stats.ctimeMs % 1000 === 0 ? RACY_WHOLE_SECONDS : RACY_FINE;
  return Math.max(stats.mtimeMs, stats.ctimeMs) > readAt - tick ? { ...signature, racy: true } : signature;
}
const RACY_FINE = 100;
const RACY_WHOLE_SECONDS = 2000;

/** The stats show no change: same size, mtime, ctime and inode (a racy signature may still hide one). */
export function sameStats(a: FileSignature, b: FileSignature): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

/** The file is provably unchanged: same stats, and neither was read within a timestamp tick of a change. */
export function sameSignature(a: FileSignature, b: FileSignature): boolean {
  return sameStats(a, b) && !a.racy && !b.racy;
}

export interface FileDigests {
  /** Digest per algorithm asked for, as a Buffer. */
  readonly digests: ReadonlyMap<string, Buffer>;
  /** The file's signature when reading started. */
  readonly signature: FileSignature;
}

/**
 * Digests a file's bytes with each algorithm in one pass, reading bounded chunks synchronously.
 * If the file changes while it is read, it is read again (a few times at most), so the digest
 * belongs to the signature returned. Throws the file system's error (ENOENT, EISDIR, EACCES…);
 * anything but a regular file or a directory (a FIFO, socket or device) is refused with `EINVAL`,
 * and a file that changes during every read with `EBUSY` (its digest would match no content).
 */
export function digestFile(file: string, algorithms: readonly string[]): FileDigests {
  const fd = openSync(file, OPEN_FLAGS);
  try {
    for (let attempt = 0; ; attempt++) {
      const readAt = Date.now();
      const before = fstatSync(fd);
      if (!before.isFile()) {
        const kind = before.isDirectory() ? "EISDIR" : "EINVAL";
        const error = new Error(`${kind}: not a regular file, read '${file}'`) as NodeJS.ErrnoException;
        error.code = kind;
        throw error;
      }
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
      const signature = signatureOf(before);
      const afterStats = fstatSync(fd);
      const after = signatureOf(afterStats);
      if (sameSignature(signature, after) && position === after.size) {
        return { digests: new Map(algorithms.map((algorithm, i) => [algorithm, hashes[i].digest()])), signature: signatureReadAt(afterStats, readAt) };
      }
      if (attempt >= 4) {
        const error = new Error(`EBUSY: file kept changing while it was read, read '${file}'`) as NodeJS.ErrnoException;
        error.code = "EBUSY";
        throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Lowercase hex digest of a file's bytes. */
export function hashFile(file: string, algorithm: HashAlgorithm = "sha1"): string {
  return digestFile(file, [algorithm]).digests.get(algorithm)!.toString("hex");
}

/** Lowercase hex digest of bytes in memory. */
export function hashBytes(bytes: string | Uint8Array, algorithm: HashAlgorithm = "sha1"): string {
  return createHash(algorithm).update(bytes).digest("hex");
}

/** A Subresource Integrity value, `sha384-<base64>`, of bytes in memory. */
export function integrityOf(bytes: string | Uint8Array, algorithm: IntegrityAlgorithm = "sha384"): string {
  return `${algorithm}-${createHash(algorithm).update(bytes).digest("base64")}`;
}
