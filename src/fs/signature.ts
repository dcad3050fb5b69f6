// What identifies a version of a file on disk, and the error codes that mean "no file here".
import type { Stats } from "node:fs";

/** Error codes that mean "no file at this path" (not "a file that cannot be read"): look in the next root. */
export const FILE_GONE: ReadonlySet<string> = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG"]);

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
