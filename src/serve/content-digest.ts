import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { LRUCache } from "lru-cache";
import { CHUNK_SIZE, sameSignature, signatureOf, type FileSignature } from "../core/hash.js";

/** The full hex digest of a file's bytes and the signature (size, mtime, ctime, inode) those bytes had. */
export interface ContentDigest {
  readonly hex: string;
  readonly signature: FileSignature;
}

/**
 * Digests of files being served, computed without blocking the event loop and kept while the
 * file's signature is unchanged; concurrent requests for one version share one read.
 */
export class ContentDigests {
  private readonly known: LRUCache<string, Promise<ContentDigest>>;

  constructor(
    private readonly algorithm: string,
    max: number,
  ) {
    this.known = new LRUCache({ max });
  }

  /** The digest of `file` as it is now; `signature` is the stat the caller just took of it. */
  of(file: string, signature: FileSignature): Promise<ContentDigest> {
    const key = `${signature.size}:${signature.mtimeMs}:${signature.ctimeMs}:${signature.ino}:${file}`;
    let digest = this.known.get(key);
    if (!digest) {
      digest = digestFileAsync(file, this.algorithm);
      this.known.set(key, digest);
      // A read that failed, or saw another version than the key names, must not be reused.
      digest.then(
        (found) => sameSignature(found.signature, signature) || this.known.delete(key),
        () => this.known.delete(key),
      );
    }
    return digest;
  }
}

/** Reads a file in bounded chunks and digests it; reads again if it changed meanwhile (a few times at most). */
export async function digestFileAsync(file: string, algorithm: string): Promise<ContentDigest> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    for (let attempt = 0; ; attempt++) {
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
      if (sameSignature(before, after) && position === after.size) return { hex: hash.digest("hex"), signature: after };
      // Still changing after five reads: no digest, so nothing is served as immutable.
      if (attempt >= 4) return { hex: "", signature: after };
    }
  } finally {
    await handle.close();
  }
}
