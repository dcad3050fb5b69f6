/**
 * Eleventy plugin: `static` and `integrity` in every template language of an Eleventy site.
 *
 *     import staticHash from "static-hash/eleventy";
 *     eleventyConfig.addPlugin(staticHash, { roots: ["src/static"], baseUrl: "/static/" });
 *
 * Nunjucks gets the tags and filters of `static-hash/nunjucks`, Handlebars the helpers of
 * `static-hash/handlebars`, Liquid and 11ty.js shortcodes and filters that call the same `StaticFiles`.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { StaticFiles, StaticFileError, hashedPath, withLocation, type StaticFilesOptions } from "./index.js";
import { angleTags, useStatic, type NunjucksEnvironment } from "./nunjucks.js";

export interface StaticHashPluginOptions extends StaticFilesOptions {
  /** `<% static "x" %>` blocks in Nunjucks (and Markdown preprocessed by it). */
  angle?: boolean;
  /** An existing `StaticFiles` to use (shared with `serveStatic`, say) instead of options: pass one or the other. */
  files?: StaticFiles;
}

/** The parts of Eleventy's `eleventyConfig` this plugin uses. */
export interface EleventyConfig {
  addLiquidShortcode(name: string, shortcode: (...args: any[]) => unknown): void;
  addLiquidFilter(name: string, filter: (...args: any[]) => unknown): void;
  addJavaScriptShortcode(name: string, shortcode: (...args: any[]) => unknown): void;
  addJavaScriptFilter(name: string, filter: (...args: any[]) => unknown): void;
  amendLibrary(engine: string, amend: (library: any) => void): void;
  addWatchTarget(target: string): void;
  on(event: string, listener: (...args: any[]) => unknown): unknown;
  readonly directories: { readonly output: string };
}

type Helper = "static" | "integrity";
const HELPERS: readonly Helper[] = ["static", "integrity"];

/** The Eleventy plugin: `eleventyConfig.addPlugin(staticHash, { roots: ["src/static"] })`. */
export default function staticHash(eleventyConfig: EleventyConfig, options: StaticHashPluginOptions = {}): void {
  const { angle = false, files: given, ...fileOptions } = options ?? {};
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
  const files = given ?? new StaticFiles(fileOptions);

  eleventyConfig.amendLibrary("njk", (env: NunjucksEnvironment & { opts?: { tags?: object } }) => {
    // Amending the Environment keeps every option the user set (and Eleventy's `dev: true`).
    if (angle && env.opts) env.opts.tags = { ...env.opts.tags, ...angleTags };
    useStatic(env, files);
  });
  for (const helper of HELPERS) {
    const call = pageCall(files, helper);
    eleventyConfig.addLiquidShortcode(helper, call);
    eleventyConfig.addLiquidFilter(helper, call);
    eleventyConfig.addJavaScriptShortcode(helper, call);
    eleventyConfig.addJavaScriptFilter(helper, call);
  }

  eleventyConfig.on("eleventy.after", (event: { outputMode?: string } | undefined) => {
    if (files.mode === "filename" && !files.manifest && (event?.outputMode ?? "fs") === "fs") {
      writeHashedCopies(files, eleventyConfig.directories.output);
    }
  });

  for (const root of files.roots) eleventyConfig.addWatchTarget(watchTarget(root));
  eleventyConfig.on("eleventy.beforeWatch", (changed: readonly string[] | undefined) => {
    for (const path of changed ?? []) forgetChangedFile(files, path);
  });
}

/** A Liquid or 11ty.js shortcode/filter: one core call, its error prefixed with the page's input path. */
function pageCall(files: StaticFiles, helper: Helper) {
  return function (this: { page?: { inputPath?: string } } | undefined, name: unknown, algorithm?: unknown): string {
    try {
      if (helper === "integrity") return files.integrity(asName(name), algorithm as "sha384" | undefined);
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

/** Eleventy globs watch targets relative to the project root. */
function watchTarget(root: string): string {
  const inside = relative(process.cwd(), root);
  return inside === "" ? "." : inside.startsWith("..") || isAbsolute(inside) ? root : "./" + inside.split(sep).join("/");
}

// --- filename mode: hashed copies in the output folder ---

/**
 * Writes `<output>/<baseUrl path>/css/app.<h>.css` for every file of the roots (first root wins,
 * dotfiles, `CVS` and `*~` skipped as Django does), byte-identical to its source. A copy that exists is
 * kept: its name carries its content's hash.
 */
function writeHashedCopies(files: StaticFiles, output: string): void {
  const target = join(resolve(output), urlPathOf(files.baseUrl));
  for (const name of namesUnderRoots(files.roots)) {
    const found = files.lookup(name);
    if (!found.file || found.hash === "") continue;
    const copy = join(target, hashedPath(found.name.path, found.hash));
    if (existsSync(copy)) continue;
    mkdirSync(dirname(copy), { recursive: true });
    copyFileSync(found.file, copy);
  }
}

/** The folder part of `baseUrl` (`"/static/"` -> `static`; a CDN origin's path for an absolute URL). */
function urlPathOf(baseUrl: string): string {
  const path = /^[a-z][a-z0-9+.-]*:|^\/\//i.test(baseUrl) ? new URL(baseUrl, "http://localhost").pathname : baseUrl;
  return path
    .split("/")
    .filter((segment) => segment !== "" && segment !== "." && segment !== "..")
    .map((segment) => decodeURIComponent(segment))
    .join(sep);
}

function namesUnderRoots(roots: readonly string[]): Set<string> {
  const names = new Set<string>();
  const walk = (root: string, folder: string): void => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "CVS" || entry.name.endsWith("~")) continue;
      const name = folder === "" ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(root, name);
      else if (entry.isFile()) names.add(name);
    }
  };
  for (const root of roots) if (existsSync(root)) walk(root, "");
  return names;
}
