import { StaticFileError, describeValue } from "./errors.js";

/** A name split into its parts: the normalised path, and the query and fragment as written. */
export interface ParsedName {
  /** The name as asked for. */
  readonly raw: string;
  /** Normalised `/`-separated path relative to the roots, no leading `/`; `""` is the roots themselves. */
  readonly path: string;
  /** True when the name ends in `/`: a directory, never hashed or looked up. */
  readonly directory: boolean;
  /** The query without its `?`; `undefined` when the name has no `?`, `""` for a bare `?`. */
  readonly query: string | undefined;
  /** The fragment without its `#`; `undefined` when the name has no `#`. */
  readonly fragment: string | undefined;
}

/**
 * Splits a name into path, query and fragment and normalises the path: a leading `/` is ignored,
 * `\` counts as `/`, `.` and `..` segments are resolved. Refuses what is not a usable name.
 */
export function parseName(name: unknown): ParsedName {
  if (typeof name !== "string") {
    throw new StaticFileError("STATIC_INVALID_NAME", `A static file name must be a string, got ${describeValue(name)}.`);
  }
  if (name.length === 0) {
    throw new StaticFileError("STATIC_INVALID_NAME", 'A static file name must not be empty: pass a path such as "css/app.css".', {
      asset: name,
    });
  }
  if (name.includes("\0")) {
    throw new StaticFileError("STATIC_INVALID_NAME", `The static file name ${JSON.stringify(name)} contains a NUL byte: remove it.`, {
      asset: name,
    });
  }
  // A lone surrogate has no UTF-8 form: it can name no file and no URL can carry it.
  if (LONE_SURROGATE.test(name)) {
    throw new StaticFileError("STATIC_INVALID_NAME", `The static file name ${JSON.stringify(name)} is not well-formed Unicode (it holds a lone surrogate): fix how it was built.`, {
      asset: name,
    });
  }
  let rest = name;
  let fragment: string | undefined;
  let query: string | undefined;
  const hashAt = rest.indexOf("#");
  if (hashAt !== -1) {
    fragment = rest.slice(hashAt + 1);
    rest = rest.slice(0, hashAt);
  }
  const queryAt = rest.indexOf("?");
  if (queryAt !== -1) {
    query = rest.slice(queryAt + 1);
    rest = rest.slice(0, queryAt);
  }
  if (rest.length === 0) {
    throw new StaticFileError(
      "STATIC_INVALID_NAME",
      `The static file name ${JSON.stringify(name)} has no path before its query or fragment: pass a path such as "css/app.css".`,
      { asset: name },
    );
  }
  const segments: string[] = [];
  const parts = rest.split(/[/\\]/);
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (segments.length === 0) {
        throw new StaticFileError(
          "STATIC_OUTSIDE_ROOT",
          `The static file name ${JSON.stringify(name)} leaves the static roots: remove the ".." segments that climb above them.`,
          { asset: name },
        );
      }
      segments.pop();
      continue;
    }
    segments.push(part);
  }
  const last = parts[parts.length - 1];
  const directory = segments.length === 0 || last === "" || last === "." || last === "..";
  return { raw: name, path: segments.join("/"), directory, query, fragment };
}

/** Percent-encodes each segment as `encodeURIComponent` does, and `'` too. */
export function encodePath(path: string): string {
  if (SAFE_PATH.test(path)) return path;
  return path
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/'/g, "%27"))
    .join("/");
}

const SAFE_PATH = /^[A-Za-z0-9\-_.~!()*/]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Characters a URL may not carry raw in a query or fragment, so a URL never carries markup.
const UNSAFE_IN_QUERY = /[\u0000-\u0020"'<>`\u007f]/g;

/** Percent-encodes what a query or fragment may not carry raw: controls, space, `"`, `'`, `<`, `>`, backtick. */
export function encodeQueryPart(text: string): string {
  return text.replace(UNSAFE_IN_QUERY, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"));
}

/** Python's `os.path.splitext` on a file name: leading dots never start an extension. */
export function splitExtension(basename: string): [stem: string, extension: string] {
  const dot = basename.lastIndexOf(".");
  if (dot <= 0) return [basename, ""];
  let leading = 0;
  while (leading < dot && basename[leading] === ".") leading++;
  if (leading === dot) return [basename, ""];
  return [basename.slice(0, dot), basename.slice(dot)];
}

/** The hashed file name Django writes: the hash goes before the last extension (`app.<h>.css`, `Makefile.<h>`). */
export function hashedPath(path: string, hash: string): string {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash + 1);
  const [stem, extension] = splitExtension(path.slice(slash + 1));
  return `${dir}${stem}.${hash}${extension}`;
}

/**
 * The reverse of `hashedPath`: when the last segment of `path` is `stem.<hash>.ext` with a hex hash,
 * returns the original path and the hash.
 */
export function unhashPath(path: string): { path: string; hash: string } | undefined {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash + 1);
  const [stemWithHash, extension] = splitExtension(path.slice(slash + 1));
  const dot = stemWithHash.lastIndexOf(".");
  const hash = stemWithHash.slice(dot + 1);
  const stem = stemWithHash.slice(0, dot);
  if (dot > 0 && /^[0-9a-f]+$/.test(hash) && !/^\.*$/.test(stem)) return { path: `${dir}${stem}${extension}`, hash };
  // A name without an extension gets the hash as its extension: `Makefile.<h>`.
  if (/^\.[0-9a-f]+$/.test(extension) && splitExtension(stemWithHash)[1] === "") return { path: `${dir}${stemWithHash}`, hash: extension.slice(1) };
  return undefined;
}

/** Query mode: the hash joins the name's own query with `&`; an empty query counts as none. */
export function withQueryHash(query: string | undefined, hash: string): string {
  return query ? `${query}&${hash}` : hash;
}

/** The reverse of `withQueryHash`: the last `&`-separated part of a query (`v=1&4e1243` -> `4e1243`), `""` for none. */
export function hashInQuery(query: string | undefined): string {
  return query ? query.slice(query.lastIndexOf("&") + 1) : "";
}

/** Appends `?query` and `#fragment` (each encoded) to a URL. */
export function appendQueryAndFragment(url: string, query: string | undefined, fragment: string | undefined): string {
  let out = url;
  if (query !== undefined) out += "?" + encodeQueryPart(query);
  if (fragment !== undefined) out += "#" + encodeQueryPart(fragment);
  return out;
}
