/**
 * Handlebars adapter: the `static`, `integrity` and `vite` helpers and, with `angle: true`, the
 * `<<static "css/app.css">>` syntax.
 *
 *     const hb = Handlebars.create();
 *     registerStatic(hb, { roots: ["static"] });
 *     hb.compile('<link rel="stylesheet" href="{{static "css/app.css"}}">')({});
 */
import { StaticFileError, withLocation } from "./core/errors.js";
import type { IntegrityAlgorithm } from "./core/hash.js";
import type { StaticFilesOptions } from "./core/options.js";
import { StaticFiles, staticFilesFrom } from "./core/static-files.js";
import { setAngleSyntax, type ParsingInstance } from "./handlebars-angle.js";

/** The parts of a Handlebars instance this adapter uses (so handlebars' types are not required). */
export interface HandlebarsInstance extends ParsingInstance {
  registerHelper(name: string, helper: (...args: any[]) => unknown): void;
  /** Marks a helper's result as HTML, printed unescaped even by `{{ }}` (absent from very old builds). */
  SafeString?: new (html: string) => unknown;
}

/**
 * What `registerStatic` accepts: a Handlebars instance, or an hbs or express-handlebars object (its
 * `.handlebars` is used). Checked when called, because express-handlebars types its instance loosely.
 */
export type HandlebarsEngine = HandlebarsInstance | { readonly handlebars: unknown } | { readonly [key: string]: unknown };

export interface RegisterStaticOptions {
  /** Also rewrite `<<static …>>` and `<<integrity …>>` in every template this instance compiles. */
  angle?: boolean;
}

/** What Handlebars passes as the last argument of every helper call. */
interface HelperOptions {
  name: string;
  hash: Record<string, unknown>;
  loc?: { start?: { line: number; column: number } };
  fn?: unknown;
}

type Helper = "static" | "integrity" | "vite";

/**
 * Registers the `static` and `integrity` helpers on a Handlebars instance (`Handlebars.create()`, the
 * global `handlebars` module, express-handlebars' `engine.handlebars`, `hbs.handlebars`; an hbs or
 * express-handlebars object itself stands for the instance it compiles with) and returns
 * the `StaticFiles` behind them (made from `filesOrOptions` when options are given). Calling it again
 * replaces the helpers, and its `angle` decides whether the instance keeps the `<<static>>` syntax.
 */
export function registerStatic(
  engine: HandlebarsEngine,
  filesOrOptions?: StaticFiles | StaticFilesOptions,
  options?: RegisterStaticOptions,
): StaticFiles {
  const handlebars = handlebarsOf(engine);
  if (!handlebars) {
    throw new TypeError(
      "registerStatic(handlebars, files) needs a Handlebars instance: Handlebars.create(), the handlebars module itself, express-handlebars' engine.handlebars or hbs.handlebars.",
    );
  }
  const angle = options?.angle ?? false;
  if (typeof angle !== "boolean") {
    throw new TypeError(`registerStatic(handlebars, files, { angle }) takes true or false for angle, got ${JSON.stringify(angle)}.`);
  }
  if (filesOrOptions && !(filesOrOptions instanceof StaticFiles) && "angle" in filesOrOptions) {
    throw new StaticFileError("STATIC_CONFIG", "`angle` is an option of registerStatic, not of StaticFiles: registerStatic(handlebars, { roots: [\"static\"] }, { angle: true }).");
  }
  const files = staticFilesFrom(filesOrOptions);
  setAngleSyntax(handlebars, angle);
  handlebars.registerHelper("static", helper("static", angle, 1, (name) => files.url(name)));
  handlebars.registerHelper(
    "integrity",
    helper("integrity", angle, 2, (name, algorithm) => files.integrity(name, algorithm as IntegrityAlgorithm | undefined)),
  );
  handlebars.registerHelper("vite", viteHelper(files, angle, handlebars.SafeString));
  return files;
}

/** `{{vite "src/main.ts"}}` and `{{vite "src/main.ts" integrity=true}}`: the entry's tags, as HTML Handlebars does not escape. */
function viteHelper(files: StaticFiles, angle: boolean, SafeString: HandlebarsInstance["SafeString"]) {
  const usage = angle ? `{{vite "src/main.ts"}} or <<vite "src/main.ts">>` : `{{vite "src/main.ts"}}`;
  return function staticHashVite(...args: unknown[]): unknown {
    const options = isHelperOptions(args.at(-1)) ? (args.pop() as HelperOptions) : undefined;
    const where = locate("vite", options);
    if (typeof options?.fn === "function") throw new TypeError(`${where}: vite is not a block helper: write ${usage}, without # and {{/vite}}.`);
    if (args.length !== 1) throw new TypeError(`${where}: {{vite}} takes one entry (optionally integrity=true), got ${args.length} arguments; write ${usage}.`);
    let html: string;
    try {
      html = files.viteTags(asName(args[0]), { ...options?.hash });
    } catch (error) {
      throw withLocation(error, where);
    }
    return SafeString ? new SafeString(html) : html;
  };
}

/**
 * A helper that checks how the template called it, makes one core call, and puts the helper's name
 * and the template position in front of any error.
 */
function helper(tag: Helper, angle: boolean, maxArguments: number, run: (name: string, extra?: string) => string) {
  const example = tag === "static" ? `{{static "css/app.css"}}` : `{{integrity "js/app.js"}}`;
  const usage = angle ? `${example} or ${example.replace("{{", "<<").replace("}}", ">>")}` : example;
  return function staticHashHelper(...args: unknown[]): string {
    // The common call, {{static "x"}}, runs for every tag of every render: nothing to check but this.
    if (args.length === 2 && typeof args[0] === "string" && isPlainCall(args[1])) {
      try {
        return run(args[0], undefined);
      } catch (error) {
        throw withLocation(error, locate(tag, args[1] as HelperOptions));
      }
    }
    const options = isHelperOptions(args.at(-1)) ? (args.pop() as HelperOptions) : undefined;
    const where = locate(tag, options);
    const named = Object.keys(options?.hash ?? {});
    if (named.length > 0) {
      throw new TypeError(`${where}: {{${tag}}} takes no name=value arguments, got ${named.join(", ")}; write ${usage}.`);
    }
    if (args.length === 0) {
      throw new StaticFileError("STATIC_INVALID_NAME", `${where}: {{${tag}}} needs a file name (a string, or a variable holding one), as in ${usage}.`);
    }
    if (args.length > maxArguments) {
      const takes = tag === "static" ? "one file name" : 'a file name and an optional algorithm ("sha256", "sha384" or "sha512")';
      throw new TypeError(`${where}: {{${tag}}} takes ${takes}, got ${args.length} arguments; write ${usage}.`);
    }
    if (typeof options?.fn === "function") {
      throw new TypeError(`${where}: ${tag} is not a block helper: write ${usage}, without # and {{/${tag}}}.`);
    }
    try {
      return run(asName(args[0]), args[1] === undefined ? undefined : asName(args[1]));
    } catch (error) {
      throw withLocation(error, where);
    }
  };
}

/** The instance itself, or the one an hbs or express-handlebars object compiles with (its `.handlebars`). */
function handlebarsOf(engine: unknown): HandlebarsInstance | undefined {
  const isInstance = (value: unknown): value is HandlebarsInstance =>
    typeof value === "object" && value !== null && typeof (value as HandlebarsInstance).registerHelper === "function";
  const inner = (engine as { handlebars?: unknown } | undefined)?.handlebars;
  if (isInstance(inner)) return inner;
  return isInstance(engine) ? engine : undefined;
}

/** Handlebars' options of a plain call: no name=value arguments, not used as a block. */
function isPlainCall(value: unknown): boolean {
  if (!isHelperOptions(value) || typeof (value as HelperOptions).fn === "function") return false;
  for (const _ in (value as HelperOptions).hash) return false;
  return true;
}

function isHelperOptions(value: unknown): boolean {
  return typeof value === "object" && value !== null && "hash" in value && "name" in value;
}

/** `static helper at line 3, column 5`, 1-based as editors count (Handlebars' `loc` column is 0-based). */
function locate(tag: Helper, options: HelperOptions | undefined): string {
  const start = options?.loc?.start;
  return start ? `${tag} helper at line ${start.line}, column ${start.column + 1}` : `${tag} helper`;
}

/** A SafeString (from another helper) names the file by its text; anything else goes to the core as it is. */
function asName(value: unknown): string {
  const isSafeString = typeof value === "object" && value !== null && typeof (value as { toHTML?: unknown }).toHTML === "function";
  return (isSafeString ? String(value) : value) as string;
}
