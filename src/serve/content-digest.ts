import { LRUCache } from "lru-cache";
import { digestFileAsync, type ContentDigest } from "../fs/digest.js";
import { sameSignature, type FileSignature } from "../fs/signature.js";

// The digest-with-retry itself lives in src/fs, beside its synchronous twin.
export { digestFileAsync, type ContentDigest };

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
