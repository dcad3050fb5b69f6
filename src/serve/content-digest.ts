import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { LRUCache } from "lru-cache";
import { digestFileAsync, type ContentDigest } from "../fs/digest.js";
import { sameSignature, signatureOf, type FileSignature } from "../fs/signature.js";

// The digest-with-retry itself lives in src/fs, beside its synchronous twin.
export { digestFileAsync, type ContentDigest };

/** A digest with, for a file small enough to keep, the very bytes that were digested. */
export interface ProvenContent extends ContentDigest {
  /** The bytes hashed to `hex`: sending these proves the response, whatever happens to the file since. */
  readonly bytes?: Buffer;
}

/** Files up to this size are kept in memory with their digest, so proven responses send the hashed bytes. */
export const KEPT_FILE_MAX = 1024 * 1024;
/** The bytes kept for all files together; the least recently served go first. */
export const KEPT_BYTES_MAX = 32 * 1024 * 1024;
const ENTRY_OVERHEAD = 256;

/**
 * Digests of files being served, computed without blocking the event loop and kept while the file's
 * signature is unchanged; concurrent requests for one version share one read. A small file's bytes are
 * kept beside its digest (bounded in total), so the bytes sent under a proven hash are the bytes hashed.
 */
export class ContentDigests {
  private readonly known: LRUCache<string, Promise<ProvenContent>>;

  constructor(
    private readonly algorithm: string,
    max: number,
    private readonly keptFileMax = KEPT_FILE_MAX,
    keptBytesMax = KEPT_BYTES_MAX,
  ) {
    this.known = new LRUCache({ max, maxSize: keptBytesMax + max * ENTRY_OVERHEAD, sizeCalculation: () => ENTRY_OVERHEAD });
  }

  /** The digest of `file` as it is now; `signature` is the stat the caller just took of it. */
  of(file: string, signature: FileSignature): Promise<ProvenContent> {
    const key = `${signature.size}:${signature.mtimeMs}:${signature.ctimeMs}:${signature.ino}:${file}`;
    let digest = this.known.get(key);
    if (!digest) {
      const reading: Promise<ProvenContent> = signature.size <= this.keptFileMax ? readProven(file, this.algorithm, this.keptFileMax) : digestFileAsync(file, this.algorithm);
      digest = reading;
      this.known.set(key, reading);
      // A read that failed, or saw another version than the key names, must not be reused.
      reading.then(
        (found) => {
          if (!sameSignature(found.signature, signature)) this.known.delete(key);
          else if (found.bytes && this.known.get(key) === reading) this.known.set(key, reading, { size: ENTRY_OVERHEAD + found.bytes.length });
        },
        () => this.known.delete(key),
      );
    }
    return digest;
  }
}

/**
 * Reads a small file whole and digests those bytes; reads again if it changed meanwhile (a few times at
 * most). A file grown past `limit` since its stat is digested in chunks instead, without its bytes.
 */
async function readProven(file: string, algorithm: string, limit: number): Promise<ProvenContent> {
  const handle = await open(file, "r");
  try {
    for (let attempt = 0; ; attempt++) {
      const before = signatureOf(await handle.stat());
      if (before.size > limit) break;
      // One byte more than the size: a file that grew since its stat shows it.
      const buffer = Buffer.allocUnsafe(before.size + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0 || (length += bytesRead) === buffer.length) break;
      }
      const after = signatureOf(await handle.stat());
      if (sameSignature(before, after) && length === after.size) {
        const bytes = buffer.subarray(0, length);
        return { hex: createHash(algorithm).update(bytes).digest("hex"), signature: after, bytes };
      }
      // Still changing after five reads: no digest, so nothing is served as immutable.
      if (attempt >= 4) return { hex: "", signature: after };
    }
  } finally {
    await handle.close();
  }
  return digestFileAsync(file, algorithm);
}
