// The `static-hash` command line: subcommand dispatch, and flag parsing on node:util's parseArgs with
// one-line usage errors (exit status 2) that say what to fix.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { didYouMean } from "./core/check-options.js";

/** Where a command writes; `progress` is true when a progress bar may be drawn (stderr is a terminal). */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly progress?: boolean;
}

/** One subcommand: how it is written, and its runner, imported only when it runs. */
export interface Subcommand {
  /** One line for the command list: what it does. */
  readonly summary: string;
  /** Its shortest complete form: `static-hash collect --root <folder> --out <folder>`. */
  readonly synopsis: string;
  readonly load: () => Promise<(argv: readonly string[], io: CommandIo) => Promise<number>>;
}

/** Exit statuses shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake on the command line: printed as one line, exit status 2. */
export class UsageError extends Error {}

export interface Flag {
  readonly type: "string" | "boolean";
  /** May be given more than once (string flags only). */
  readonly multiple?: boolean;
  readonly short?: string;
  /** The flag with a value, for "needs a value, as in …" (string flags only). */
  readonly example?: string;
}

type Values<F extends Record<string, Flag>> = {
  [K in keyof F]?: F[K]["type"] extends "boolean" ? boolean : F[K]["multiple"] extends true ? string[] : string;
};

/**
 * Parses `argv` against `flags`: `--flag value`, `--flag=value`, switches, repeats where allowed.
 * An unknown flag (with the nearest known one), a flag without its value, a value on a switch or
 * a repeated single flag is a `UsageError`; `command` names the help to point at.
 */
export function parseFlags<F extends Record<string, Flag>>(argv: readonly string[], flags: F, command: string): { values: Values<F>; positionals: string[] } {
  const names = Object.keys(flags);
  // Lenient parsing gives every token; the checks below are the strict ones, each with its own message.
  const { values, positionals, tokens } = parseArgs({ args: [...argv], options: flags, strict: false, allowPositionals: true, tokens: true });
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const flag = flags[token.name];
    if (!flag) {
      const near = token.rawName.startsWith("--") ? didYouMean(token.name, names) : undefined;
      throw new UsageError(`Unknown option ${token.rawName}${near ? ` (did you mean --${near}?)` : ""}. Run \`static-hash ${command} --help\` for the options.`);
    }
    if (flag.type === "boolean" && token.value !== undefined) {
      throw new UsageError(`--${token.name} takes no value; write just --${token.name}.`);
    }
    // `--root --out x` takes "--out" as the value of --root: a value never starts with "--" unless written --root=--x.
    if (flag.type === "string" && (token.value === undefined || token.value === "" || (!token.inlineValue && token.value.startsWith("--")))) {
      throw new UsageError(`--${token.name} needs a value, as in ${flag.example ?? `--${token.name} <value>`}.`);
    }
    if (seen.has(token.name) && !flag.multiple) throw new UsageError(`--${token.name} is given more than once; give it once.`);
    seen.add(token.name);
  }
  return { values: values as Values<F>, positionals };
}

/**
 * Runs the command line `argv` (without node and the script): `<command> [flags]` dispatched
 * through `commands`, or `--help`, `--version`. Resolves to the exit status.
 */
export async function runCommandLine(commands: Readonly<Record<string, Subcommand>>, argv: readonly string[], io: CommandIo): Promise<number> {
  const names = Object.keys(commands);
  let at = 0;
  // Flags may come before the command (`static-hash --root static --out dist collect`), as they always could.
  if (argv.length > 0 && argv[0].startsWith("-") && !TOP_FLAGS.has(argv[0])) at = Math.max(0, argv.findIndex((arg) => Object.hasOwn(commands, arg)));
  const first = argv[at];
  if (first !== undefined && Object.hasOwn(commands, first)) {
    try {
      const run = await commands[first].load();
      return await run([...argv.slice(0, at), ...argv.slice(at + 1)], io);
    } catch (error) {
      // A command reports its own failures; anything that escapes it is still one line, never a stack.
      io.stderr.write(`static-hash: ${first} failed: ${oneLine(error)}\n`);
      return EXIT.failed;
    }
  }
  if (first === "--version") {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  if (first === "--help" || first === "-h") {
    io.stdout.write(commandList(commands));
    return EXIT.ok;
  }
  const hint = names.length === 1 ? `Run \`static-hash ${names[0]} --help\` for the options.` : "Run `static-hash --help` for the commands.";
  const message =
    first === undefined || first.startsWith("-")
      ? `Missing command: ${names.map((name) => commands[name].synopsis).join(", or ")}. ${hint}`
      : `Unknown command ${JSON.stringify(first)}${nearCommand(first, names)}: ${
          names.length === 1 ? `the command is \`static-hash ${names[0]}\`` : `the commands are ${names.map((name) => `\`static-hash ${name}\``).join(", ")}`
        }. ${hint}`;
  io.stderr.write(`static-hash: ${message}\n`);
  return EXIT.usage;
}

const TOP_FLAGS = new Set(["--help", "-h", "--version"]);

function nearCommand(name: string, names: readonly string[]): string {
  const near = didYouMean(name, names);
  return near ? ` (did you mean ${near}?)` : "";
}

/** An unexpected error's message on one line, with its system code when it has one: never a stack. */
export function oneLine(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (code && !message.includes(code) ? `${code}: ${message}` : message).replace(/\s*\n\s*/g, " ");
}

/** `static-hash --help`: the commands, each with its synopsis. */
export function commandList(commands: Readonly<Record<string, Subcommand>>): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}\n  ${" ".repeat(width)}  ${command.synopsis}`);
  return `Usage: static-hash <command> [options]

Commands:
${lines.join("\n")}

Run \`static-hash <command> --help\` for the options of a command.
Exit status: 0 done (warnings included), 1 the command failed, 2 usage error.
`;
}

/** This package's version, from its package.json. */
export function packageVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** A count as people read it: `11,767`. */
export function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** `1 file`, `5,883 files`. */
export function plural(value: number, noun: string, nouns = `${noun}s`): string {
  return `${count(value)} ${value === 1 ? noun : nouns}`;
}

/** `152 bytes`, `48.2 MB`. */
export function formatBytes(bytes: number): string {
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
