// What every source of names shares: the hash cache and its generations, reading one candidate file,
// revalidating a cached one, and the `missing` policy.
import { statSync } from "node:fs";
import { join } from "node:path";
import { StaticFileError } from "./errors.js";
import { INTEGRITY_ALGORITHMS } from "./hash.js";
import { digestFile, type FileDigests } from "../fs/digest.js";
import { FILE_GONE, sameSignature, signatureOf, type FileSignature } from "../fs/signature.js";
import { appendQueryAndFragment, encodePath, type ParsedName } from "./names.js";
import { DEFAULT_CACHE_MAX, type ResolvedOptions } from "./options.js";

/** What the cache keeps for one name: the file it resolved to, its digests, and its signature then. */
export interface CacheEntry {
  readonly file: string;
  /** Index of the root the file was found in (0 for a manifest's stored copy): an earlier root may take over. */
  readonly rootIndex: number;
  readonly signature: FileSignature;
  /** The `algorithm` option of the instance that hashed it: instances sharing a cache may differ. */
  readonly algorithm: string;
  /** Full lowercase hex digest with that algorithm (`""` for a manifest entry). */
  readonly hex: string;
  /** `sha384-…` values already computed, by algorithm. */
  readonly integrity: Map<string, string>;
}

/** Where a name leads: the file found and its hash, or nothing when it is missing. */
export interface Lookup {
  readonly name: ParsedName;
  /** Absolute path of the file (for a manifest, the stored copy in the manifest's folder). */
  readonly file: string | undefined;
  /** The hash as it appears in the URL; `""` when the file is missing or the name is a directory. */
  readonly hash: string;
  readonly url: string;
}

// What a file that exists but cannot be hashed needs, by error code.
const UNREADABLE_FIX: Record<string, string> = {
  EACCES: "give the server's user read access to it, or remove it from the roots",
  EPERM: "give the server's user read access to it, or remove it from the roots",
  EINVAL: "it is not a regular file (a FIFO, socket or device): static files must be regular files",
  EISDIR: "it is a directory: end the name with \"/\" to link to a directory, or name a file in it",
  ELOOP: "it is a symbolic link that loops: fix or remove the link",
  EBUSY: "it changed during every read, so no hash matches its content: try again once it is written",
};

/** The cache, the reads and the `missing` policy of one `StaticFiles`. */
export class FileEntries {
  private generation = 0;
  private readonly warned = new Set<string>();

  constructor(readonly options: ResolvedOptions) {}

  /** Starts a new cache generation: every entry cached so far is forgotten. */
  newGeneration(): number {
    return ++this.generation;
  }
  get currentGeneration(): number {
    return this.generation;
  }

  cached(path: string): CacheEntry | undefined {
    return this.options.cache?.get(this.key(path)) as CacheEntry | undefined;
  }
  remember(path: string, entry: CacheEntry): void {
    this.options.cache?.set(this.key(path), entry);
  }
  forget(path: string): void {
    this.options.cache?.delete(this.key(path));
  }

  private key(path: string): string {
    return `${this.options.keyPrefix}:${this.generation}:${path}`;
  }

  /**
   * Digests one candidate file. `undefined`: it does not exist (or is a directory, noted in `directories`),
   * look further. `null`: it exists but cannot be hashed, handled by the `missing` policy; look no further.
   */
  digest(parsed: ParsedName, file: string, algorithms: readonly string[], rootIndex: number, directories?: string[]): CacheEntry | undefined | null {
    let result;
    try {
      result = digestFile(file, [...new Set(algorithms)]);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (FILE_GONE.has(code)) return undefined;
      if (code === "EISDIR" && directories) {
        directories.push(file);
        return undefined;
      }
      const fix = UNREADABLE_FIX[code] ?? "check the file, or remove it from the roots";
      return this.missing(
        parsed,
        `Static file ${JSON.stringify(parsed.path)} cannot be read at ${file} (${code || (error as Error).message}): ${fix}.`,
        error,
      ) ?? null;
    }
    return cacheEntry(file, rootIndex, this.options.algorithm, result);
  }

  /** With watch: is the cached file still the same file, and still the first root's? */
  unchanged(entry: CacheEntry, parsed: ParsedName): boolean {
    try {
      const stats = statSync(entry.file, { throwIfNoEntry: false });
      if (!stats || !stats.isFile() || !sameSignature(signatureOf(stats), entry.signature)) return false;
      for (let rootIndex = 0; rootIndex < entry.rootIndex; rootIndex++) {
        if (statSync(join(this.options.roots[rootIndex], parsed.path), { throwIfNoEntry: false })?.isFile()) return false;
      }
      return true;
    } catch {
      // Cannot even stat it now (permissions changed): look it up again, which reports why.
      return false;
    }
  }

  /** The `missing` policy: throws under "error", warns once per name under "warn", stays silent under "ignore". */
  missing(parsed: ParsedName, message: string, cause?: unknown): undefined {
    const policy = this.options.missing;
    if (policy === "error") throw new StaticFileError("STATIC_NOT_FOUND", message, { asset: parsed.raw, cause });
    if (policy === "warn" && !this.warned.has(parsed.path)) {
      // Bounded like the cache; with `cache: false` (cacheMax 0) by the default bound, or every warning would clear the set.
      if (this.warned.size >= (this.options.cacheMax || DEFAULT_CACHE_MAX)) this.warned.clear();
      this.warned.add(parsed.path);
      process.emitWarning(message, { type: "StaticFileWarning", code: "STATIC_NOT_FOUND" });
    }
    return undefined;
  }

  /** A missing file under warn/ignore: its URL as written, without a hash. */
  withoutFile(parsed: ParsedName): Lookup {
    return { name: parsed, file: undefined, hash: "", url: appendQueryAndFragment(this.options.baseUrl + encodePath(parsed.path), parsed.query, parsed.fragment) };
  }
}

/** The cache entry of a file digested with `algorithm` (and any integrity algorithms read alongside). */
export function cacheEntry(file: string, rootIndex: number, algorithm: string, result: FileDigests): CacheEntry {
  const hex = result.digests.get(algorithm)?.toString("hex") ?? "";
  const integrity = new Map<string, string>();
  for (const [name, digest] of result.digests) {
    if ((INTEGRITY_ALGORITHMS as readonly string[]).includes(name)) integrity.set(name, `${name}-${digest.toString("base64")}`);
  }
  return { file, rootIndex, signature: result.signature, algorithm, hex, integrity };
}
