// Where the names of a StaticFiles lead: the files of the roots, or a manifest written by collect.
// StaticFiles picks one in its constructor; another kind of name (a bundler's manifest) is one more.
import type { CacheEntry, Lookup } from "./file-entries.js";
import type { IntegrityAlgorithm } from "./hash.js";
import type { Manifest } from "./manifest.js";
import type { ParsedName } from "./names.js";

export interface NameSource {
  /** The file, hash and URL of a name that is not a directory (a missing one follows the `missing` policy). */
  lookup(parsed: ParsedName): Lookup;
  /** The entry `integrity()` starts from, its file digested with `integrityAlgorithm` too when it must be read. */
  entry(parsed: ParsedName, integrityAlgorithm: IntegrityAlgorithm): CacheEntry | undefined;
  /** Fills the cache ahead of rendering; resolves to the files hashed and the names `lookup` should report. */
  warm(names: Iterable<string> | undefined): Promise<{ hashed: number; unresolved: string[] }>;
  /** `invalidateCache()` was called: drop what the source keeps besides the cache. */
  reset(): void;
  /** The manifest in use, if this source has one. */
  readonly manifest: Manifest | undefined;
}
