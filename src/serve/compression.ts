/**
 * The compression step of serving: once the file and the proof of its hash are known, picks the
 * encoding for the request and finds the variant to send. Collected output: the `.br`/`.gz` siblings
 * that `collect --compress` wrote. Roots: the compression cache (a sibling in a root is an ordinary file).
 */
import { open, type FileHandle } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join } from "node:path";
import { ENCODINGS, isCompressible, VARIANT_SUFFIX, type Encoding } from "../core/compressible.js";
import { sameSignature, signatureOf } from "../fs/signature.js";
import type { ContentDigest, ContentDigests } from "./content-digest.js";
import { CompressionCache, resolveCompressionOption, type CompressionOption } from "./compression-cache.js";
import type { HeaderReader } from "./conditional.js";
import { chooseEncoding, refusesIdentity } from "./negotiate.js";

/** The file a request resolved to, as the serving core knows it. */
export interface ServedFile {
  readonly root: string;
  readonly name: string;
  /** The identity file's stat, taken when the request was resolved. */
  readonly stats: Stats;
}

/** A compressed representation to send instead of the identity bytes. */
export interface Variant {
  readonly encoding: Encoding;
  /** Bytes in memory (roots), or an open file (collected output) that the sender closes. */
  readonly body: Buffer | { readonly handle: FileHandle; readonly size: number };
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  /** True when the hash in the URL is proven for the identity bytes this variant was made from. */
  readonly immutable: boolean;
  /** The identity file's name, for its Content-Type. */
  readonly name: string;
}

/** What the compression step decided: send `variant`, or identity (with `Vary` when compressible), or 406. */
export type EncodingDecision =
  | { readonly kind: "identity"; readonly vary: boolean }
  | { readonly kind: "variant"; readonly variant: Variant }
  | { readonly kind: "not-acceptable" };

const IDENTITY: EncodingDecision = { kind: "identity", vary: false };
const IDENTITY_VARY: EncodingDecision = { kind: "identity", vary: true };

/**
 * Negotiated compression for one `serveStatic`: `collected` says whether the files are a collect
 * output (variants trusted from disk) or roots (variants made in memory, once per content digest).
 */
export class Compression {
  /** Roots mode only: the variants made so far. */
  readonly cache: CompressionCache | undefined;

  private constructor(
    private readonly collected: boolean,
    private readonly digests: ContentDigests,
    maxBytes: number,
    algorithm: string,
  ) {
    this.cache = collected ? undefined : new CompressionCache(maxBytes, algorithm);
  }

  /** Undefined when `option` is `false`; a bad option is `STATIC_CONFIG`. */
  static create(option: CompressionOption, collected: boolean, digests: ContentDigests, algorithm: string): Compression | undefined {
    const resolved = resolveCompressionOption(option);
    return resolved && new Compression(collected, digests, resolved.maxBytes, algorithm);
  }

  /**
   * The encoding for the request whose headers are `headers`, and `file`. `proof` is what the serving core proved for the URL's hash
   * (the identity bytes' digest, "trusted" for a collected hashed name, or undefined); a variant is
   * immutable only when made from those bytes. A `Range` request is answered from identity.
   */
  async decide(headers: HeaderReader, file: ServedFile, proof: ContentDigest | "trusted" | undefined): Promise<EncodingDecision> {
    if (!isCompressible(file.name)) return IDENTITY;
    const header = headers("accept-encoding");
    if (header === undefined || headers("range") !== undefined) return IDENTITY_VARY;
    const found = this.collected ? await this.#fromDisk(header, file, proof) : await this.#fromCache(header, file, proof);
    if (found) return { kind: "variant", variant: found };
    return refusesIdentity(header) ? { kind: "not-acceptable" } : IDENTITY_VARY;
  }

  /** Collected output: the best sibling the client accepts that was written from this very file. */
  async #fromDisk(header: string, file: ServedFile, proof: ContentDigest | "trusted" | undefined): Promise<Variant | undefined> {
    const available: Encoding[] = [...ENCODINGS];
    for (;;) {
      const choice = chooseEncoding(header, available);
      if (choice === undefined || choice === "identity") return undefined;
      available.splice(available.indexOf(choice), 1);
      const handle = await open(join(file.root, file.name + VARIANT_SUFFIX[choice]), "r").catch(() => undefined);
      if (!handle) continue;
      const stats = await handle.stat().catch(() => undefined);
      // collect gives a variant its file's mtime: another mtime means the file changed since, unless the name is content-addressed.
      if (stats?.isFile() && (proof === "trusted" || Math.floor(stats.mtimeMs) === Math.floor(file.stats.mtimeMs))) {
        const immutable = proof === "trusted" || (proof !== undefined && sameSignature(signatureOf(file.stats), proof.signature));
        const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}-${choice}"`;
        return { encoding: choice, body: { handle, size: stats.size }, size: stats.size, etag, lastModified: file.stats.mtime, immutable, name: file.name };
      }
      await handle.close();
    }
  }

  /** Roots: the cached variants of the file's current content; if not made yet, starts making them and answers identity. */
  async #fromCache(header: string, file: ServedFile, proof: ContentDigest | "trusted" | undefined): Promise<Variant | undefined> {
    const cache = this.cache!;
    const path = join(file.root, file.name);
    const digest = proof !== undefined && proof !== "trusted" ? proof : await this.digests.of(path, signatureOf(file.stats));
    let content = cache.get(digest.hex);
    if (!content) {
      const making = cache.prepare(path, digest.hex, file.stats.size);
      // Identity refused: this client waits for the variant; everyone else gets identity now.
      if (!refusesIdentity(header)) return undefined;
      content = await making;
      if (!content) return undefined;
    }
    const choice = chooseEncoding(header, ENCODINGS.filter((encoding) => content.variants[encoding] !== undefined));
    if (choice === undefined || choice === "identity") return undefined;
    const body = content.variants[choice]!;
    const immutable = proof !== undefined && proof !== "trusted" && proof.hex === content.hex;
    return { encoding: choice, body, size: body.length, etag: `"${content.hex.slice(0, 27)}-${choice}"`, lastModified: file.stats.mtime, immutable, name: file.name };
  }
}
