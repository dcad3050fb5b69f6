/**
 * Nunjucks adapter: `{% static "css/app.css" %}`, `{% integrity "js/app.js" %}`, their `as NAME`
 * forms, the `static` and `integrity` filters, and `{% vite "src/main.ts" %}` (HTML, printed unescaped).
 *
 *     const env = new nunjucks.Environment(new nunjucks.FileSystemLoader("views"), { autoescape: true });
 *     useStatic(env, { roots: ["static"] });
 */
import { withLocation } from "./core/errors.js";
import type { IntegrityAlgorithm } from "./core/hash.js";
import type { StaticFilesOptions } from "./core/options.js";
import { StaticFiles, staticFilesFrom } from "./core/static-files.js";

/** The parts of a nunjucks `Environment` this adapter uses (so nunjucks' types are not required). */
export interface NunjucksEnvironment {
  addExtension(name: string, extension: object): unknown;
  removeExtension(name: string): unknown;
  addFilter(name: string, filter: (...args: any[]) => unknown): unknown;
}

/** `{ tags: angleTags }` in the Environment's options makes `<% static "css/app.css" %>` a tag. */
export const angleTags = Object.freeze({ blockStart: "<%", blockEnd: "%>" });

/** The name the extension is registered under; precompiled templates call it by this name. */
export const EXTENSION_NAME = "static-hash";

type Tag = "static" | "integrity" | "vite";

// The slice of nunjucks' parser, nodes and lexer that `parse` uses.
interface Token {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}
interface Parser {
  tokens?: { tags?: { BLOCK_START?: string; BLOCK_END?: string } };
  nextToken(): Token;
  peekToken(): Token;
  parseExpression(): unknown;
  parseSignature(tolerant: boolean | null, noParens: boolean): { children: unknown[] };
  skipSymbol(name: string): boolean;
  advanceAfterBlockEnd(name?: string): Token;
  fail(message: string, lineno?: number, colno?: number): never;
}
type NodeClass = new (lineno: number, colno: number, ...fields: any[]) => any;
interface Nodes {
  NodeList: NodeClass;
  Literal: NodeClass;
  Symbol: NodeClass;
  Set: NodeClass;
  Capture: NodeClass;
  CallExtension: new (extension: object, method: string, args: unknown, contentArgs?: unknown) => { autoescape?: boolean };
}
interface Lexer {
  TOKEN_SYMBOL: string;
  TOKEN_BLOCK_END: string;
}

/**
 * The Nunjucks extension behind the `static` and `integrity` tags. `useStatic` registers it; to do
 * it by hand: `env.addExtension(EXTENSION_NAME, new StaticExtension(files))`.
 */
export class StaticExtension {
  readonly tags: Tag[] = ["static", "integrity", "vite"];

  constructor(readonly files: StaticFiles) {}

  /** `{% static EXPR %}` prints the URL; `{% static EXPR as NAME %}` sets NAME exactly as `{% set %}` does. */
  parse(parser: Parser, nodes: Nodes, lexer: Lexer): unknown {
    const tag = parser.nextToken();
    const tagName = tag.value as Tag;
    // Show the hint in the syntax the environment uses (`<% %>` with angleTags).
    const { BLOCK_START: open = "{%", BLOCK_END: close = "%}" } = parser.tokens?.tags ?? {};
    if (tagName === "vite") return this.parseVite(parser, nodes, lexer, tag, `${open} vite "src/main.ts" ${close} or ${open} vite "src/main.ts", integrity=true ${close}`);
    const example = tagName === "static" ? "css/app.css" : "js/app.js";
    const usage = `${open} ${tagName} "${example}" ${close} or ${open} ${tagName} path as url ${close}`;
    if (parser.peekToken().type === lexer.TOKEN_BLOCK_END) {
      parser.fail(`The ${tagName} tag needs a file name, as in ${usage}.`, tag.lineno, tag.colno);
    }
    const name = parser.parseExpression();
    // Line and column go into the call because errors thrown at render time carry no position.
    const args = new nodes.NodeList(tag.lineno, tag.colno, [
      new nodes.Literal(tag.lineno, tag.colno, tagName),
      name,
      new nodes.Literal(tag.lineno, tag.colno, tag.lineno + 1),
      new nodes.Literal(tag.lineno, tag.colno, tag.colno + 1),
    ]);
    const call = new nodes.CallExtension(this, "run", args);

    if (!parser.skipSymbol("as")) {
      expectBlockEnd(parser, lexer, tag, `The ${tagName} tag takes one file name and an optional "as NAME", as in ${usage}`);
      return call;
    }
    const target = parser.nextToken();
    if (!target || target.type !== lexer.TOKEN_SYMBOL) {
      parser.fail(`"as" in the ${tagName} tag must be followed by a variable name, as in ${usage}.`, tag.lineno, tag.colno);
    }
    expectBlockEnd(parser, lexer, tag, `The ${tagName} tag ends after "as ${target.value}", as in ${usage}`);
    // A real {% set NAME %}…{% endset %}, so NAME is scoped exactly like set (for, macro, include, block).
    call.autoescape = false; // the captured URL is escaped once, where NAME is printed
    const set = new nodes.Set(tag.lineno, tag.colno, [new nodes.Symbol(target.lineno, target.colno, target.value)]);
    set.body = new nodes.Capture(tag.lineno, tag.colno, new nodes.NodeList(tag.lineno, tag.colno, [call]));
    set.value = null;
    return set;
  }

  /** `{% vite EXPR %}` and `{% vite EXPR, integrity=true %}`: a call whose HTML is printed unescaped. */
  private parseVite(parser: Parser, nodes: Nodes, lexer: Lexer, tag: Token, usage: string): unknown {
    if (parser.peekToken().type === lexer.TOKEN_BLOCK_END) parser.fail(`The vite tag needs an entry, as in ${usage}.`, tag.lineno, tag.colno);
    const signature = parser.parseSignature(null, true);
    expectBlockEnd(parser, lexer, tag, `The vite tag takes an entry and an optional integrity=…, as in ${usage}`);
    const args = new nodes.NodeList(tag.lineno, tag.colno, [
      new nodes.Literal(tag.lineno, tag.colno, tag.lineno + 1),
      new nodes.Literal(tag.lineno, tag.colno, tag.colno + 1),
      ...signature.children,
    ]);
    const call = new nodes.CallExtension(this, "runVite", args);
    call.autoescape = false; // the tags are HTML, their URLs already percent-encoded and their attributes escaped
    return call;
  }

  /** What `{% vite %}` calls: the entry's tags, or its error at the tag's line. */
  runVite(_context: unknown, line: number, column: number, ...args: unknown[]): string {
    try {
      const keywords = isKeywordArgs(args.at(-1)) ? (args.pop() as Record<string, unknown>) : {};
      const { __keywords: _, ...options } = keywords;
      if (args.length !== 1) throw new TypeError(`The vite tag takes one entry, got ${args.length}: write {% vite "src/main.ts" %}.`);
      return this.files.viteTags(asName(args[0]), options);
    } catch (error) {
      throw templateError(withLocation(error, "vite tag"), line, column);
    }
  }

  /** What the compiled template calls: one core call, its error turned into a template error at the tag's line. */
  run(_context: unknown, tag: Tag, name: unknown, line: number, column: number): string {
    try {
      return tag === "integrity" ? this.files.integrity(asName(name)) : this.files.url(asName(name));
    } catch (error) {
      throw templateError(withLocation(error, `${tag} tag`), line, column);
    }
  }
}

function expectBlockEnd(parser: Parser, lexer: Lexer, tag: Token, problem: string): void {
  const next = parser.peekToken();
  if (!next || next.type !== lexer.TOKEN_BLOCK_END) {
    const found = next ? `found ${JSON.stringify(next.value)}` : "the template ends";
    parser.fail(`${problem}; ${found} instead.`, next?.lineno ?? tag.lineno, next?.colno ?? tag.colno);
  }
  parser.advanceAfterBlockEnd(tag.value);
}

/** Nunjucks passes `name=value` arguments as one object marked `__keywords`. */
function isKeywordArgs(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { __keywords?: unknown }).__keywords === true;
}

/** Filter chains may yield a nunjucks SafeString (a String object): it names the file as its text. */
function asName(name: unknown): string {
  return name instanceof String ? name.toString() : (name as string);
}

/**
 * Gives an error the `lineno`/`colno`/`Update(path)` of nunjucks' TemplateError, so nunjucks puts
 * `(page.njk) [Line 3, Column 4]` in front of the message exactly as it does for its own errors.
 */
function templateError(error: Error, lineno: number, colno: number): Error {
  let firstUpdate = true;
  return Object.assign(error, {
    lineno,
    colno,
    Update(this: Error, path: string | undefined) {
      const where = firstUpdate ? ` [Line ${lineno}, Column ${colno}]` : "";
      this.message = `(${path || "unknown path"})${where}\n ${firstUpdate ? " " : ""}${this.message}`;
      firstUpdate = false;
      return this;
    },
  });
}

/**
 * Adds the `static` and `integrity` tags and filters to a nunjucks Environment and returns the
 * `StaticFiles` behind them (made from `filesOrOptions` when options are given).
 */
export function useStatic(env: NunjucksEnvironment, filesOrOptions?: StaticFiles | StaticFilesOptions): StaticFiles {
  if (!env || typeof env.addExtension !== "function" || typeof env.addFilter !== "function") {
    throw new TypeError("useStatic(env, files) needs a nunjucks Environment: new nunjucks.Environment(loader) or the one nunjucks.configure() returns.");
  }
  const files = staticFilesFrom(filesOrOptions);
  // nunjucks lets the first extension that claims a tag parse it: drop an earlier registration first.
  env.removeExtension(EXTENSION_NAME);
  env.addExtension(EXTENSION_NAME, new StaticExtension(files));
  env.addFilter("static", (name: unknown) => {
    try {
      return files.url(asName(name));
    } catch (error) {
      throw withLocation(error, "static filter");
    }
  });
  env.addFilter("integrity", (name: unknown, algorithm?: IntegrityAlgorithm) => {
    try {
      return files.integrity(asName(name), algorithm);
    } catch (error) {
      throw withLocation(error, "integrity filter");
    }
  });
  return files;
}
