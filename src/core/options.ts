import { resolve } from "node:path";
import { LRUCache } from "lru-cache";
import { booleanOption, checkOptionNames, configError, oneOf, optionError, show } from "./check-options.js";
import { HASH_ALGORITHMS, type HashAlgorithm } from "./hash.js";
import { resolveViteOptions, type ResolvedViteOptions, type ViteOptions } from "../vite.js";

export type Mode = "query" | "filename";
export type MissingPolicy = "error" | "warn" | "ignore";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SharedCache = LRUCache<any, any, any>;
/** The calls StaticFiles makes on a shared cache: typed by shape, so lru-cache's CommonJS build (a different class to TypeScript) fits too. */
export interface CacheStore {
  get(key: string): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  set(key: string, value: any): unknown;
  delete(key: string): unknown;
}

/** Options of `new StaticFiles(options)`; every one is optional. */
export interface StaticFilesOptions {
  /** Folders searched in order for a name; the first match wins. Default `["static"]`, relative to the working directory. */
  roots?: string | readonly string[];
  /** Prefix of every URL (Django's STATIC_URL), a path or a CDN origin. Default `"/static/"`. */
  baseUrl?: string;
  /** Hash characters in the URL, a positive integer; more than the digest has means all of it. Default 6. */
  accuracy?: number;
  /** Digest of the file's bytes. Default `"sha1"`. */
  algorithm?: HashAlgorithm;
  /** `"query"`: `app.css?<h>`; `"filename"`: `app.<h>.css`. Default `"query"`. */
  mode?: Mode;
  /** Path of a `staticfiles.json`; URLs then come from it and rendering reads no file. */
  manifest?: string;
  /** Bound of the hash cache (`{ max }`), `false` to hash on every call, or an `LRUCache` shared by several instances. Default `{ max: 10000 }`. */
  cache?: { max: number; [option: string]: unknown } | false | SharedCache | CacheStore;
  /** Prefix of cache keys, to keep instances that share a cache apart. Default `"staticfiles_hash"`. */
  keyPrefix?: string;
  /** Revalidate cached hashes by file stat, so an edit shows on the next render. Default: `NODE_ENV !== "production"`. */
  watch?: boolean;
  /** What a missing file does: throw, warn once and print the URL without a hash, or the latter silently. Default `"error"`. */
  missing?: MissingPolicy;
  /** Vite's manifest (`{ manifest: "dist/.vite/manifest.json" }`) or dev server (`{ devServer: "http://localhost:5173" }`): see docs/vite.md. */
  vite?: ViteOptions;
}

export interface ResolvedOptions {
  readonly roots: readonly string[];
  readonly baseUrl: string;
  readonly accuracy: number;
  readonly algorithm: HashAlgorithm;
  readonly mode: Mode;
  readonly manifest: string | undefined;
  readonly cache: SharedCache | undefined;
  readonly cacheMax: number;
  readonly keyPrefix: string;
  readonly watch: boolean;
  readonly missing: MissingPolicy;
  readonly vite: ResolvedViteOptions | undefined;
}

export const DEFAULT_CACHE_MAX = 10_000;
/** The options of `new StaticFiles()`. */
export const OPTION_NAMES: readonly string[] = ["roots", "baseUrl", "accuracy", "algorithm", "mode", "manifest", "cache", "keyPrefix", "watch", "missing", "vite"];

/** Checks every option and fills in the defaults; a bad option is a `STATIC_CONFIG` error saying what to fix. */
export function resolveOptions(options: StaticFilesOptions | undefined): ResolvedOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object" || Array.isArray(options)) {
    throw configError(`StaticFiles options must be an object such as { roots: ["static"] }; got ${show(options)}.`);
  }
  checkOptionNames(options, OPTION_NAMES);
  const o = options as Record<string, unknown>;

  let roots: readonly string[];
  if (o.roots === undefined) roots = ["static"];
  else if (typeof o.roots === "string") roots = [o.roots];
  else if (Array.isArray(o.roots)) roots = o.roots;
  else throw optionError("roots", `must be an array of folder paths such as ["static"]; got ${show(o.roots)}.`);
  if (roots.length === 0) throw configError('Option `roots` is empty: give at least one folder, such as ["static"].');
  for (const root of roots) {
    if (typeof root !== "string" || root.length === 0 || root.includes("\0")) {
      throw optionError("roots", `must hold folder paths (non-empty strings); got ${show(root)}.`);
    }
  }

  let baseUrl = o.baseUrl === undefined ? "/static/" : o.baseUrl;
  if (typeof baseUrl !== "string") throw optionError("baseUrl", `must be a string such as "/static/"; got ${show(baseUrl)}.`);
  if (/[?#\s"'<>`]/.test(baseUrl)) {
    throw optionError("baseUrl", `must be a plain URL prefix such as "/static/" or "https://cdn.example.com/static/", without a query, fragment, quote or space; got ${show(baseUrl)}.`);
  }
  // Django insists on the trailing slash; adding it is friendlier than refusing.
  if (baseUrl !== "" && !baseUrl.endsWith("/")) baseUrl += "/";

  let accuracy = o.accuracy === undefined ? 6 : o.accuracy;
  if (typeof accuracy !== "number" || !(Number.isInteger(accuracy) || accuracy === Infinity) || accuracy < 1) {
    throw optionError("accuracy", `must be a positive integer (the number of hash characters in the URL, default 6); got ${show(accuracy)}.`);
  }
  const hashLength = Math.min(accuracy as number, 1024);

  const algorithm = oneOf("algorithm", o.algorithm, HASH_ALGORITHMS, "sha1");
  const mode = oneOf<Mode>("mode", o.mode, ["query", "filename"], "query");
  const missing = oneOf<MissingPolicy>("missing", o.missing, ["error", "warn", "ignore"], "error");

  if (o.manifest !== undefined && (typeof o.manifest !== "string" || o.manifest.length === 0)) {
    throw optionError("manifest", `must be the path of a staticfiles.json; got ${show(o.manifest)}.`);
  }

  const keyPrefix = o.keyPrefix === undefined ? "staticfiles_hash" : o.keyPrefix;
  if (typeof keyPrefix !== "string") throw optionError("keyPrefix", `must be a string; got ${show(keyPrefix)}.`);

  const watch = booleanOption("watch", o.watch, process.env.NODE_ENV !== "production");

  let cache: SharedCache | undefined;
  let cacheMax = 0;
  const c = o.cache;
  if (c === false) cache = undefined;
  else if (c instanceof LRUCache || (typeof c === "object" && c !== null && typeof (c as SharedCache).get === "function" && typeof (c as SharedCache).set === "function" && typeof (c as SharedCache).delete === "function")) {
    cache = c as SharedCache;
    cacheMax = Number((c as { max?: unknown }).max) || DEFAULT_CACHE_MAX;
  } else if (c === undefined || (typeof c === "object" && c !== null && !Array.isArray(c))) {
    const settings = { max: DEFAULT_CACHE_MAX, ...(c as object | undefined) } as { max: unknown };
    if (typeof settings.max !== "number" || !Number.isInteger(settings.max) || settings.max < 1) {
      throw optionError("cache.max", `must be a positive integer (how many hashes to keep); got ${show(settings.max)}. Use \`cache: false\` to turn caching off.`);
    }
    cacheMax = settings.max;
    try {
      cache = new LRUCache(settings as { max: number });
    } catch (cause) {
      throw optionError("cache", `holds settings lru-cache refuses (${(cause as Error).message}): fix them, or pass only { max }.`, cause);
    }
  } else {
    throw optionError("cache", `must be { max: <number> }, false, or an LRUCache instance; got ${show(c)}.`);
  }

  return {
    roots: roots.map((root) => resolve(root)),
    baseUrl,
    accuracy: hashLength,
    algorithm,
    mode,
    manifest: o.manifest === undefined ? undefined : resolve(o.manifest as string),
    cache,
    cacheMax,
    keyPrefix,
    watch,
    missing,
    vite: resolveViteOptions(o.vite, (path) => resolve(path)),
  };
}
