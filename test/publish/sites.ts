// Collected folders to publish (made by the real `collect`), the built command, and checks of what a bucket holds.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { collect, type CollectOptions } from "../../src/collect/index.js";
import { tempFolder, writeTree } from "../temp-folders.js";
import type { S3Server } from "./s3-server.js";

export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
export const BUCKET = "assets";

const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

/** A small site of every kind of name: CSS with references, JS, images, a font, an archive, a name without extension. */
export function siteTree(version = "1"): Record<string, string | Buffer> {
  return {
    "css/app.css": `@import "base.css";\n.logo { background: url("../img/logo.png"); }\n/* v${version} */\n`,
    "css/base.css": "body { margin: 0 }\n",
    "js/app.js": `console.log("app ${version}");\n`,
    "img/logo.png": PNG,
    "img/icon.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
    "fonts/f.woff2": "woff2",
    "data/archive.tar.gz": gzipSync("tar"),
    Makefile: "all:\n",
  };
}

/** Collects `files` into a new folder (filename mode unless told) and returns the folder. */
export async function collectSite(files: Record<string, string | Buffer>, options: Omit<CollectOptions, "roots" | "out"> = {}): Promise<string> {
  const root = writeTree(tempFolder("site"), files);
  const out = join(tempFolder("collected"), "static");
  const result = await collect({ roots: root, out, mode: "filename", ...options });
  if (!result.ok) throw new Error(`collect failed: ${JSON.stringify(result.problems)}`);
  return out;
}

/** Writes brotli and gzip siblings next to `names` in a collected folder, as `collect --compress` does. */
export function addVariants(folder: string, names: readonly string[]): void {
  for (const name of names) {
    const bytes = readFileSync(join(folder, name));
    writeFileSync(join(folder, `${name}.br`), brotliCompressSync(bytes));
    writeFileSync(join(folder, `${name}.gz`), gzipSync(bytes));
  }
}

/** The folder's manifest `paths`. */
export function manifestPaths(folder: string): Record<string, string> {
  return (JSON.parse(readFileSync(join(folder, "staticfiles.json"), "utf8")) as { paths: Record<string, string> }).paths;
}

/** Every file of a folder, by `/`-separated name, sorted. */
export function folderNames(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}

/**
 * The promise that must hold after anything: the bucket's manifest is byte for byte one of `folders`'
 * manifests (or absent, before the first publish), every name it lists is in the bucket, and every
 * hashed name it lists holds that folder's bytes. Returns the index of the folder whose manifest is up, or -1.
 */
export async function checkBucketConsistent(server: S3Server, prefix: string, folders: readonly string[]): Promise<number> {
  const manifest = await server.get(BUCKET, `${prefix}staticfiles.json`);
  if (manifest === undefined) return -1;
  const index = folders.findIndex((folder) => readFileSync(join(folder, "staticfiles.json")).equals(manifest));
  if (index === -1) throw new Error(`the bucket's manifest is none of the published ones: ${manifest.toString("utf8").slice(0, 200)}`);
  const folder = folders[index];
  for (const [name, value] of Object.entries(manifestPaths(folder))) {
    const stored = value.split("?")[0];
    // A hashed name is bound to one version's bytes; an original name is rewritten in place by every publish.
    if (stored !== name) {
      const bytes = await server.get(BUCKET, prefix + stored);
      if (bytes === undefined) throw new Error(`the manifest up names ${stored}, which is not in the bucket`);
      if (!bytes.equals(readFileSync(join(folder, stored)))) throw new Error(`${stored} in the bucket is not the bytes the manifest up names`);
    }
    if ((await server.head(BUCKET, prefix + name)) === undefined) throw new Error(`the manifest up names ${name}, which is not in the bucket`);
  }
  return index;
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `static-hash publish …` as a user runs it, with s3rver's credentials unless `env` says otherwise. */
export function startPublishCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
  cli = CLI,
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [cli, "publish", ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runPublishCli(args: readonly string[], env?: Record<string, string | undefined>, cwd?: string, cli?: string): Promise<CliRun> {
  return startPublishCli(args, env, cwd, cli).done;
}
