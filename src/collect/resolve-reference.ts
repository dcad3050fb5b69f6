import { posix } from "node:path";
import { encodePath, hashedPath, splitExtension, withQueryHash } from "../core/names.js";
import type { Mode } from "../core/options.js";

/** What a URL written in a CSS or JS file points at. */
export type ReferenceTarget =
  /** Not a static file of the roots: left alone, never an error. */
  | { readonly kind: "ignored"; readonly why: "empty" | "fragment" | "query" | "scheme" | "host" | "absolute" | "directory" }
  /** A name relative to the roots (normalised, no query or fragment). */
  | { readonly kind: "name"; readonly name: string }
  /** A path that climbs above the roots; it is never read. */
  | { readonly kind: "outside"; readonly path: string };

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Resolves a URL written in the file named `referrer`: relative to that file, or, when it starts
 * with `baseUrl`, relative to the roots. `data:`, any `scheme:`, `//host`, `#id`, an empty URL, a
 * directory and an absolute path outside `baseUrl` are left alone, as Django does.
 */
export function resolveReference(url: string, referrer: string, baseUrl: string): ReferenceTarget {
  if (url === "") return { kind: "ignored", why: "empty" };
  if (url.startsWith("#")) return { kind: "ignored", why: "fragment" };
  if (url.startsWith("?")) return { kind: "ignored", why: "query" };
  const fromBase = baseUrl !== "" && url.startsWith(baseUrl);
  if (!fromBase) {
    if (url.startsWith("//") || url.startsWith("\\\\")) return { kind: "ignored", why: "host" };
    if (SCHEME.test(url)) return { kind: "ignored", why: "scheme" };
    if (url.startsWith("/")) return { kind: "ignored", why: "absolute" };
  }
  const written = pathPart(fromBase ? url.slice(baseUrl.length) : url);
  const last = written.slice(written.lastIndexOf("/") + 1);
  if (last === "" || last === "." || last === "..") return { kind: "ignored", why: "directory" };
  const decoded = decodePercent(written);
  const joined = fromBase ? decoded : posix.join(posix.dirname(referrer), decoded);
  const name = posix.normalize(joined).replace(/^\/+/, "");
  if (name === ".." || name.startsWith("../")) return { kind: "outside", path: name };
  return { kind: "name", name };
}

/**
 * The URL as written with the hash added to its last segment: `../img/a.png?v=1#x` ->
 * `../img/a.<h>.png?v=1#x` (filename mode) or `../img/a.png?v=1&<h>#x` (query mode), where `name`
 * is the file the URL resolved to. Quotes,
 * directory part, query and fragment stay as written; an empty query counts as none (`?#iefix`).
 */
export function hashReference(url: string, name: string, hash: string, mode: Mode): string {
  const path = pathPart(url);
  const rest = url.slice(path.length);
  if (mode === "filename") return hashedLastSegment(path, name, hash) + rest;
  const hashAt = rest.indexOf("#");
  const fragment = hashAt === -1 ? "" : rest.slice(hashAt);
  const query = rest.startsWith("?") ? rest.slice(1, hashAt === -1 ? undefined : hashAt) : undefined;
  return `${path}?${withQueryHash(query, hash)}${fragment}`;
}

/**
 * Filename mode: the hash goes before the extension of the last segment as written (`a%20b.png` ->
 * `a%20b.<h>.png`); when the written segment hides the extension (`a%2Epng`), the segment becomes
 * the file's encoded hashed name.
 */
function hashedLastSegment(path: string, name: string, hash: string): string {
  const slash = path.lastIndexOf("/");
  const [stem, extension] = splitExtension(path.slice(slash + 1));
  const [realStem, realExtension] = splitExtension(name.slice(name.lastIndexOf("/") + 1));
  if (decodePercent(extension) === realExtension && decodePercent(stem) === realStem) return hashedPath(path, hash);
  return path.slice(0, slash + 1) + encodePath(hashedPath(name.slice(name.lastIndexOf("/") + 1), hash));
}

/** The URL without its `?query` and `#fragment`. */
function pathPart(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** Percent-decodes a URL path as browsers and Django do; a malformed escape is kept as written. */
function decodePercent(path: string): string {
  if (!path.includes("%")) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
      try {
        return decodeURIComponent(escape);
      } catch {
        return escape;
      }
    });
  }
}
