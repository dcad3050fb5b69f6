/**
 * `<<static "css/app.css">>`, `<<integrity "js/app.js">>` and `<<vite "src/main.ts">>` for Handlebars, which has no custom
 * delimiters: an instance's `parse` is wrapped so the page text is rewritten to `{{static …}}` before
 * Handlebars reads it. `<<` -> `{{` and `>>` -> `}}` keep every offset, so the line and column
 * Handlebars reports still point at the source as written.
 *
 * Rules (they mirror Handlebars' own lexer where there is one):
 * - Only `<<static`, `<<integrity` and `<<vite` directly followed by a space, tab, `~` or `>` start a construct,
 *   and it must close with `>>` on the same line, outside string literals. `<<<static …>>>` is the
 *   unescaped form (`{{{static …}}}`), `<<~static …~>>` strips whitespace as `{{~ ~}}` does.
 * - A candidate with nothing inside (`<<static>>`), with `<`, `>`, `{`, `}` or `;` outside its strings,
 *   with `{{`, `}}` or a newline in a string, or without its `>>` (`>>>` after `<<<`), is plain text.
 * - Only page text is rewritten: never inside `{{ }}`, comments or `{{{{raw}}}}` blocks.
 * - `\<<static x>>` prints `<<static x>>` and `\\<<static x>>` prints `\` and the URL, as `\{{` and `\\{{` do.
 */

/** What a Handlebars instance's `parse` (and `parseWithoutProcessing`) looks like. */
type Parse = (input: any, options?: any) => unknown;

/** The instance methods the angle syntax wraps: every template the instance compiles goes through `parse`. */
export interface ParsingInstance {
  parse?: Parse;
  parseWithoutProcessing?: Parse;
}

const PARSE_METHODS = ["parse", "parseWithoutProcessing"] as const;

// A wrapper remembers what it wraps, so wrapping twice never nests and switching off restores it.
const WRAPPED = Symbol.for("static-hash.handlebars.angle");
type AngleParse = Parse & { [WRAPPED]: Parse };

/** Turns the angle syntax on or off for one instance; the last call wins. */
export function setAngleSyntax(instance: ParsingInstance, enabled: boolean): void {
  if (enabled && typeof instance.parse !== "function") {
    throw new TypeError(
      "registerStatic(…, { angle: true }) needs a Handlebars instance with its compiler (Handlebars.create() from \"handlebars\"), not the runtime-only build: the <<static>> syntax is rewritten when templates are compiled.",
    );
  }
  for (const method of PARSE_METHODS) {
    const current = instance[method];
    if (typeof current !== "function") continue;
    const original = (current as Partial<AngleParse>)[WRAPPED] ?? current;
    instance[method] = enabled ? angleParse(original) : original;
  }
}

function angleParse(original: Parse): AngleParse {
  const parse = function (this: unknown, input: unknown, options?: unknown): unknown {
    // An AST passed in (Handlebars.compile accepts one) has nothing left to rewrite.
    if (typeof input !== "string") return original.call(this, input, options);
    const { source, marker } = rewriteAngleSyntax(input);
    const ast = original.call(this, source, options);
    if (marker !== undefined) removeMarker(ast, marker);
    return ast;
  } as AngleParse;
  parse[WRAPPED] = original;
  return parse;
}

export interface AngleRewrite {
  /** The source with every construct turned into a Handlebars mustache, as long as the input. */
  source: string;
  /**
   * Stands in for the backslash of each `\<<static …>>` (same length, so positions hold) and is taken
   * out of the parsed page text afterwards; `undefined` when there was no escape.
   */
  marker: string | undefined;
}

const OPENER = /<<(<?)(~?)(?:static|integrity|vite)(?=[ \t~>])/y;
// The string and `[segment]` literals of Handlebars' lexer, so `>>` or `}}` inside one is not an end.
const DOUBLE_QUOTED = /"(\\"|[^"])*"/y;
const SINGLE_QUOTED = /'(\\'|[^'])*'/y;
const SEGMENT = /\[(\\\]|[^\]])*\]/y;
const COMMENT_END = /--~?\}\}/g;

/** Rewrites `<<static …>>` and `<<integrity …>>` in Handlebars page text to `{{static …}}` and `{{integrity …}}`. */
export function rewriteAngleSyntax(input: string): AngleRewrite {
  let output: string[] | undefined;
  let marker: string | undefined;
  let copied = 0;
  const replace = (at: number, text: string) => {
    output ??= [];
    output.push(input.slice(copied, at), text);
    copied = at + text.length;
  };

  let at = 0;
  let brace = -1;
  let angle = -1;
  while (at < input.length) {
    // A search restarts only once it has been passed, so a page full of `<<` stays linear.
    if (brace < at) brace = indexFrom(input, "{{", at);
    if (angle < at) angle = indexFrom(input, "<<", at);
    if (angle === Infinity && brace === Infinity) break;
    if (brace < angle) {
      at = skipMustache(input, brace);
      continue;
    }
    const construct = constructAt(input, angle);
    if (!construct) {
      // A `<<<` that is not a whole `<<<static …>>>` is text, never a `<` before a `<<static …>>`.
      at = angle + (input[angle + 2] === "<" ? 3 : 1);
      continue;
    }
    const backslashes = backslashesBefore(input, angle);
    if (backslashes === 1) {
      marker ??= markerFor(input);
      replace(angle - 1, marker);
    } else {
      // With two or more backslashes Handlebars itself prints one fewer and runs the mustache.
      replace(angle, construct.triple ? "{{{" : "{{");
      replace(construct.close, construct.triple ? "}}}" : "}}");
    }
    at = construct.end;
  }
  if (!output) return { source: input, marker };
  output.push(input.slice(copied));
  return { source: output.join(""), marker };
}

interface Construct {
  triple: boolean;
  /** Where the closing `>>` (or `>>>`) starts. */
  close: number;
  /** Just past it. */
  end: number;
}

function constructAt(input: string, at: number): Construct | undefined {
  OPENER.lastIndex = at;
  const opener = OPENER.exec(input);
  if (!opener) return undefined;
  const triple = opener[1] === "<";
  // A construct never spans lines, so nothing here looks past the end of this one.
  const lineEnd = input.indexOf("\n", at);
  const line = lineEnd === -1 ? input : input.slice(0, lineEnd);
  let blank = true;
  for (let i = at + opener[0].length; i < line.length; i++) {
    const c = line[i];
    if (c === ">" && line[i + 1] === ">") {
      // `<<static>>` with nothing inside is left as text: it is a UML stereotype more often than a mistake.
      if (blank) return undefined;
      if (!triple) return { triple, close: i, end: i + 2 };
      return line[i + 2] === ">" ? { triple, close: i, end: i + 3 } : undefined;
    }
    // None of these belongs in a Handlebars call; they mean this `<<static` is something else (a shell redirect, code).
    if (c === "<" || c === ">" || c === "{" || c === "}" || c === ";") return undefined;
    if (c === '"' || c === "'" || c === "[") {
      const end = literalEnd(line, i, c === '"' ? DOUBLE_QUOTED : c === "'" ? SINGLE_QUOTED : SEGMENT);
      if (end === -1 || /\{\{|\}\}/.test(line.slice(i, end))) return undefined;
      i = end - 1;
    }
    if (c !== " " && c !== "\t" && c !== "~") blank = false;
  }
  return undefined;
}

function indexFrom(input: string, text: string, from: number): number {
  const found = input.indexOf(text, from);
  return found === -1 ? Infinity : found;
}

function literalEnd(input: string, at: number, literal: RegExp): number {
  literal.lastIndex = at;
  return literal.exec(input) ? literal.lastIndex : -1;
}

function backslashesBefore(input: string, at: number): number {
  let count = 0;
  while (at - count - 1 >= 0 && input[at - count - 1] === "\\") count++;
  return count;
}

/**
 * Where the page text resumes after the `{{` at `at`: past a mustache, comment or raw block, or just
 * past the braces when a single backslash escapes them. Mirrors Handlebars' lexer.
 */
function skipMustache(input: string, at: number): number {
  if (backslashesBefore(input, at) === 1) return at + 2;
  if (input.startsWith("{{{{", at)) return skipRawBlock(input, at);
  const bang = input[at + 2] === "~" ? at + 3 : at + 2;
  if (input.startsWith("!--", bang)) {
    COMMENT_END.lastIndex = at;
    return COMMENT_END.exec(input) ? COMMENT_END.lastIndex : input.length;
  }
  if (input[bang] === "!") {
    const end = input.indexOf("}}", bang);
    return end === -1 ? input.length : end + 2;
  }
  for (let i = at + 2; i < input.length; i++) {
    const c = input[i];
    if (c === "}" && input[i + 1] === "}") return i + 2;
    if (c === '"' || c === "'" || c === "[") {
      const end = literalEnd(input, i, c === '"' ? DOUBLE_QUOTED : c === "'" ? SINGLE_QUOTED : SEGMENT);
      if (end !== -1) i = end - 1;
    }
  }
  return input.length;
}

/** `{{{{name}}}} … {{{{/name}}}}` prints its body as written: nothing in it is rewritten. */
function skipRawBlock(input: string, at: number): number {
  const opened = input.indexOf("}}}}", at + 4);
  if (opened === -1) return input.length;
  let depth = 1;
  let i = opened + 4;
  while (depth > 0) {
    const next = input.indexOf("{{{{", i);
    if (next === -1) return input.length;
    if (input[next + 4] === "/") depth--;
    else depth++;
    i = next + 4;
  }
  const closed = input.indexOf("}}}}", i);
  return closed === -1 ? input.length : closed + 4;
}

/** A Unicode noncharacter (reserved for a program's internal use) that the page does not contain. */
function markerFor(input: string): string {
  for (let code = 0xfdd0; code <= 0xfdef; code++) {
    const candidate = String.fromCharCode(code);
    if (!input.includes(candidate)) return candidate;
  }
  throw new Error("This template contains every Unicode noncharacter U+FDD0 to U+FDEF, so \\<<static cannot be escaped in it: write &lt;&lt;static instead.");
}

/** Takes the escape markers out of the page text of a parsed template. */
function removeMarker(node: unknown, marker: string): void {
  if (Array.isArray(node)) {
    for (const child of node) removeMarker(child, marker);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const fields = node as Record<string, unknown>;
  if (fields.type === "ContentStatement") {
    for (const key of ["value", "original"]) {
      if (typeof fields[key] === "string") fields[key] = (fields[key] as string).split(marker).join("");
    }
    return;
  }
  for (const [key, child] of Object.entries(fields)) if (key !== "loc") removeMarker(child, marker);
}
