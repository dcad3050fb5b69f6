// Option checking shared by StaticFiles, collect and the servers: one way to name a bad value, one
// "did you mean", so every options object answers a mistake the same way.
import { StaticFileError } from "./errors.js";

export function configError(message: string, cause?: unknown): StaticFileError {
  return new StaticFileError("STATIC_CONFIG", message, cause === undefined ? {} : { cause });
}

/** Makes the error a kind of options refuses with (`configError` for the core's; publish makes its own). */
export type MakeOptionError<E extends Error> = (message: string, cause?: unknown) => E;

// Which option an error is about, kept off the error object so its shape stays `code`, `asset`, `message`.
const optionErrors = new WeakMap<Error, { readonly option: string; readonly rule: string }>();

/**
 * A bad value of one option: "Option `baseUrl` must be …; got …", or "serveStatic option `maxAge`
 * must be …" when `subject` names whose options they are. A command line that spells the option as
 * a flag reads `option` and `rule` back with `optionOf`, instead of rewriting the message.
 */
export function optionError(option: string, rule: string, cause?: unknown): StaticFileError;
export function optionError<E extends Error>(option: string, rule: string, cause: unknown, make: MakeOptionError<E>, subject?: string): E;
export function optionError(option: string, rule: string, cause?: unknown, make: MakeOptionError<Error> = configError, subject?: string): Error {
  const error = make(`${subject ? `${subject} option` : "Option"} \`${option}\` ${rule}`, cause);
  optionErrors.set(error, { option, rule });
  return error;
}

/** The option and rule of an error made by `optionError`. */
export function optionOf(error: unknown): { readonly option: string; readonly rule: string } | undefined {
  return error instanceof Error ? optionErrors.get(error) : undefined;
}

/** A user's option value as printed in an error: JSON where it can be (a BigInt or a cycle cannot), else its kind. */
export function show(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 80 ? json.slice(0, 77) + "..." : json;
  } catch {
    // Falls through to the kind of value.
  }
  if (typeof value === "bigint") return `${value}n`;
  return typeof value === "function" ? "a function" : typeof value === "symbol" ? "a symbol" : `an unprintable ${typeof value}`;
}

/**
 * The known name a misspelt one most likely meant: the same letters ignoring case, `_` and `-`
 * (`key_prefix` -> `keyPrefix`), one the other starts (`accur` -> `accuracy`), the same first four
 * letters (`rootDirs` -> `roots`), or at most two edits away (`rot` -> `root`). `undefined` when
 * nothing is that close.
 */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  const squash = (text: string) => text.toLowerCase().replace(/[_-]/g, "");
  const wanted = squash(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const squashed = squash(candidate);
    if (squashed === wanted) return candidate;
    if (wanted.length < 3) continue;
    const distance =
      squashed.startsWith(wanted) || wanted.startsWith(squashed) ? 1 : wanted.length >= 4 && squashed.startsWith(wanted.slice(0, 4)) ? 2 : editDistance(squashed, wanted);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= 2 ? best : undefined;
}

/** Levenshtein distance. */
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

/**
 * Refuses a key `known` does not list, suggesting the nearest: "Unknown option `root`: did you mean
 * `roots`?". `subject` names whose options they are ("collect"), when more than one kind exists.
 */
export function checkOptionNames(options: object, known: readonly string[], subject?: string, make: MakeOptionError<Error> = configError): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = didYouMean(key, known);
    const what = subject ? `${subject} option` : "option";
    throw make(`Unknown ${what} \`${key}\`${near ? `: did you mean \`${near}\`?` : `; the options are ${known.join(", ")}.`}`);
  }
}

/** A string option that must be one of `allowed`; `undefined` gives `fallback`. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw optionError(name, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; got ${show(value)}.`);
}

/** A true/false option; `undefined` gives `fallback`. `subject` as for `optionError`. */
export function booleanOption(name: string, value: unknown, fallback: boolean, make: MakeOptionError<Error> = configError, subject?: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  throw optionError(name, `must be true or false; got ${show(value)}.`, undefined, make, subject);
}
