// Real temporary trees for the collect suites: roots written from a name -> content map, outputs read back the same way.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { collect, type CollectOptions, type CollectResult } from "../../src/collect/index.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);

/** The built command, for tests that run it as a user does. */
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export { tempFolder, writeTree };

/** Every file under `dir` as name -> text, names sorted. */
export function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const names = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
  for (const name of names) files[name] = readFileSync(join(dir, name), "utf8");
  return files;
}

/** Lowercase hex sha1 (or another digest) of a text, for checking pinned hashes independently. */
export function digest(text: string | Uint8Array, algorithm = "sha1"): string {
  return createHash(algorithm).update(text).digest("hex");
}

/** A root holding `files`, an empty output folder, and `collect` over them. */
export async function collectTree(
  files: Record<string, string | Uint8Array>,
  options: Omit<CollectOptions, "roots" | "out"> = {},
): Promise<{ root: string; out: string; result: CollectResult; output: Record<string, string> }> {
  const root = writeTree(tempFolder("root"), files);
  const out = join(tempFolder("out"), "static");
  const result = await collect({ roots: [root], out, ...options });
  const output = result.ok ? readTree(out) : {};
  return { root, out, result, output };
}

/** Runs the built `static-hash` command; resolves with its exit code and output. */
export function runCli(args: readonly string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
