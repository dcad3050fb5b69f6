/** Where a reference to another file sits in a CSS or JS text. */
export interface Reference {
  /** How it was written: `url()`, `@import "…"`, or a source map comment. */
  readonly kind: "url" | "import" | "sourceMappingURL";
  /** The URL as written, without quotes and surrounding spaces. */
  readonly url: string;
  /** Offsets of `url` in the text: replacing `text.slice(start, end)` changes only the URL. */
  readonly start: number;
  readonly end: number;
  /** 1-based line of the reference. */
  readonly line: number;
}

const SPACE = /[ \t\n\r\f]/;
// Characters that continue an identifier, so `myurl(` or `@importer` is not a reference.
const NAME_CHAR = /[A-Za-z0-9_\-\u0080-\uffff\\]/;
const CSS_SOURCE_MAP = /^\/\*[#@][ \t]+sourceMappingURL=([^\s*]+)[ \t\r\n]*\*\/$/;
const JS_SOURCE_MAP = /^[ \t]*(?:\/\/[#@][ \t]+sourceMappingURL=(\S+)[ \t]*|\/\*[#@][ \t]+sourceMappingURL=([^\s*]+)[ \t]*\*\/[ \t]*)\r?$/gm;

/**
 * The references of a stylesheet: `url(…)` in every quote and spacing form, `@import "…"`, and
 * `/*# sourceMappingURL=… *\/`. Strings and comments are skipped, so a `url()` inside a comment
 * or a `content: "…"` is not a reference; a source map comment is.
 */
export function findCssReferences(css: string): Reference[] {
  return withLines(css, (add) => scanCssReferences(css, add));
}

/** Where a reference's URL sits: called in text order with its kind and offsets. */
export type OnReference = (kind: Reference["kind"], start: number, end: number) => void;

/** Finds the references of a stylesheet as `findCssReferences` does, handing each one's offsets to `add` (no object per reference). */
export function scanCssReferences(css: string, add: OnReference): void {
  const n = css.length;
  let i = 0;
  while (i < n) {
    const c = css[i];
    if (c === "/" && css[i + 1] === "*") {
      const close = css.indexOf("*/", i + 2);
      const end = close === -1 ? n : close + 2;
      const sourceMap = CSS_SOURCE_MAP.exec(css.slice(i, end));
      if (sourceMap) {
        const start = i + css.slice(i, end).indexOf("=") + 1;
        add("sourceMappingURL", start, start + sourceMap[1].length);
      }
      i = end;
    } else if (c === '"' || c === "'") {
      i = stringEnd(css, i).end;
    } else if (c === "\\") {
      i += 2;
    } else if ((c === "u" || c === "U") && css.slice(i, i + 4).toLowerCase() === "url(" && !NAME_CHAR.test(css[i - 1] ?? " ")) {
      i = readUrlFunction(css, i, add);
    } else if (c === "@" && css.slice(i, i + 7).toLowerCase() === "@import" && !NAME_CHAR.test(css[i + 7] ?? " ")) {
      let j = i + 7;
      while (j < n && SPACE.test(css[j])) j++;
      if (css[j] === '"' || css[j] === "'") {
        const { end, closed } = stringEnd(css, j);
        if (closed && end - 1 > j) {
          const [start, stop] = trimmed(css, j + 1, end - 1);
          if (stop > start) add("import", start, stop);
        }
        i = end;
      } else {
        i = j; // `@import url(…)`: the loop reads the url() next
      }
    } else {
      i++;
    }
  }
}

/** The source map references of a script: a `//# sourceMappingURL=…` (or `/*# … *\/`) line. */
export function findJsReferences(js: string): Reference[] {
  return withLines(js, (add) => scanJsReferences(js, add));
}

/** Finds the references of a script as `findJsReferences` does, handing each one's offsets to `add`. */
export function scanJsReferences(js: string, add: OnReference): void {
  for (const match of js.matchAll(JS_SOURCE_MAP)) {
    const url = match[1] ?? match[2];
    const start = match.index + match[0].indexOf("=") + 1;
    add("sourceMappingURL", start, start + url.length);
  }
}

/** The references a scan finds, as objects with their URL and line. */
function withLines(text: string, scan: (add: OnReference) => void): Reference[] {
  const lines = lineStarts(text);
  const found: Reference[] = [];
  scan((kind, start, end) => found.push({ kind, url: text.slice(start, end), start, end, line: lineOf(lines, start) }));
  return found;
}

/** Reads `url(…)` starting at `at`; returns where scanning continues. */
function readUrlFunction(css: string, at: number, add: OnReference): number {
  const n = css.length;
  let j = at + 4;
  while (j < n && SPACE.test(css[j])) j++;
  if (css[j] === '"' || css[j] === "'") {
    const { end, closed } = stringEnd(css, j);
    if (!closed || end - 1 === j) return end; // unterminated string, or url("")
    let k = end;
    while (k < n && SPACE.test(css[k])) k++;
    if (css[k] !== ")") return end; // not a url() (a bad url token): leave it alone
    const [start, stop] = trimmed(css, j + 1, end - 1);
    if (stop > start) add("url", start, stop);
    return k + 1;
  }
  let k = j;
  while (k < n && css[k] !== ")" && !SPACE.test(css[k]) && css[k] !== '"' && css[k] !== "'" && css[k] !== "(") {
    k += css[k] === "\\" ? 2 : 1;
  }
  let close = k;
  while (close < n && SPACE.test(css[close])) close++;
  if (css[close] !== ")") return at + 4; // a bad url token: leave it alone
  if (k > j) add("url", j, Math.min(k, n));
  return close + 1;
}

/** Offset just past the string that opens at `at`: past its closing quote, or at the end of its line when unterminated. */
function stringEnd(text: string, at: number): { end: number; closed: boolean } {
  const quote = text[at];
  let j = at + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === "\\") j += 2;
    else if (c === quote) return { end: j + 1, closed: true };
    else if (c === "\n") return { end: j, closed: false };
    else j++;
  }
  return { end: text.length, closed: false };
}

function trimmed(text: string, start: number, end: number): [number, number] {
  while (start < end && SPACE.test(text[start])) start++;
  while (end > start && SPACE.test(text[end - 1])) end--;
  return [start, end];
}

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

export function lineOf(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}
