/**
 * Conditional and range requests (RFC 9110 13 and 14) against one representation's validators:
 * If-Match / If-Unmodified-Since (412), If-None-Match / If-Modified-Since (304), Range with If-Range.
 */

/** Reads one request header (lowercase name), joined if repeated. */
export type HeaderReader = (name: string) => string | undefined;

export interface Validators {
  readonly etag: string;
  readonly lastModified: string;
  readonly mtimeMs: number;
}

/** The outcome of the preconditions: send the representation, 304, or 412. */
export function evaluatePreconditions(method: string, header: HeaderReader, validators: Validators): 200 | 304 | 412 {
  const ifMatch = header("if-match");
  if (ifMatch !== undefined) {
    if (ifMatch.trim() !== "*" && !tokens(ifMatch).some((tag) => weakMatch(tag, validators.etag))) return 412;
  } else {
    const since = parseDate(header("if-unmodified-since"));
    if (since !== undefined && seconds(validators.mtimeMs) > since) return 412;
  }
  if (method !== "GET" && method !== "HEAD") return 200;
  if (/(?:^|,)\s*no-cache\s*(?:,|$)/i.test(header("cache-control") ?? "")) return 200;
  const ifNoneMatch = header("if-none-match");
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.trim() === "*" || tokens(ifNoneMatch).some((tag) => weakMatch(tag, validators.etag)) ? 304 : 200;
  }
  const modifiedSince = parseDate(header("if-modified-since"));
  return modifiedSince !== undefined && seconds(validators.mtimeMs) <= modifiedSince ? 304 : 200;
}

/** The byte range to send: all of it, one range, or unsatisfiable (416). Several ranges are answered whole. */
export type RangeChoice = { readonly kind: "all" } | { readonly kind: "part"; readonly start: number; readonly end: number } | { readonly kind: "unsatisfiable" };

const ALL: RangeChoice = { kind: "all" };

export function chooseRange(header: HeaderReader, size: number, validators: Validators): RangeChoice {
  const range = header("range");
  if (range === undefined || !/^\s*bytes\s*=/i.test(range)) return ALL;
  const ifRange = header("if-range");
  if (ifRange !== undefined) {
    const tag = ifRange.trim();
    // A strong comparison: a weak validator never satisfies If-Range, so only a date can.
    if (tag.includes('"')) return ALL;
    const date = parseDate(tag);
    if (date === undefined || seconds(validators.mtimeMs) > date) return ALL;
  }
  const specs = range.slice(range.indexOf("=") + 1).split(",").map((spec) => spec.trim()).filter(Boolean);
  const parts: Array<{ start: number; end: number }> = [];
  for (const spec of specs) {
    const match = /^(\d*)-(\d*)$/.exec(spec);
    if (!match || (match[1] === "" && match[2] === "")) return ALL;
    let start: number;
    let end: number;
    if (match[1] === "") {
      const suffix = Number(match[2]);
      if (suffix === 0) continue;
      start = Math.max(0, size - suffix);
      end = size - 1;
    } else {
      start = Number(match[1]);
      end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
      if (match[2] !== "" && Number(match[2]) < start) return ALL;
    }
    if (start <= end && start < size) parts.push({ start, end });
  }
  if (parts.length === 0) return { kind: "unsatisfiable" };
  if (parts.length > 1) return ALL;
  return { kind: "part", ...parts[0] };
}

function tokens(list: string): string[] {
  return list.split(",").map((token) => token.trim()).filter(Boolean);
}

function weakMatch(a: string, b: string): boolean {
  return a.replace(/^W\//, "") === b.replace(/^W\//, "");
}

function parseDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
