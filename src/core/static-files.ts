import { StaticFileError } from "./errors.js";
import { FileEntries, type Lookup } from "./file-entries.js";
import { INTEGRITY_ALGORITHMS, type IntegrityAlgorithm } from "./hash.js";
import { sameSignature, sameStats } from "../fs/signature.js";
import { storedName, type Manifest, type StoredName } from "./manifest.js";
import { ManifestSource } from "./manifest-source.js";
import type { NameSource } from "./name-source.js";
import { appendQueryAndFragment, encodePath, parseName, type ParsedName } from "./names.js";
import { resolveOptions, type ResolvedOptions, type StaticFilesOptions } from "./options.js";
import { RootsSource } from "./roots-source.js";
import { ViteAssets, type ViteTagsOptions } from "../vite.js";

export type { Lookup } from "./file-entries.js";

/**
 * Content-hashed URLs for static files: Django's `{% static %}` for Node.
 *
 *     const files = new StaticFiles({ roots: ["static"] });
 *     files.url("css/app.css"); //=> "/static/css/app.css?4e1243"
 */
export class StaticFiles {
  readonly options: ResolvedOptions;
  // Raw name -> URL, for repeated calls with watch off; cleared with the cache.
  private readonly urls: Map<string, string> | undefined;
  private readonly entries: FileEntries;
  // Chosen once: the roots, or the manifest given as `manifest`.
  private readonly source: NameSource;
  // With the `vite` option: Vite's manifest names and tags (src/vite.ts), asked before the source.
  private readonly vite: ViteAssets | undefined;

  constructor(options?: StaticFilesOptions) {
    this.options = resolveOptions(options);
    const { cache, watch, manifest, vite } = this.options;
    if (cache && !watch) this.urls = new Map();
    this.entries = new FileEntries(this.options);
    this.source = manifest ? new ManifestSource(this.entries, manifest) : new RootsSource(this.entries);
    if (vite) this.vite = new ViteAssets({ options: this.options, missing: (parsed, message) => this.entries.missing(parsed, message) }, vite);
  }

  get roots(): readonly string[] {
    return this.options.roots;
  }
  get baseUrl(): string {
    return this.options.baseUrl;
  }
  get mode(): ResolvedOptions["mode"] {
    return this.options.mode;
  }

  /** The URL of a static file, with its content hash: `/static/css/app.css?4e1243`. */
  url(name: string): string {
    const known = this.urls?.get(name);
    if (known !== undefined) return known;
    const found = this.lookup(name);
    if (this.urls && found.hash !== "") {
      if (this.urls.size >= this.options.cacheMax) this.urls.clear();
      this.urls.set(name, found.url);
    }
    return found.url;
  }

  /** The hash that `url()` puts in the URL (`"4e1243"`); `""` for a missing file under warn/ignore. */
  hash(name: string): string {
    return this.lookup(name).hash;
  }

  /**
   * The Subresource Integrity value of the bytes the browser receives: `sha384-<base64>`.
   * `""` for a missing file under warn/ignore.
   */
  integrity(name: string, algorithm: IntegrityAlgorithm = "sha384"): string {
    if (!(INTEGRITY_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new StaticFileError(
        "STATIC_CONFIG",
        `Integrity algorithm must be one of ${INTEGRITY_ALGORITHMS.join(", ")} (what browsers accept); got ${JSON.stringify(algorithm)}.`,
        { asset: typeof name === "string" ? name : undefined },
      );
    }
    const parsed = parseName(name);
    if (parsed.directory) throw this.directoryError(parsed, "integrity");
    const viteFound = this.vite?.lookup(parsed);
    if (viteFound) return viteFound.file ? this.vite!.integrityOf(viteFound.file, algorithm) : "";
    const entry = this.source.entry(parsed, algorithm);
    if (!entry) return "";
    const known = entry.integrity.get(algorithm);
    if (known !== undefined) return known;
    const fresh = this.entries.digest(parsed, entry.file, [this.options.algorithm, algorithm], entry.rootIndex);
    if (fresh === null) return "";
    if (!fresh) {
      this.entries.forget(parsed.path);
      return this.entries.missing(parsed, `Static file ${JSON.stringify(parsed.path)} disappeared from ${entry.file} while it was read.`) ?? "";
    }
    const value = fresh.integrity.get(algorithm)!;
    if (sameSignature(fresh.signature, entry.signature)) entry.integrity.set(algorithm, value);
    // Changed since it was hashed: with watch the new content wins; without, the URL keeps its hash until invalidateCache().
    else if (this.options.watch) this.entries.remember(parsed.path, fresh);
    else if (sameStats(fresh.signature, entry.signature)) entry.integrity.set(algorithm, value);
    return value;
  }

  /** Absolute path of the file a name leads to (the first root that has it), or `undefined` when missing. */
  filePath(name: string): string | undefined {
    return this.lookup(name).file;
  }

  /** Everything about a name at once: its parsed form, file, hash and URL. */
  lookup(name: string): Lookup {
    const parsed = parseName(name);
    if (parsed.directory) {
      const path = parsed.path === "" ? "" : encodePath(parsed.path) + "/";
      return { name: parsed, file: undefined, hash: "", url: appendQueryAndFragment(this.options.baseUrl + path, parsed.query, parsed.fragment) };
    }
    return this.vite?.lookup(parsed) ?? this.source.lookup(parsed);
  }

  /**
   * What the manifest in use stores for a name (`css/app.css?4e1243` -> file `css/app.css`, hash
   * `4e1243`), or `undefined` when there is no manifest or the name is not in it. A stored value that
   * names no file inside the manifest's folder is a `STATIC_MANIFEST` error.
   */
  storedName(name: string): StoredName | undefined {
    const manifest = this.source.manifest;
    return manifest && storedName(manifest, parseName(name).path, name);
  }

  /**
   * Forgets every cached hash (the original tag's `invalidate_cache`), and re-reads the manifest on
   * next use. With a name, forgets only that name.
   */
  invalidateCache(name?: string): void {
    this.urls?.clear();
    if (name !== undefined) {
      this.entries.forget(parseName(name).path);
      return;
    }
    this.entries.newGeneration();
    this.source.reset();
    this.vite?.invalidate();
  }

  /**
   * The HTML that loads a Vite entry (`"src/main.ts"`): a stylesheet link for each CSS file of the entry
   * and of the chunks it imports, its module script, a modulepreload for each chunk it imports. With
   * `vite.devServer`: the dev server's `@vite/client` and the entry. Needs the `vite` option.
   */
  viteTags(entry: string, options?: ViteTagsOptions): string {
    if (!this.vite) {
      throw new StaticFileError("STATIC_CONFIG", 'viteTags needs the `vite` option: new StaticFiles({ roots: ["static", "dist"], vite: { manifest: "dist/.vite/manifest.json" } }).', { asset: typeof entry === "string" ? entry : undefined });
    }
    return this.vite.tags(entry, options);
  }

  /**
   * Whether a served path (relative to the roots, or to a manifest's folder) is a file Vite's manifest lists:
   * Vite put its content hash in the name, so servers may mark it immutable. False without the `vite` option.
   */
  isViteFile(path: string): boolean {
    return this.vite?.isBuiltFile(path) ?? false;
  }

  /**
   * Hashes every file of the roots (or only `names`) in worker threads, one per core, and fills the
   * cache with what `url()` would compute, so later calls read no file for them. Resolves to the
   * number of files hashed. A name that cannot be hashed is reported as `url()` reports it.
   */
  async warm(names?: Iterable<string>): Promise<number> {
    const { hashed, unresolved } = await this.source.warm(names);
    this.urls?.clear();
    for (const name of unresolved) this.lookup(name);
    return hashed;
  }

  /** The manifest in use, or `undefined` without the `manifest` option. */
  get manifest(): Manifest | undefined {
    return this.source.manifest;
  }

  private directoryError(parsed: ParsedName, what: string): StaticFileError {
    return new StaticFileError(
      "STATIC_INVALID_NAME",
      `${JSON.stringify(parsed.raw)} names a directory; ${what} needs a file name such as "js/app.js".`,
      { asset: parsed.raw },
    );
  }
}

/** The adapters' second argument: a `StaticFiles` to share, or the options to make one from. */
export function staticFilesFrom(filesOrOptions: StaticFiles | StaticFilesOptions | undefined): StaticFiles {
  return filesOrOptions instanceof StaticFiles ? filesOrOptions : new StaticFiles(filesOrOptions);
}

