// `static-hash collect`: the command line over `collect()`.
import { isAbsolute, relative } from "node:path";
import { count, EXIT, formatBytes, oneLine, packageVersion, parseFlags, plural, UsageError, type CommandIo, type Flag } from "../command-line.js";
import { optionOf } from "../core/check-options.js";
import { isStaticFileError, type StaticFileError } from "../core/errors.js";
import { HASH_ALGORITHMS, type HashAlgorithm } from "../core/hash.js";
import { MANIFEST_NAME } from "../core/manifest.js";
import type { Mode } from "../core/options.js";
import { collect, type CollectResult } from "./collect.js";
import type { CollectOptions, CollectProgress } from "./options.js";

export type { CommandIo } from "../command-line.js";

export const USAGE = `Usage: static-hash collect --root <folder> [--root <folder>...] --out <folder> [options]

Copies every file of the roots into --out with content hashes, rewrites the
references inside CSS (url(), @import, sourceMappingURL) and JS (sourceMappingURL),
and writes staticfiles.json in Django's manifest format.

Options:
  --root <folder>      a folder to collect; repeat it for more (the first that has a name wins)
  --out <folder>       the folder to write into (outside the roots)
  --mode <mode>        query: css/app.css?<hash> (default); filename: css/app.<hash>.css
  --algorithm <name>   sha1 (default), md5, sha256, sha384 or sha512
  --accuracy <n>       hash characters in names and URLs (default 6)
  --base-url <url>     the URL the files are served under, Django's STATIC_URL (default /static/)
  --missing <policy>   error (default): a reference to a missing file fails the collect;
                       warn: it is reported and left as written
  --compress           also write <file>.br (brotli) and <file>.gz (gzip) next to each text,
                       CSS, JS, JSON, SVG, source map and font file, where they save 5% or more
  --clear              after writing the manifest, remove every file of --out this run
                       did not write (hashed copies of earlier runs, files gone from the roots)
  --quiet              no progress bar and no summary; errors and warnings are still printed
  -h, --help           show this help
  --version            show the version

Exit status: 0 collected (warnings included), 1 collecting failed, 2 usage error.
`;

const SEE_HELP = "Run `static-hash collect --help` for the options.";

const FLAGS = {
  root: { type: "string", multiple: true, example: "--root static" },
  out: { type: "string", example: "--out dist/static" },
  mode: { type: "string", example: "--mode filename" },
  algorithm: { type: "string", example: "--algorithm md5" },
  accuracy: { type: "string", example: "--accuracy 12" },
  "base-url": { type: "string", example: "--base-url /static/" },
  missing: { type: "string", example: "--missing warn" },
  clear: { type: "boolean" },
  compress: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies Record<string, Flag>;

// The flag that spells each option of `collect`, for the core's errors about an option.
const FLAG_OF: Record<string, string> = {
  roots: "--root",
  out: "--out",
  mode: "--mode",
  algorithm: "--algorithm",
  accuracy: "--accuracy",
  baseUrl: "--base-url",
  missing: "--missing",
};

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be ${allowed.join(" or ")}; got ${JSON.stringify(value)}.`);
}

/** The options of `collect` from the command line; anything wrong is a usage error saying what to fix. */
function collectOptionsFrom(values: ReturnType<typeof parseFlags<typeof FLAGS>>["values"], positionals: readonly string[]): CollectOptions {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}: give folders with --root and --out. ${SEE_HELP}`);
  const { root: roots, out, accuracy } = values;
  if (!roots) throw new UsageError(`Missing --root: give the folder to collect, as in --root static. ${SEE_HELP}`);
  if (!out) throw new UsageError(`Missing --out: give the folder to write into, as in --out dist/static. ${SEE_HELP}`);
  if (accuracy !== undefined && !/^[1-9][0-9]*$/.test(accuracy)) {
    throw new UsageError(`--accuracy must be a positive whole number of hash characters, such as 6 or 12; got ${JSON.stringify(accuracy)}.`);
  }
  return {
    roots,
    out,
    mode: oneOf("mode", values.mode, ["query", "filename"] as const),
    algorithm: oneOf<HashAlgorithm>("algorithm", values.algorithm, HASH_ALGORITHMS),
    accuracy: accuracy === undefined ? undefined : Number(accuracy),
    baseUrl: values["base-url"],
    missing: oneOf("missing", values.missing, ["error", "warn"] as const),
  };
}

/** A `STATIC_CONFIG` error as the command line says it: an option's rule under its flag's name. */
function asUsage(error: StaticFileError): string {
  const about = optionOf(error);
  const flag = about && FLAG_OF[about.option];
  return flag ? `${flag} ${about.rule}` : error.message;
}

/**
 * `static-hash collect …` (`argv` without the word `collect`): parses the flags, runs `collect`,
 * prints problems and a summary. Resolves to the exit status: 0 collected (warnings included),
 * 1 collecting failed, 2 usage error.
 */
export async function runCollectCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let options: CollectOptions;
  let values;
  try {
    const parsed = parseFlags(argv, FLAGS, "collect");
    values = parsed.values;
    if (values.version) {
      io.stdout.write(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    if (values.help) {
      io.stdout.write(USAGE);
      return EXIT.ok;
    }
    options = collectOptionsFrom(values, parsed.positionals);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`static-hash: ${error.message}\n`);
    return EXIT.usage;
  }

  const quiet = values.quiet === true;
  const bar = !quiet && io.progress ? await progressBar(io.stderr as NodeJS.WritableStream) : undefined;
  let result: CollectResult;
  try {
    result = await collect({ ...options, clear: values.clear === true, compress: values.compress === true, onProgress: bar?.update });
  } catch (error) {
    bar?.stop();
    if (isStaticFileError(error) && error.code === "STATIC_CONFIG") {
      io.stderr.write(`static-hash: ${asUsage(error)}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`static-hash: collecting failed: ${oneLine(error)}\n`);
    return EXIT.failed;
  }
  bar?.stop();

  for (const problem of result.problems) io.stderr.write(`${problem.severity}: ${problem.message}\n`);
  const errors = result.problems.filter((problem) => problem.severity === "error").length;
  const warnings = result.problems.length - errors;
  if (!result.ok) {
    io.stderr.write(`static-hash: collecting failed with ${plural(errors, "error")}; ${shownPath(result.manifestFile)} was not changed.\n`);
    return EXIT.failed;
  }
  if (!quiet) io.stdout.write(summary(result, options.out, options.mode ?? "query", warnings) + "\n");
  return EXIT.ok;
}

/**
 * The one-line summary: what was collected, what the output holds (originals, hashed copies, the
 * manifest), how much of it was written, references rewritten, warnings and time.
 */
export function summary(result: CollectResult, out: string, mode: Mode, warnings: number): string {
  const { files, bytes, written, unchanged, references, removed, variants, durationMs } = result.stats;
  // Filename mode keeps each original and writes a hashed copy beside it; query mode writes one copy per file.
  const holds = mode === "filename" ? `${plural(files, "original")}, ${plural(files, "hashed copy", "hashed copies")}` : plural(files, "copy", "copies");
  const parts = [`${holds} and ${MANIFEST_NAME} (${count(written)} written, ${count(unchanged)} unchanged)`, `${plural(references, "reference")} rewritten`];
  if (variants > 0) parts.push(`${plural(variants, "compressed variant")} written`);
  if (removed > 0) parts.push(`${count(removed)} removed`);
  if (warnings > 0) parts.push(plural(warnings, "warning"));
  return `Collected ${plural(files, "file")} (${formatBytes(bytes)}) into ${out} in ${(durationMs / 1000).toFixed(2)} s: ${parts.join(", ")}.`;
}

/** A path as the user would type it: relative to the working folder when inside it. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** A count with thousands separators: 5,883. */
/** A cli-progress bar on the terminal: one bar for reading the roots, then one for writing. */
async function progressBar(stream: NodeJS.WritableStream) {
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar({
    stream,
    format: "{phase} [{bar}] {value}/{total} files",
    clearOnComplete: true,
    hideCursor: true,
  });
  let phase: CollectProgress["phase"] | undefined;
  return {
    update: (progress: CollectProgress) => {
      const label = progress.phase === "read" ? "reading" : progress.phase === "compress" ? "compressing" : "writing";
      if (progress.phase !== phase) {
        if (phase === undefined) bar.start(progress.total, progress.done, { phase: label });
        else bar.setTotal(progress.total);
        phase = progress.phase;
      }
      bar.update(progress.done, { phase: label });
    },
    stop: () => {
      if (phase !== undefined) bar.stop();
    },
  };
}
