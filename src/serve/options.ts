import { booleanOption, checkOptionNames, configError, optionError, show } from "../core/check-options.js";
import type { CompressionOption } from "./compression-cache.js";

/** Options every server adapter takes (each adapter may add its own, such as `prefix`). */
export interface ServeOptions {
  /** Hand 4xx requests (missing file, refused path, other methods) to the next handler instead of answering them. Default `true`, as serve-static. */
  fallthrough?: boolean;
  /** `max-age` of immutable responses, in milliseconds (as serve-static). Default and maximum: one year. */
  maxAge?: number;
  /** Only `false`, accepted for serve-static users: directories and index files are never served. */
  index?: false;
  /**
   * Negotiated `br`/`gzip` (default on): a collect output's precompressed siblings, or, serving the roots,
   * variants made once per content and kept in memory up to `maxBytes` (default 64 MiB). `false` turns it off.
   */
  compression?: CompressionOption;
}

export interface ResolvedServeOptions {
  readonly fallthrough: boolean;
  readonly maxAgeSeconds: number;
}

export const IMMUTABLE_MAX_AGE = 31_536_000_000;
const OPTION_NAMES = ["fallthrough", "maxAge", "index", "compression"];

/** Checks the options of `what` (`serveStatic`, say); `extra` names the adapter's own options, checked by it. */
export function resolveServeOptions(options: ServeOptions, what = "serveStatic", extra: readonly string[] = []): ResolvedServeOptions {
  if (typeof options !== "object" || options === null) {
    throw configError(`${what}(files, options): options must be an object such as { fallthrough: false }.`);
  }
  checkOptionNames(options, [...OPTION_NAMES, ...extra], what);
  const { maxAge = IMMUTABLE_MAX_AGE, index = false } = options;
  if (index !== false) {
    throw optionError("index", `can only be false, as it never serves directories or index files; got ${show(index)}. Add a route for the page instead.`, undefined, configError, what);
  }
  const fallthrough = booleanOption("fallthrough", options.fallthrough, true, configError, what);
  if (typeof maxAge !== "number" || !Number.isFinite(maxAge) || maxAge < 0) {
    throw optionError("maxAge", `must be a number of milliseconds, 0 to one year; got ${show(maxAge)}.`, undefined, configError, what);
  }
  return { fallthrough, maxAgeSeconds: Math.floor(Math.min(maxAge, IMMUTABLE_MAX_AGE) / 1000) };
}
