import { StaticFileError } from "../core/errors.js";
import { originFormOf } from "./request-path.js";

/**
 * A server adapter's `prefix` option, checked: a path such as `/static` (a trailing `/` is dropped), or
 * undefined for none. `what` names the adapter in the error.
 */
export function normalizePrefix(prefix: unknown, what: string): string | undefined {
  if (prefix === undefined) return undefined;
  if (typeof prefix !== "string" || !prefix.startsWith("/") || /[?#\\]|\/\//.test(prefix)) {
    throw new StaticFileError("STATIC_CONFIG", `${what} option \`prefix\` must be a URL path such as "/static"; got ${JSON.stringify(prefix)}.`);
  }
  const trimmed = prefix.replace(/\/+$/, "");
  return trimmed === "" ? undefined : trimmed;
}

/** The request target below `prefix` (`/static/css/a.css?1` -> `/css/a.css?1`; absolute form too), or undefined when it is not below it. */
export function belowPrefix(target: string, prefix: string): string | undefined {
  const url = originFormOf(target);
  if (!url.startsWith(prefix)) return undefined;
  const rest = url.slice(prefix.length);
  if (rest === "" || rest.startsWith("?")) return "/" + rest;
  return rest.startsWith("/") ? rest : undefined;
}
