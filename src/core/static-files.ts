import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { StaticFileError } from "./errors.js";
import { digestFile, FILE_GONE, INTEGRITY_ALGORITHMS, sameSignature, sameStats, signatureOf, type FileDigests, type FileSignature, type IntegrityAlgorithm } from "./hash.js";
import { readManifest, type Manifest } from "./manifest.js";
import { appendQueryAndFragment, encodePath, hashedPath, hashInQuery, parseName, splitExtension, withQueryHash, type ParsedName } from "./names.js";
import { DEFAULT_CACHE_MAX, resolveOptions, type ResolvedOptions, type StaticFilesOptions } from "./options.js";
import { warmDigests } from "./warm.js";
import { ViteAssets, type ViteTagsOptions } from "../vite.js";

/** What the cache keeps for one name: the file it resolved to, its digests, and its signature then. */
interface CacheEntry {
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

/**
 * Content-hashed URLs for static files: Django's `{% static %}` for Node.
 *
 *     const files = new StaticFiles({ roots: ["static"] });
 *     files.url("css/app.css"); //=> "/static/css/app.css?4e1243"
 */
export class StaticFiles {
  readonly options: ResolvedOptions;
  private generation = 0;
  // Raw name -> URL, for repeated calls with watch off; cleared with the cache.
  private readonly urls: Map<string, string> | undefined;
  private readonly warned = new Set<string>();
  // With the `manifest` option: the manifest read, `undefined` until it is (re)read on next use.
  private manifestData: Manifest | undefined;
  // With the `vite` option: Vite's manifest names and tags (src/vite.ts).
  private readonly vite: ViteAssets | undefined;

  constructor(options?: StaticFilesOptions) {
    this.options = resolveOptions(options);
    const { cache, watch, manifest, vite } = this.options;
    if (cache && !watch) this.urls = new Map();
    if (manifest) this.manifestData = readManifest(manifest);
    if (vite) this.vite = new ViteAssets({ options: this.options, missing: (parsed, message) => this.missing(parsed, message) }, vite);
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
    const entry = this.options.manifest ? this.manifestEntry(parsed, algorithm) : this.fileEntry(parsed, algorithm);
    if (!entry) return "";
    const known = entry.integrity.get(algorithm);
    if (known !== undefined) return known;
    const fresh = this.digest(parsed, entry.file, [this.options.algorithm, algorithm], entry.rootIndex);
    if (fresh === null) return "";
    if (!fresh) {
      this.options.cache?.delete(this.cacheKey(parsed.path));
      return this.missing(parsed, `Static file ${JSON.stringify(parsed.path)} disappeared from ${entry.file} while it was read.`) ?? "";
    }
    const value = fresh.integrity.get(algorithm)!;
    if (sameSignature(fresh.signature, entry.signature)) entry.integrity.set(algorithm, value);
    // Changed since it was hashed: with watch the new content wins; without, the URL keeps its hash until invalidateCache().
    else if (this.options.watch) this.remember(parsed, fresh);
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
    const { baseUrl, mode, accuracy } = this.options;
    if (parsed.directory) {
      const path = parsed.path === "" ? "" : encodePath(parsed.path) + "/";
      return { name: parsed, file: undefined, hash: "", url: appendQueryAndFragment(baseUrl + path, parsed.query, parsed.fragment) };
    }
    const viteFound = this.vite?.lookup(parsed);
    if (viteFound) return viteFound;
    if (this.options.manifest) return this.manifestLookup(parsed);
    const entry = this.fileEntry(parsed);
    if (!entry) return this.withoutFile(parsed);
    const hash = entry.hex.slice(0, accuracy);
    const url =
      mode === "query"
        ? appendQueryAndFragment(baseUrl + encodePath(parsed.path), withQueryHash(parsed.query, hash), parsed.fragment)
        : appendQueryAndFragment(baseUrl + encodePath(hashedPath(parsed.path, hash)), parsed.query, parsed.fragment);
    return { name: parsed, file: entry.file, hash, url };
  }

  /**
   * Forgets every cached hash (the original tag's `invalidate_cache`), and re-reads the manifest on
   * next use. With a name, forgets only that name.
   */
  invalidateCache(name?: string): void {
    this.urls?.clear();
    if (name !== undefined) {
      this.options.cache?.delete(this.cacheKey(parseName(name).path));
      return;
    }
    this.generation++;
    this.manifestData = undefined;
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
    const { cache, roots, algorithm, manifest } = this.options;
    if (manifest) {
      // With a manifest nothing is hashed to render: reading it is the whole warm-up.
      this.currentManifest();
      return 0;
    }
    if (!cache) return 0;
    const generation = this.generation;
    const { targets, unresolved, results } = await warmDigests(roots, names, algorithm);
    // invalidateCache() ran meanwhile: these digests may predate the change it announced.
    if (this.generation !== generation) return 0;
    let hashed = 0;
    targets.forEach((target, index) => {
      const result = results[index];
      if (!result) return unresolved.push(target.path);
      cache.set(this.cacheKey(target.path), cacheEntry(target.file, target.rootIndex, algorithm, result));
      hashed++;
    });
    this.urls?.clear();
    for (const name of unresolved) this.lookup(name);
    return hashed;
  }

  /** The manifest in use, or `undefined` without the `manifest` option. */
  get manifest(): Manifest | undefined {
    return this.options.manifest ? this.currentManifest() : undefined;
  }

  private cacheKey(path: string): string {
    return `${this.options.keyPrefix}:${this.generation}:${path}`;
  }

  private remember(parsed: ParsedName, entry: CacheEntry): void {
    this.options.cache?.set(this.cacheKey(parsed.path), entry);
  }

  /**
   * The cached entry of a name if still valid, else a new one from the first root that has the file.
   * `integrityAlgorithm` is digested in the same read when the file has to be read.
   */
  private fileEntry(parsed: ParsedName, integrityAlgorithm?: IntegrityAlgorithm): CacheEntry | undefined {
    const { cache, watch, roots, algorithm } = this.options;
    const key = cache ? this.cacheKey(parsed.path) : "";
    const cached = cache?.get(key) as CacheEntry | undefined;
    if (cached && this.madeHere(cached, parsed) && (!watch || this.unchanged(cached, parsed))) return cached;
    const algorithms = integrityAlgorithm ? [algorithm, integrityAlgorithm] : [algorithm];
    const directories: string[] = [];
    for (let rootIndex = 0; rootIndex < roots.length; rootIndex++) {
      const found = this.digest(parsed, join(roots[rootIndex], parsed.path), algorithms, rootIndex, directories);
      if (found === null) return undefined;
      if (found) {
        if (cache) cache.set(key, found);
        return found;
      }
    }
    return this.missingFile(parsed, directories);
  }

  /**
   * Digests one candidate file. `undefined`: it does not exist (or is a directory, noted in `directories`),
   * look further. `null`: it exists but cannot be hashed, handled by the `missing` policy; look no further.
   */
  private digest(parsed: ParsedName, file: string, algorithms: readonly string[], rootIndex: number, directories?: string[]): CacheEntry | undefined | null {
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

  /**
   * Whether an entry found under this instance's key is one this instance would have made: a cache
   * shared under one keyPrefix by instances with other roots, algorithm or a manifest may hold another's.
   */
  private madeHere(entry: CacheEntry, parsed: ParsedName): boolean {
    const root = this.options.roots[entry.rootIndex];
    return entry.algorithm === this.options.algorithm && entry.hex !== "" && root !== undefined && entry.file === join(root, parsed.path);
  }

  /** With watch: is the cached file still the same file, and still the first root's? */
  private unchanged(entry: CacheEntry, parsed: ParsedName): boolean {
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

  private missingFile(parsed: ParsedName, directories: readonly string[]): undefined {
    const searched = this.options.roots.map((root) => (existsSync(root) ? root : `${root} (does not exist)`)).join(", ");
    const why = directories.length
      ? `Static file ${JSON.stringify(parsed.path)} is a directory (${directories.join(", ")}), not a file: end the name with "/" to link to a directory, or name a file in it.`
      : `Static file ${JSON.stringify(parsed.path)} was not found; searched ${searched}. Check the name, or add the folder that holds it to \`roots\`.`;
    return this.missing(parsed, why);
  }

  private missing(parsed: ParsedName, message: string, cause?: unknown): undefined {
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
  private withoutFile(parsed: ParsedName): Lookup {
    return { name: parsed, file: undefined, hash: "", url: appendQueryAndFragment(this.options.baseUrl + encodePath(parsed.path), parsed.query, parsed.fragment) };
  }

  private directoryError(parsed: ParsedName, what: string): StaticFileError {
    return new StaticFileError(
      "STATIC_INVALID_NAME",
      `${JSON.stringify(parsed.raw)} names a directory; ${what} needs a file name such as "js/app.js".`,
      { asset: parsed.raw },
    );
  }

  // --- manifest mode: URLs come from staticfiles.json and rendering reads no file ---

  private currentManifest(): Manifest {
    const file = this.options.manifest!;
    if (this.manifestData && this.options.watch) {
      let stats;
      try {
        stats = statSync(file, { throwIfNoEntry: false });
      } catch {
        // Reading it again reports why it cannot be read, as STATIC_MANIFEST.
      }
      if (!stats || !sameSignature(signatureOf(stats), this.manifestData.signature)) this.manifestData = undefined;
    }
    // A read that throws leaves it undefined: the next use tries again.
    return (this.manifestData ??= readManifest(file));
  }

  private manifestLookup(parsed: ParsedName): Lookup {
    const manifest = this.currentManifest();
    const { baseUrl } = this.options;
    const stored = manifest.paths.get(parsed.path);
    if (stored === undefined) {
      this.missing(parsed, `Static file ${JSON.stringify(parsed.path)} is not in the manifest ${this.options.manifest}: run \`static-hash collect\` again after adding it, or check the name.`);
      return this.withoutFile(parsed);
    }
    const queryAt = stored.indexOf("?");
    const storedPath = queryAt === -1 ? stored : stored.slice(0, queryAt);
    const storedQuery = queryAt === -1 ? undefined : stored.slice(queryAt + 1);
    let hash: string;
    let query: string | undefined;
    if (storedQuery !== undefined) {
      hash = hashInQuery(storedQuery);
      query = withQueryHash(parsed.query, storedQuery);
    } else {
      hash = hashInStoredName(parsed.path, storedPath);
      query = parsed.query;
    }
    const clean = this.storedName(parsed, storedPath);
    const file = join(dirname(this.options.manifest!), clean);
    return { name: parsed, file, hash, url: appendQueryAndFragment(baseUrl + encodePath(clean), query, parsed.fragment) };
  }

  /** The normalised path of a manifest value; one that is no file name or climbs out of the manifest's folder is refused. */
  private storedName(parsed: ParsedName, storedPath: string): string {
    let clean: ParsedName;
    try {
      clean = parseName(storedPath);
    } catch (cause) {
      throw new StaticFileError("STATIC_MANIFEST", `The manifest ${this.options.manifest} maps ${JSON.stringify(parsed.path)} to ${JSON.stringify(storedPath)}, which is not a file inside its folder: rewrite it with \`static-hash collect\`.`, { asset: parsed.raw, cause });
    }
    if (clean.directory) {
      throw new StaticFileError("STATIC_MANIFEST", `The manifest ${this.options.manifest} maps ${JSON.stringify(parsed.path)} to ${JSON.stringify(storedPath)}, which is not a file name: rewrite it with \`static-hash collect\`.`, { asset: parsed.raw });
    }
    return clean.path;
  }

  private manifestEntry(parsed: ParsedName, algorithm: IntegrityAlgorithm): CacheEntry | undefined {
    const found = this.manifestLookup(parsed);
    if (!found.file) return undefined;
    const { cache } = this.options;
    const key = this.cacheKey(parsed.path);
    const cached = cache?.get(key) as CacheEntry | undefined;
    if (cached && cached.file === found.file && (!this.options.watch || this.unchanged(cached, parsed))) return cached;
    const entry = this.digest(parsed, found.file, [algorithm], 0);
    if (entry === null) return undefined;
    if (!entry) return this.missing(parsed, `Static file ${JSON.stringify(parsed.path)} is in the manifest ${this.options.manifest} as ${found.file}, which does not exist: run \`static-hash collect\` again.`);
    cache?.set(key, entry);
    return entry;
  }
}

/** The adapters' second argument: a `StaticFiles` to share, or the options to make one from. */
export function staticFilesFrom(filesOrOptions: StaticFiles | StaticFilesOptions | undefined): StaticFiles {
  return filesOrOptions instanceof StaticFiles ? filesOrOptions : new StaticFiles(filesOrOptions);
}

/** The cache entry of a file digested with `algorithm` (and any integrity algorithms read alongside). */
function cacheEntry(file: string, rootIndex: number, algorithm: string, result: FileDigests): CacheEntry {
  const hex = result.digests.get(algorithm)?.toString("hex") ?? "";
  const integrity = new Map<string, string>();
  for (const [name, digest] of result.digests) {
    if ((INTEGRITY_ALGORITHMS as readonly string[]).includes(name)) integrity.set(name, `${name}-${digest.toString("base64")}`);
  }
  return { file, rootIndex, signature: result.signature, algorithm, hex, integrity };
}

/** The hash inside a filename-mode manifest value: `css/app.4e1243.css` for `css/app.css` -> `4e1243`. */
function hashInStoredName(original: string, stored: string): string {
  const [stem, extension] = splitExtension(original.slice(original.lastIndexOf("/") + 1));
  const base = stored.slice(stored.lastIndexOf("/") + 1);
  if (base.length > stem.length + extension.length + 1 && base.startsWith(stem + ".") && base.endsWith(extension)) {
    return base.slice(stem.length + 1, base.length - extension.length);
  }
  return "";
}
