/**
 * Eleventy plugin: `static` and `integrity` in every template language of an Eleventy site.
 *
 *     import staticHash from "static-hash/eleventy";
 *     eleventyConfig.addPlugin(staticHash, { roots: ["src/static"], baseUrl: "/static/" });
 *
 * Nunjucks gets the tags and filters of `static-hash/nunjucks`, Handlebars the helpers of
 * `static-hash/handlebars`, Liquid and 11ty.js shortcodes and filters that call the same `StaticFiles`.
 */
import { createRequire } from "node:module";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { StaticFiles, StaticFileError, type IntegrityAlgorithm, type StaticFilesOptions } from "./index.js";
import { withLocation } from "./core/errors.js";
import { checkOptionNames } from "./core/check-options.js";
import { OPTION_NAMES } from "./core/options.js";
import { angleTags, useStatic, type NunjucksEnvironment } from "./nunjucks.js";
import { registerStatic, type HandlebarsInstance } from "./handlebars.js";
import { HashedCopies, copiesFolderOf, type CopyPolicy } from "./eleventy-hashed-copies.js";
import { keepStaticImagesFromImageTransform, type HtmlTransformerConfig } from "./eleventy-images.js";
import { TrackedFiles } from "./eleventy-tracked-files.js";

export interface StaticHashPluginOptions extends StaticFilesOptions {
  /** `<% static "x" %>` blocks in Nunjucks (and Markdown preprocessed by it), `<<static "x">>` in Handlebars. */
  angle?: boolean;
  /** An existing `StaticFiles` to use (shared with `serveStatic`, say) instead of options: pass one or the other. */
  files?: StaticFiles;
  /**
   * The Handlebars instance `.hbs` pages compile with. Default: the one given to
   * `@11ty/eleventy-plugin-handlebars` as `eleventyLibraryOverride`, else the `handlebars` module it loads.
   */
  handlebars?: HandlebarsInstance;
  /**
   * Filename mode: which files get a hashed copy in the output folder. `"used"` (default): the files
   * the pages named, plus what their CSS references (transitively); `"all"`: every file of the roots.
   */
  copy?: CopyPolicy;
}

/** The parts of Eleventy's `eleventyConfig` this plugin uses. */
export interface EleventyConfig extends HtmlTransformerConfig {
  addLiquidShortcode(name: string, shortcode: (...args: any[]) => unknown): void;
  addLiquidFilter(name: string, filter: (...args: any[]) => unknown): void;
  addJavaScriptShortcode(name: string, shortcode: (...args: any[]) => unknown): void;
  addJavaScriptFilter(name: string, filter: (...args: any[]) => unknown): void;
  amendLibrary(engine: string, amend: (library: any) => void): void;
  addWatchTarget(target: string): void;
  on(event: string, listener: (...args: any[]) => unknown): unknown;
  readonly directories: { readonly output: string };
  readonly plugins?: ReadonlyArray<{ plugin: unknown; options?: Record<string, unknown> }>;
  readonly extensionMap?: Iterable<{ key?: string }>;
}

type Helper = "static" | "integrity" | "vite";
const HELPERS: readonly Helper[] = ["static", "integrity", "vite"];
// The plugin's own options; the others are StaticFiles options.
const PLUGIN_OPTION_NAMES = ["angle", "files", "handlebars", "copy"];

/** The Eleventy plugin: `eleventyConfig.addPlugin(staticHash, { roots: ["src/static"] })`. */
export default function staticHash(eleventyConfig: EleventyConfig, options: StaticHashPluginOptions = {}): void {
  if (options !== null && typeof options === "object") checkOptionNames(options, [...PLUGIN_OPTION_NAMES, ...OPTION_NAMES], "static-hash Eleventy plugin");
  const { angle = false, files: given, handlebars, copy = "used", ...fileOptions } = options ?? {};
  if (copy !== "used" && copy !== "all") {
    throw new StaticFileError(
      "STATIC_CONFIG",
      `Option \`copy\` of the static-hash Eleventy plugin is "used" (a hashed copy of each file the pages name, and of what their CSS references) or "all" (of every file of the roots); got ${JSON.stringify(copy)}.`,
    );
  }
  if (given !== undefined && Object.keys(fileOptions).length > 0) {
    throw new StaticFileError(
      "STATIC_CONFIG",
      `Pass either \`files\` (a StaticFiles) or StaticFiles options to the static-hash Eleventy plugin, not both; got ${Object.keys(fileOptions).join(", ")} too.`,
    );
  }
  if (given !== undefined && !(given instanceof StaticFiles)) {
    throw new StaticFileError("STATIC_CONFIG", "Option `files` of the static-hash Eleventy plugin must be a StaticFiles: new StaticFiles({ roots: [\"src/static\"] }).");
  }
  // Roots resolve against the working directory, Eleventy's project root; the source files are hashed, never _site's copies.
  const sourceFiles = given ?? new StaticFiles(fileOptions);
  // Filename mode writes hashed copies (unless a manifest says where collect put them): a bad baseUrl fails here, before any page.
  const copies = sourceFiles.mode === "filename" && !sourceFiles.options.manifest ? new HashedCopies(sourceFiles, copy, copiesFolderOf(sourceFiles.baseUrl)) : undefined;
  // What the templates call: the same StaticFiles, remembering the names asked for and the URLs printed.
  const tracked = new TrackedFiles(sourceFiles);
  const files = tracked.files;
  keepStaticImagesFromImageTransform(eleventyConfig, (src) => tracked.urls.has(src));

  eleventyConfig.amendLibrary("njk", (env: NunjucksEnvironment & { opts?: { tags?: object } }) => {
    // Amending the Environment keeps every option the user set (and Eleventy's `dev: true`).
    if (angle && env.opts) env.opts.tags = { ...env.opts.tags, ...angleTags };
    useStatic(env, files);
  });
  for (const helper of HELPERS) {
    const call = pageCall(files, helper);
    eleventyConfig.addLiquidShortcode(helper, call);
    eleventyConfig.addJavaScriptShortcode(helper, call);
    // vite prints HTML: a shortcode only, never a filter whose output an escaping engine would escape.
    if (helper === "vite") continue;
    eleventyConfig.addLiquidFilter(helper, call);
    eleventyConfig.addJavaScriptFilter(helper, call);
  }

  let handlebarsBinding: HandlebarsBinding | undefined;
  eleventyConfig.on("eleventy.before", () => {
    handlebarsBinding?.release();
    const instance = (handlebars as EleventyHandlebars | undefined) ?? handlebarsOfPlugin(eleventyConfig);
    handlebarsBinding = instance ? bindHandlebars(instance, files, angle, eleventyConfig.directories.output) : undefined;
  });
  eleventyConfig.on("eleventy.after", async (event: { outputMode?: string } | undefined) => {
    handlebarsBinding?.release();
    handlebarsBinding = undefined;
    if (copies && (event?.outputMode ?? "fs") === "fs") await copies.write(eleventyConfig.directories.output, tracked.names);
  });

  for (const root of sourceFiles.roots) eleventyConfig.addWatchTarget(watchTarget(root));
  eleventyConfig.on("eleventy.beforeWatch", (changed: readonly string[] | undefined) => {
    for (const path of changed ?? []) forgetChangedFile(sourceFiles, path);
  });
}

// Also by name, for CommonJS configs: `const { staticHash } = require("static-hash/eleventy")`.
export { staticHash };
// `require("static-hash/eleventy")` in a CommonJS config returns the plugin itself, as Eleventy plugins
// usually do; `.staticHash` and `.default` on it keep the other spellings working.
Object.assign(staticHash, { staticHash, default: staticHash });
export { staticHash as "module.exports" };

/** A Liquid or 11ty.js shortcode/filter: one core call, its error prefixed with the page's input path. */
function pageCall(files: StaticFiles, helper: Helper) {
  return function (this: { page?: { inputPath?: string } } | undefined, name: unknown, algorithm?: unknown): string {
    try {
      // `{% vite "src/main.ts", true %}` (Liquid) or `vite("src/main.ts", { integrity: true })` (11ty.js).
      if (helper === "vite") return files.viteTags(asName(name), algorithm === undefined || (typeof algorithm === "object" && algorithm !== null) ? (algorithm as object | undefined) : { integrity: algorithm as boolean });
      if (helper === "integrity") return files.integrity(asName(name), algorithm as IntegrityAlgorithm | undefined);
      return files.url(asName(name));
    } catch (error) {
      throw withLocation(error, `${helper} in ${this?.page?.inputPath ?? "a template"}`);
    }
  };
}

/** Liquid hands over strings; anything else is left for the core to refuse with its own message. */
function asName(name: unknown): string {
  return name instanceof String ? name.toString() : (name as string);
}

/** Forgets the one name a changed file under the roots stands for, so the next build hashes it afresh. */
function forgetChangedFile(files: StaticFiles, changedPath: string): void {
  const absolute = resolve(changedPath);
  for (const root of files.roots) {
    const inside = relative(root, absolute);
    if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) continue;
    files.invalidateCache(inside.split(sep).join("/"));
  }
}

/**
 * Every file under a root, as a glob relative to the project root. Eleventy 4 matches each changed
 * file against the targets' globs, so a bare folder would watch nothing below it; Eleventy 3 takes either.
 */
function watchTarget(root: string): string {
  const inside = relative(process.cwd(), root);
  const folder = inside === "" ? "." : inside.startsWith("..") || isAbsolute(inside) ? root.split(sep).join("/") : "./" + inside.split(sep).join("/");
  return `${folder.replace(/\/+$/, "")}/**`;
}

// --- Handlebars: helpers on the instance `.hbs` pages compile with, for one build at a time ---

/** A Handlebars instance as Eleventy's Handlebars plugin holds it: the adapter's slice, plus what undoing needs. */
type EleventyHandlebars = HandlebarsInstance & {
  helpers: Record<string, unknown>;
  unregisterHelper(name: string): void;
};

interface HandlebarsBinding {
  release(): void;
}

// Every helper function this module put on an instance, so a leftover of a failed build is never "restored".
const ourHelpers = new WeakSet<object>();

/**
 * Registers the helpers (and the angle syntax, or its absence) for one build and returns how to undo
 * it. Eleventy's Handlebars plugin compiles with one module-wide instance, so whatever is left there
 * would serve the next build. A failed build never reaches `eleventy.after`: its helpers then refuse
 * the pages of a build with another output folder rather than print this build's URLs there.
 */
function bindHandlebars(hb: EleventyHandlebars, files: StaticFiles, angle: boolean, output: string): HandlebarsBinding {
  const helpersBefore = new Map(HELPERS.map((helper) => [helper, hb.helpers[helper]]));
  const parsersBefore = { parse: hb.parse, parseWithoutProcessing: hb.parseWithoutProcessing };
  registerStatic(hb, files, { angle });
  for (const helper of HELPERS) hb.registerHelper(helper, onlyForOutput(helper, hb.helpers[helper] as (...args: any[]) => unknown, resolve(output)));
  const helpersInstalled = new Map(HELPERS.map((helper) => [helper, hb.helpers[helper]]));
  const parsersInstalled = { parse: hb.parse, parseWithoutProcessing: hb.parseWithoutProcessing };
  for (const helper of helpersInstalled.values()) if (typeof helper === "function") ourHelpers.add(helper);
  return {
    release() {
      for (const helper of HELPERS) {
        if (hb.helpers[helper] !== helpersInstalled.get(helper)) continue; // replaced since: not ours to undo
        const previous = helpersBefore.get(helper);
        if (typeof previous === "function" && !ourHelpers.has(previous)) hb.registerHelper(helper, previous as (...args: any[]) => unknown);
        else hb.unregisterHelper(helper);
      }
      for (const method of ["parse", "parseWithoutProcessing"] as const) {
        if (hb[method] === parsersInstalled[method]) hb[method] = parsersBefore[method];
      }
    },
  };
}

/** The page data Eleventy renders a Handlebars page with, as seen from a helper's last argument. */
interface HelperOptions {
  data?: { root?: { eleventy?: { directories?: { output?: string } } } };
}

/** The adapter's helper, for pages of the build that writes into `output` only. */
function onlyForOutput(helper: Helper, adapterHelper: (...args: any[]) => unknown, output: string) {
  return function (this: unknown, ...args: unknown[]): unknown {
    const pageOutput = (args.at(-1) as HelperOptions | undefined)?.data?.root?.eleventy?.directories?.output;
    // Pages rendered without Eleventy's data (RenderPlugin, say) cannot tell: only a page that says otherwise is refused.
    if (pageOutput !== undefined && resolve(pageOutput) !== output) {
      throw new Error(
        `The ${helper} helper on this Handlebars instance belongs to the Eleventy build writing ${output}, which failed before it could remove it: add the static-hash plugin to this build's config to use ${helper}.`,
      );
    }
    return adapterHelper.apply(this, args);
  };
}

/**
 * The Handlebars instance `@11ty/eleventy-plugin-handlebars` compiles with, when that plugin is in
 * this build: its `eleventyLibraryOverride`, or the `handlebars` module it requires itself.
 */
function handlebarsOfPlugin(eleventyConfig: EleventyConfig): EleventyHandlebars | undefined {
  const plugin = loadFromProject("@11ty/eleventy-plugin-handlebars");
  if (!plugin) return undefined;
  const entry = eleventyConfig.plugins?.find((candidate) => candidate.plugin === plugin.exports);
  const override = entry?.options?.eleventyLibraryOverride as EleventyHandlebars | undefined;
  if (override && typeof override.registerHelper === "function") return override;
  // A plugin added from inside another plugin runs at once and is not listed: its `hbs` extension shows it.
  const hasHbs = entry !== undefined || [...(eleventyConfig.extensionMap ?? [])].some((extension) => extension.key === "hbs");
  return hasHbs ? (createRequire(plugin.path)("handlebars") as EleventyHandlebars) : undefined;
}

/** A package as the project resolves it (from the working directory, else from beside this library). */
function loadFromProject(name: string): { path: string; exports: unknown } | undefined {
  for (const from of [join(process.cwd(), "package.json"), import.meta.url]) {
    try {
      const require = createRequire(from);
      const path = require.resolve(name);
      return { path, exports: require(path) };
    } catch {
      // not installed there: try the next place
    }
  }
  return undefined;
}
