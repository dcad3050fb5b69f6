// Names looked up in a staticfiles.json: URLs come from the manifest and rendering reads no file.
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CacheEntry, FileEntries, Lookup } from "./file-entries.js";
import type { IntegrityAlgorithm } from "./hash.js";
import { sameSignature, signatureOf } from "../fs/signature.js";
import { readManifest, storedName, type Manifest } from "./manifest.js";
import type { NameSource } from "./name-source.js";
import { appendQueryAndFragment, encodePath, withQueryHash, type ParsedName } from "./names.js";

export class ManifestSource implements NameSource {
  // The manifest read, `undefined` until it is (re)read on next use.
  private data: Manifest | undefined;
  private readonly folder: string;

  constructor(private readonly entries: FileEntries, private readonly file: string) {
    this.folder = dirname(file);
    this.data = readManifest(file);
  }

  get manifest(): Manifest {
    const { file } = this;
    if (this.data && this.entries.options.watch) {
      let stats;
      try {
        stats = statSync(file, { throwIfNoEntry: false });
      } catch {
        // Reading it again reports why it cannot be read, as STATIC_MANIFEST.
      }
      if (!stats || !sameSignature(signatureOf(stats), this.data.signature)) this.data = undefined;
    }
    // A read that throws leaves it undefined: the next use tries again.
    return (this.data ??= readManifest(file));
  }

  lookup(parsed: ParsedName): Lookup {
    const stored = storedName(this.manifest, parsed.path, parsed.raw);
    if (stored === undefined) {
      this.entries.missing(parsed, `Static file ${JSON.stringify(parsed.path)} is not in the manifest ${this.file}: run \`static-hash collect\` again after adding it, or check the name.`);
      return this.entries.withoutFile(parsed);
    }
    // A query-mode value carries its query (the hash) into the URL, merged with the name's own.
    const query = stored.query === undefined ? parsed.query : withQueryHash(parsed.query, stored.query);
    const url = appendQueryAndFragment(this.entries.options.baseUrl + encodePath(stored.file), query, parsed.fragment);
    return { name: parsed, file: join(this.folder, stored.file), hash: stored.hash, url };
  }

  entry(parsed: ParsedName, algorithm: IntegrityAlgorithm): CacheEntry | undefined {
    const found = this.lookup(parsed);
    if (!found.file) return undefined;
    const cached = this.entries.cached(parsed.path);
    if (cached && cached.file === found.file && (!this.entries.options.watch || this.entries.unchanged(cached, parsed))) return cached;
    const entry = this.entries.digest(parsed, found.file, [algorithm], 0);
    if (entry === null) return undefined;
    if (!entry) return this.entries.missing(parsed, `Static file ${JSON.stringify(parsed.path)} is in the manifest ${this.file} as ${found.file}, which does not exist: run \`static-hash collect\` again.`);
    this.entries.remember(parsed.path, entry);
    return entry;
  }

  async warm(): Promise<{ hashed: number; unresolved: string[] }> {
    // Nothing is hashed to render: reading the manifest is the whole warm-up.
    void this.manifest;
    return { hashed: 0, unresolved: [] };
  }

  reset(): void {
    this.data = undefined;
  }
}
