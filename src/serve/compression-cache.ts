/**
 * Roots mode: compressed variants made off the request path, once per content digest, and kept in
 * memory in a cache bounded in bytes. A request never waits for compression unless identity is refused.
 */
import { createHash } from "node:crypto";
import { channel } from "node:diagnostics_channel";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import { LRUCache } from "lru-cache";
import { checkOptionNames } from "../core/check-options.js";
import { StaticFileError } from "../core/errors.js";
import { isEffective, type Encoding } from "../core/compressible.js";

/** `serveStatic`'s `compression` option: `false` turns negotiation off. */
export type CompressionOption = boolean | { readonly maxBytes?: number } | undefined;

export const DEFAULT_MAX_BYTES = 64 * 2 ** 20;
/** Fast enough to be ready a moment after the first request (a few ms for 200 KB), within ~10% of quality 11 on CSS and JS. */
export const ROOTS_BROTLI_QUALITY = 5;
export const ROOTS_GZIP_LEVEL = 6;

/**
 * Each compression done in roots mode is published here (`diagnostics_channel`), with what the cache
 * holds afterwards: `{ file, hex, size, variants: { br?, gzip? } (bytes), cacheBytes, maxBytes }`.
 */
export const COMPRESSION_CHANNEL = "static-hash:compression";
const compressions = channel(COMPRESSION_CHANNEL);

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** The variants of one content: each coding's bytes, when it earned its place (95% rule). */
export interface CompressedContent {
  readonly hex: string;
  readonly variants: Partial<Record<Encoding, Buffer>>;
}

/** What the cache holds and has done, for monitoring (and the tests that count compressions). */
export interface CompressionCacheStats {
  /** Bytes of variants held: never more than `maxBytes`. */
  readonly bytes: number;
  readonly maxBytes: number;
  readonly entries: number;
  /** Contents compressed since the start (each content once per coding, whatever the number of requests). */
  readonly compressions: number;
}

export class CompressionCache {
  readonly maxBytes: number;
  readonly #cache: LRUCache<string, CompressedContent>;
  readonly #pending = new Map<string, Promise<CompressedContent | undefined>>();
  /** Contents whose variants did not earn their place, or do not fit: not compressed again. */
  readonly #unworthy: LRUCache<string, true>;
  #compressions = 0;

  constructor(
    maxBytes: number,
    private readonly algorithm: string,
  ) {
    this.maxBytes = maxBytes;
    // Every entry costs at least its key: an entry of no variants still counts a little.
    this.#cache = new LRUCache({ maxSize: maxBytes, sizeCalculation: (entry) => Math.max(1, variantBytes(entry)) });
    this.#unworthy = new LRUCache({ max: 10_000 });
  }

  get stats(): CompressionCacheStats {
    return { bytes: this.#cache.calculatedSize, maxBytes: this.maxBytes, entries: this.#cache.size, compressions: this.#compressions };
  }

  /** The variants of the content with digest `hex`, if made already. */
  get(hex: string): CompressedContent | undefined {
    return this.#cache.get(hex);
  }

  /**
   * Starts making the variants of `file`, whose content should have digest `hex` (the size is a hint
   * to skip what cannot fit); resolves to them, or undefined when the content had changed, earned no
   * variant, or does not fit. Only one job runs per digest.
   */
  prepare(file: string, hex: string, size: number): Promise<CompressedContent | undefined> {
    const ready = this.#cache.get(hex);
    if (ready) return Promise.resolve(ready);
    if (hex === "" || this.#unworthy.has(hex) || size > this.maxBytes) return Promise.resolve(undefined);
    let job = this.#pending.get(hex);
    if (!job) {
      job = this.#compress(file, hex).finally(() => this.#pending.delete(hex));
      this.#pending.set(hex, job);
    }
    return job;
  }

  async #compress(file: string, hex: string): Promise<CompressedContent | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      return undefined; // gone or unreadable: the identity response says so
    }
    // The file may have changed since its digest was taken: the variants are filed under the digest of the bytes compressed.
    const actual = createHash(this.algorithm).update(bytes).digest("hex");
    if (this.#cache.has(actual)) return actual === hex ? this.#cache.get(actual) : undefined;
    this.#compressions++;
    const [br, gz] = await Promise.all([
      brotliAsync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: ROOTS_BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
      gzipAsync(bytes, { level: ROOTS_GZIP_LEVEL }),
    ]);
    const variants: Partial<Record<Encoding, Buffer>> = {};
    if (isEffective(bytes.length, br.length)) variants.br = br;
    if (isEffective(bytes.length, gz.length)) variants.gzip = gz;
    const entry: CompressedContent = { hex: actual, variants };
    const fits = variantBytes(entry) > 0 && variantBytes(entry) <= this.maxBytes;
    if (fits) this.#cache.set(actual, entry);
    else this.#unworthy.set(actual, true);
    if (compressions.hasSubscribers) {
      const sizes = { br: variants.br?.length, gzip: variants.gzip?.length };
      compressions.publish({ file, hex: actual, size: bytes.length, variants: sizes, cacheBytes: this.#cache.calculatedSize, maxBytes: this.maxBytes });
    }
    return fits && actual === hex ? entry : undefined;
  }
}

function variantBytes(entry: CompressedContent): number {
  return (entry.variants.br?.length ?? 0) + (entry.variants.gzip?.length ?? 0);
}

/** Checks `compression` of `serveStatic`: the cache bound in bytes, or undefined when turned off. */
export function resolveCompressionOption(option: CompressionOption): { maxBytes: number } | undefined {
  if (option === undefined || option === true) return { maxBytes: DEFAULT_MAX_BYTES };
  if (option === false) return undefined;
  if (typeof option !== "object" || option === null || Array.isArray(option)) {
    throw new StaticFileError("STATIC_CONFIG", `serveStatic option \`compression\` must be false, true or { maxBytes }; got ${JSON.stringify(option)}.`);
  }
  checkOptionNames(option, ["maxBytes"], "serveStatic `compression`");
  const { maxBytes = DEFAULT_MAX_BYTES } = option;
  if (typeof maxBytes !== "number" || !Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new StaticFileError("STATIC_CONFIG", `serveStatic option \`compression.maxBytes\` must be a positive whole number of bytes (default ${DEFAULT_MAX_BYTES}, 64 MiB; \`compression: false\` turns compression off); got ${JSON.stringify(maxBytes)}.`);
  }
  return { maxBytes };
}
