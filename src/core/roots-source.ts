// Names looked up in the roots, first root wins: each file hashed when first asked for (or by warm()).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cacheEntry, type CacheEntry, type FileEntries, type Lookup } from "./file-entries.js";
import type { IntegrityAlgorithm } from "./hash.js";
import type { NameSource } from "./name-source.js";
import { appendQueryAndFragment, encodePath, hashedPath, withQueryHash, type ParsedName } from "./names.js";
import { warmDigests } from "./warm.js";

export class RootsSource implements NameSource {
  readonly manifest = undefined;

  constructor(private readonly entries: FileEntries) {}

  lookup(parsed: ParsedName): Lookup {
    const { baseUrl, mode, accuracy } = this.entries.options;
    const entry = this.fileEntry(parsed);
    if (!entry) return this.entries.withoutFile(parsed);
    const hash = entry.hex.slice(0, accuracy);
    const url =
      mode === "query"
        ? appendQueryAndFragment(baseUrl + encodePath(parsed.path), withQueryHash(parsed.query, hash), parsed.fragment)
        : appendQueryAndFragment(baseUrl + encodePath(hashedPath(parsed.path, hash)), parsed.query, parsed.fragment);
    return { name: parsed, file: entry.file, hash, url };
  }

  entry(parsed: ParsedName, integrityAlgorithm: IntegrityAlgorithm): CacheEntry | undefined {
    return this.fileEntry(parsed, integrityAlgorithm);
  }

  async warm(names: Iterable<string> | undefined): Promise<{ hashed: number; unresolved: string[] }> {
    const { cache, roots, algorithm } = this.entries.options;
    if (!cache) return { hashed: 0, unresolved: [] };
    const generation = this.entries.currentGeneration;
    const { targets, unresolved, results } = await warmDigests(roots, names, algorithm);
    // invalidateCache() ran meanwhile: these digests may predate the change it announced.
    if (this.entries.currentGeneration !== generation) return { hashed: 0, unresolved: [] };
    let hashed = 0;
    targets.forEach((target, index) => {
      const result = results[index];
      if (!result) return unresolved.push(target.path);
      this.entries.remember(target.path, cacheEntry(target.file, target.rootIndex, algorithm, result));
      hashed++;
    });
    return { hashed, unresolved };
  }

  reset(): void {}

  /**
   * The cached entry of a name if still valid, else a new one from the first root that has the file.
   * `integrityAlgorithm` is digested in the same read when the file has to be read.
   */
  private fileEntry(parsed: ParsedName, integrityAlgorithm?: IntegrityAlgorithm): CacheEntry | undefined {
    const { cache, watch, roots, algorithm } = this.entries.options;
    const cached = this.entries.cached(parsed.path);
    if (cached && this.madeHere(cached, parsed) && (!watch || this.entries.unchanged(cached, parsed))) return cached;
    const algorithms = integrityAlgorithm ? [algorithm, integrityAlgorithm] : [algorithm];
    const directories: string[] = [];
    for (let rootIndex = 0; rootIndex < roots.length; rootIndex++) {
      const found = this.entries.digest(parsed, join(roots[rootIndex], parsed.path), algorithms, rootIndex, directories);
      if (found === null) return undefined;
      if (found) {
        if (cache) this.entries.remember(parsed.path, found);
        return found;
      }
    }
    return this.missingFile(parsed, directories);
  }

  /**
   * Whether an entry found under this instance's key is one this instance would have made: a cache
   * shared under one keyPrefix by instances with other roots, algorithm or a manifest may hold another's.
   */
  private madeHere(entry: CacheEntry, parsed: ParsedName): boolean {
    const root = this.entries.options.roots[entry.rootIndex];
    return entry.algorithm === this.entries.options.algorithm && entry.hex !== "" && root !== undefined && entry.file === join(root, parsed.path);
  }

  private missingFile(parsed: ParsedName, directories: readonly string[]): undefined {
    const searched = this.entries.options.roots.map((root) => (existsSync(root) ? root : `${root} (does not exist)`)).join(", ");
    const why = directories.length
      ? `Static file ${JSON.stringify(parsed.path)} is a directory (${directories.join(", ")}), not a file: end the name with "/" to link to a directory, or name a file in it.`
      : `Static file ${JSON.stringify(parsed.path)} was not found; searched ${searched}. Check the name, or add the folder that holds it to \`roots\`.`;
    return this.entries.missing(parsed, why);
  }
}
