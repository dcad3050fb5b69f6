import { readFileSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { isStaticFileError } from "../core/errors.js";
import { HASH_ALGORITHMS, type HashAlgorithm } from "../core/hash.js";
import { collect, type CollectResult } from "./collect.js";
import type { CollectOptions, CollectProgress } from "./options.js";

/** Where the command writes; `progress` is true when a progress bar may be drawn (stderr is a terminal). */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly progress?: boolean;
}

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

class UsageError extends Error {}

const VALUE_FLAGS = ["root", "out", "mode", "algorithm", "accuracy", "base-url", "missing"] as const;
const SWITCHES = ["quiet", "clear", "compress", "help", "version"] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
type Switch = (typeof SWITCHES)[number];

interface ParsedArgs {
  readonly values: Map<ValueFlag, string[]>;
  readonly switches: Set<Switch>;
  readonly positionals: string[];
}

/** Splits `--flag value`, `--flag=value` and switches; an unknown flag or a flag without its value is a usage error. */
function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<ValueFlag, string[]>();
  const switches = new Set<Switch>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h") {
      switches.add("help");
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") {
      if (arg.startsWith("-") && arg !== "-" && arg !== "--") throw new UsageError(`Unknown option ${arg}. ${SEE_HELP}`);
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    const flag = arg.slice(2, equals === -1 ? undefined : equals);
    if ((SWITCHES as readonly string[]).includes(flag)) {
      if (equals !== -1) throw new UsageError(`--${flag} takes no value; write just --${flag}.`);
      switches.add(flag as Switch);
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(flag)) {
      const near = [...VALUE_FLAGS, ...SWITCHES]
        .map((known) => ({ known, distance: editDistance(known, flag) }))
        .filter(({ distance }) => distance <= 2 && flag.length > 2)
        .sort((a, b) => a.distance - b.distance)[0]?.known;
      throw new UsageError(`Unknown option --${flag}${near ? ` (did you mean --${near}?)` : ""}. ${SEE_HELP}`);
    }
    let value: string | undefined;
    if (equals !== -1) value = arg.slice(equals + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) value = argv[++i];
    if (value === undefined || value === "") throw new UsageError(`--${flag} needs a value, as in ${EXAMPLES[flag as ValueFlag]}.`);
    const list = values.get(flag as ValueFlag) ?? [];
    if (list.length > 0 && flag !== "root") throw new UsageError(`--${flag} is given more than once; give it once.`);
    values.set(flag as ValueFlag, [...list, value]);
  }
  return { values, switches, positionals };
}

const SEE_HELP = "Run `static-hash collect --help` for the options.";
const EXAMPLES: Record<ValueFlag, string> = {
  root: "--root static",
  out: "--out dist/static",
  mode: "--mode filename",
  algorithm: "--algorithm md5",
  accuracy: "--accuracy 12",
  "base-url": "--base-url /static/",
  missing: "--missing warn",
};

function oneOf<T extends string>(flag: ValueFlag, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be ${allowed.join(" or ")}; got ${JSON.stringify(value)}.`);
}

/** The options of `collect` from the command line; anything wrong is a usage error saying what to fix. */
function collectOptionsFrom({ values, positionals }: ParsedArgs): CollectOptions {
  const extra = positionals.slice(1);
  if (extra.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(extra[0])}: give folders with --root and --out. ${SEE_HELP}`);
  const roots = values.get("root");
  const out = values.get("out")?.[0];
  if (!roots) throw new UsageError(`Missing --root: give the folder to collect, as in --root static. ${SEE_HELP}`);
  if (!out) throw new UsageError(`Missing --out: give the folder to write into, as in --out dist/static. ${SEE_HELP}`);
  const single = (flag: ValueFlag) => values.get(flag)?.[0];
  const accuracyText = single("accuracy");
  if (accuracyText !== undefined && !/^[1-9][0-9]*$/.test(accuracyText)) {
    throw new UsageError(`--accuracy must be a positive whole number of hash characters, such as 6 or 12; got ${JSON.stringify(accuracyText)}.`);
  }
  return {
    roots,
    out,
    mode: oneOf("mode", single("mode"), ["query", "filename"] as const),
    algorithm: oneOf<HashAlgorithm>("algorithm", single("algorithm"), HASH_ALGORITHMS),
    accuracy: accuracyText === undefined ? undefined : Number(accuracyText),
    baseUrl: single("base-url"),
    missing: oneOf("missing", single("missing"), ["error", "warn"] as const),
  };
}

// The core names options as the API does; on the command line they are flags.
const FLAG_NAMES: [RegExp, string][] = [
  [/Option `baseUrl`/g, "--base-url"],
  [/Option `accuracy`/g, "--accuracy"],
  [/Option `roots`/g, "--root"],
];

/**
 * `static-hash collect …`: parses the command line, runs `collect`, prints problems and a summary.
 * Returns the exit status: 0 collected (warnings included), 1 collecting failed, 2 usage error.
 */
export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let parsed: ParsedArgs;
  let options: CollectOptions;
  try {
    parsed = parseArgs(argv);
    if (parsed.switches.has("version")) {
      io.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    if (parsed.switches.has("help")) {
      io.stdout.write(USAGE);
      return 0;
    }
    const command = parsed.positionals[0];
    if (command === undefined) throw new UsageError(`Missing command: static-hash collect --root <folder> --out <folder>. ${SEE_HELP}`);
    if (command !== "collect") throw new UsageError(`Unknown command ${JSON.stringify(command)}: the command is \`static-hash collect\`. ${SEE_HELP}`);
    options = collectOptionsFrom(parsed);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`static-hash: ${error.message}\n`);
    return 2;
  }

  const quiet = parsed.switches.has("quiet");
  const bar = !quiet && io.progress ? await progressBar(io.stderr as NodeJS.WritableStream) : undefined;
  let result: CollectResult;
  try {
    result = await collect({ ...options, clear: parsed.switches.has("clear"), compress: parsed.switches.has("compress"), onProgress: bar?.update });
  } catch (error) {
    bar?.stop();
    if (isStaticFileError(error) && error.code === "STATIC_CONFIG") {
      const message = FLAG_NAMES.reduce((text, [pattern, flag]) => text.replace(pattern, flag), error.message);
      io.stderr.write(`static-hash: ${message}\n`);
      return 2;
    }
    io.stderr.write(`static-hash: collecting failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
  bar?.stop();

  for (const problem of result.problems) io.stderr.write(`${problem.severity}: ${problem.message}\n`);
  const errors = result.problems.filter((problem) => problem.severity === "error").length;
  const warnings = result.problems.length - errors;
  if (!result.ok) {
    io.stderr.write(`static-hash: collecting failed with ${plural(errors, "error")}; ${shownPath(result.manifestFile)} was not changed.\n`);
    return 1;
  }
  if (!quiet) io.stdout.write(summary(result, options.out, warnings) + "\n");
  return 0;
}

/** The one-line summary: files, bytes, what was written, rewritten references, warnings and time. */
export function summary(result: CollectResult, out: string, warnings: number): string {
  const { files, bytes, written, unchanged, references, removed, variants, durationMs } = result.stats;
  const parts = [`${plural(written, "file")} written`, `${unchanged} unchanged`, `${plural(references, "reference")} rewritten`];
  if (variants > 0) parts.push(`${plural(variants, "compressed variant")} written`);
  if (removed > 0) parts.push(`${removed} removed`);
  if (warnings > 0) parts.push(plural(warnings, "warning"));
  return `Collected ${plural(files, "file")} (${formatBytes(bytes)}) into ${out} in ${(durationMs / 1000).toFixed(2)} s: ${parts.join(", ")}.`;
}

/** A path as the user would type it: relative to the working folder when inside it. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** Levenshtein distance, for "did you mean" on a mistyped flag. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1000) return plural(bytes, "byte");
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

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

function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
