import { existsSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { booleanOption, checkOptionNames, configError, oneOf, optionError, show } from "../core/check-options.js";
import { ENCODINGS, type Encoding } from "../core/compressible.js";
import type { HashAlgorithm } from "../core/hash.js";
import { resolveOptions, type Mode } from "../core/options.js";

/** Options of `collect(options)`. */
export interface CollectOptions {
  /** Folders to collect, searched in order: the first one that has a name wins. */
  roots: string | readonly string[];
  /** Folder that receives the copies, the hashed copies and `staticfiles.json`. */
  out: string;
  /** `"query"`: `css/app.css?<h>`; `"filename"`: `css/app.<h>.css` next to a byte-identical `css/app.css`. Default `"query"`. */
  mode?: Mode;
  /** Digest of the content. Default `"sha1"`. */
  algorithm?: HashAlgorithm;
  /** Hash characters in names and URLs. Default 6. */
  accuracy?: number;
  /** The URL the files are served under (Django's STATIC_URL): references starting with it are rewritten too. Default `"/static/"`. */
  baseUrl?: string;
  /** What a missing reference (or one outside the roots) is: an error that stops the collect, or a warning. Default `"error"`. */
  missing?: "error" | "warn";
  /** Remove every file of `out` this run did not produce (old hashed copies too), once the new manifest is written. Default false. */
  clear?: boolean;
  /** Writes `<file>.br` (brotli 11) and `<file>.gz` (gzip 9) next to each compressible output; `true` is `["br", "gzip"]`. Default false. */
  compress?: boolean | readonly Encoding[];
  /** Accepted for symmetry with `--quiet`; `collect()` itself never prints. */
  quiet?: boolean;
  /** Called as files are read and written, for a progress bar. */
  onProgress?: (progress: CollectProgress) => void;
}

export interface CollectProgress {
  /** `"read"`: hashing and parsing the roots' files; `"write"`: writing the copies. */
  readonly phase: "read" | "write" | "compress";
  readonly done: number;
  readonly total: number;
}

export interface CollectSettings {
  readonly roots: readonly string[];
  readonly out: string;
  readonly mode: Mode;
  readonly algorithm: HashAlgorithm;
  readonly accuracy: number;
  readonly baseUrl: string;
  readonly missing: "error" | "warn";
  readonly clear: boolean;
  /** The codings to write variants in; empty when `compress` is off. */
  readonly compress: readonly Encoding[];
  readonly onProgress: ((progress: CollectProgress) => void) | undefined;
}

const OPTION_NAMES = ["roots", "out", "mode", "algorithm", "accuracy", "baseUrl", "missing", "clear", "compress", "quiet", "onProgress"];

/** Checks the options of `collect` and fills in the defaults; a bad one is a `STATIC_CONFIG` error saying what to fix. */
export function resolveCollectOptions(options: CollectOptions): CollectSettings {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw configError('collect() needs an options object such as { roots: ["static"], out: "dist/static" }.');
  }
  checkOptionNames(options, OPTION_NAMES, "collect");
  const { out, onProgress } = options;
  if (options.roots === undefined) throw configError('collect() needs `roots`: the folders to collect, such as ["static"].');
  if (typeof out !== "string" || out.length === 0 || out.includes("\0")) {
    throw optionError("out", `must be the folder to write into, such as "dist/static"; got ${show(out)}.`);
  }
  const missing = oneOf("missing", options.missing, ["error", "warn"], "error");
  const clear = booleanOption("clear", options.clear, false);
  const compress = resolveCompress(options.compress);
  if (onProgress !== undefined && typeof onProgress !== "function") throw optionError("onProgress", `must be a function; got ${show(onProgress)}.`);
  // The core checks what the two share, so `collect` and `StaticFiles` accept the same values.
  const core = resolveOptions({ roots: options.roots, mode: options.mode, algorithm: options.algorithm, accuracy: options.accuracy, baseUrl: options.baseUrl, cache: false });

  const outPath = realOrResolved(out);
  const roots = core.roots.map((root) => {
    const stats = statSync(root, { throwIfNoEntry: false });
    if (!stats) throw configError(`The root ${root} does not exist: check the path, or create the folder.`);
    if (!stats.isDirectory()) throw configError(`The root ${root} is a file, not a folder: give the folder that holds the static files.`);
    const real = realpathSync(root);
    if (inside(outPath, real) || inside(real, outPath)) {
      throw configError(`The output folder ${outPath} and the root ${root} overlap: collect into a folder outside the roots (Django refuses this too), such as "dist/static".`);
    }
    return real;
  });
  return { roots, out: outPath, mode: core.mode, algorithm: core.algorithm, accuracy: core.accuracy, baseUrl: core.baseUrl, missing, clear, compress, onProgress };
}

/** `compress`: true is every coding; a list names some of them, each once. */
function resolveCompress(compress: CollectOptions["compress"]): readonly Encoding[] {
  if (compress === undefined || compress === false) return [];
  if (compress === true) return ENCODINGS;
  const valid = Array.isArray(compress) && compress.length > 0 && compress.every((coding, index) => ENCODINGS.includes(coding) && compress.indexOf(coding) === index);
  if (!valid) throw configError(`Option \`compress\` must be true, false, or a list of codings from ${JSON.stringify(ENCODINGS)} such as ["br"]; got ${JSON.stringify(compress)}.`);
  return ENCODINGS.filter((coding) => compress.includes(coding));
}

/** True when `path` is `folder` or inside it. */
function inside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(".." + sep) && !isAbsolute(rel));
}

/**
 * The real path of a folder that may not exist yet: its nearest existing ancestor resolved, plus the
 * rest. That ancestor must be a folder: a file there could never hold the output.
 */
function realOrResolved(path: string): string {
  const missing: string[] = [];
  let existing = resolve(path);
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) return resolve(path);
    missing.unshift(basename(existing));
    existing = parent;
  }
  if (!statSync(existing).isDirectory()) {
    throw configError(
      missing.length === 0
        ? `The output folder ${path} is a file, not a folder: give a folder to write into, such as "dist/static" (it is created if missing).`
        : `The output folder ${path} cannot be created: ${existing} is a file, not a folder. Give a folder to write into, such as "dist/static".`,
    );
  }
  return join(realpathSync(existing), ...missing);
}
