// Copying a file that was hashed earlier, so that the copy holds exactly the bytes of that hash.
import { createHash } from "node:crypto";
import { closeSync, constants, openSync, readSync, rmSync, writeSync } from "node:fs";

/** The error code of a copy whose source no longer holds the bytes that were hashed. */
export const SOURCE_CHANGED = "ESOURCECHANGED";

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const CHUNK = 1024 * 1024;
// One buffer per thread, reused for every copy.
let chunk: Buffer | undefined;

/**
 * Copies `from` to the new file `to`, digesting the bytes as they pass; when their digest does not
 * start with `hex` (the full digest, or the hash a URL carries: the file changed since it was hashed)
 * the copy is removed and a `SOURCE_CHANGED` error thrown, so no name carries a hash of other bytes.
 */
export function copyVerifiedSync(from: string, to: string, algorithm: string, hex: string): void {
  const source = openSync(from, OPEN_FLAGS);
  let target: number | undefined;
  try {
    target = openSync(to, "wx");
    const hash = createHash(algorithm);
    const buffer = (chunk ??= Buffer.allocUnsafeSlow(CHUNK));
    for (;;) {
      const read = readSync(source, buffer, 0, CHUNK, null);
      if (read === 0) break;
      const view = buffer.subarray(0, read);
      hash.update(view);
      for (let written = 0; written < read; ) written += writeSync(target, view, written, read - written);
    }
    if (hex === "" || !hash.digest("hex").startsWith(hex)) {
      const error = new Error(`${SOURCE_CHANGED}: ${from} changed after it was hashed`) as NodeJS.ErrnoException;
      error.code = SOURCE_CHANGED;
      error.path = from;
      throw error;
    }
  } catch (error) {
    if (target !== undefined) {
      closeSync(target);
      target = undefined;
      rmSync(to, { force: true });
    }
    throw error;
  } finally {
    closeSync(source);
    if (target !== undefined) closeSync(target);
  }
}
