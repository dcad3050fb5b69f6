import type { Stats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { StaticFileError } from "../core/errors.js";
import { signatureOf } from "../fs/signature.js";
import { MANIFEST_NAME, parseManifest } from "../core/manifest.js";
import { PublishError } from "./errors.js";
import { contentTypeOf, IMMUTABLE, REVALIDATE } from "./object-headers.js";

export { MANIFEST_NAME };

/** The encodings a precompressed sibling (`x.css.br`, `x.css.gz`) may carry. */
const VARIANT_ENCODINGS: Record<string, string> = { ".br": "br", ".gz": "gzip" };

/** A file of the collected folder and the headers its object gets. */
export interface LocalFile {
  /** Relative `/`-separated name: the key below the prefix. */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly contentType: string;
  readonly cacheControl: string;
  /** Set for a precompressed variant: `br` or `gzip`. */
  readonly contentEncoding?: string;
  /** For a variant, the name of the file it is a compressed copy of. */
  readonly variantOf?: string;
}

export interface LocalFolder {
  readonly files: LocalFile[];
  /** The folder's staticfiles.json, uploaded last, and the bytes that were read and checked: exactly those go up. */
  readonly manifest: LocalFile;
  readonly manifestBytes: Buffer;
  /** Every name the manifest lists, original and stored (query stripped), that must be in place before it goes up. */
  readonly named: ReadonlySet<string>;
  /** Names that are not valid UTF-8 or cannot be read: reported, not uploaded. */
  readonly unreadable: { readonly name: string; readonly reason: string }[];
}

/**
 * Reads a collected folder: every file except dotfiles, its size, and its headers, decided by the
 * manifest. A stored name the manifest lists under another name is hashed (immutable); the rest
 * (unhashed originals, query-mode files whose value is `name?hash`, the manifest) is revalidated.
 */
export async function readLocalFolder(folder: string): Promise<LocalFolder> {
  let folderStat;
  try {
    folderStat = await stat(folder);
  } catch (cause) {
    throw new PublishError("PUBLISH_FOLDER", `The folder ${folder} does not exist: give the folder \`static-hash collect --out\` wrote.`, { cause });
  }
  if (!folderStat.isDirectory()) throw new PublishError("PUBLISH_FOLDER", `${folder} is not a folder: give the folder \`static-hash collect --out\` wrote.`);

  const manifestPath = join(folder, MANIFEST_NAME);
  let manifestBytes: Buffer;
  let manifestStat: Stats;
  try {
    manifestStat = await stat(manifestPath);
    manifestBytes = await readFile(manifestPath);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const what = code === "ENOENT" ? `has no ${MANIFEST_NAME}` : `has a ${MANIFEST_NAME} that cannot be read (${code ?? (cause as Error).message})`;
    throw new PublishError("PUBLISH_FOLDER", `The folder ${folder} ${what}: run \`static-hash collect --out ${folder}\` (or Django's collectstatic) first, then publish that folder.`, { cause });
  }
  let paths: ReadonlyMap<string, string>;
  try {
    paths = parseManifest(manifestBytes.toString("utf8"), manifestPath, signatureOf(manifestStat)).paths;
  } catch (error) {
    if (error instanceof StaticFileError) throw new PublishError("PUBLISH_FOLDER", error.message, { cause: error });
    throw error;
  }

  const hashed = new Set<string>();
  const named = new Set<string>();
  for (const [name, value] of paths) {
    const stored = value.split("?")[0].split("#")[0];
    named.add(name);
    named.add(stored);
    if (stored !== name) hashed.add(stored);
  }

  const found: { name: string; path: string; size: number }[] = [];
  const unreadable: { name: string; reason: string }[] = [];
  await walk(folder, "", found, unreadable);
  const present = new Set(found.map((file) => file.name));
  present.delete(MANIFEST_NAME);

  const headersOf = (name: string) => ({ contentType: contentTypeOf(name), cacheControl: hashed.has(name) ? IMMUTABLE : REVALIDATE });
  const files: LocalFile[] = [];
  for (const file of found) {
    if (file.name === MANIFEST_NAME) continue;
    const ending = file.name.slice(file.name.lastIndexOf("."));
    const base = file.name.slice(0, -ending.length);
    const encoding = VARIANT_ENCODINGS[ending];
    // A sibling of a file in the folder that the manifest does not list itself is that file's compressed copy.
    if (encoding !== undefined && present.has(base) && !named.has(file.name)) {
      files.push({ ...file, ...headersOf(base), contentEncoding: encoding, variantOf: base });
    } else {
      files.push({ ...file, ...headersOf(file.name) });
    }
  }
  const manifest: LocalFile = { name: MANIFEST_NAME, path: manifestPath, size: manifestBytes.length, contentType: contentTypeOf(MANIFEST_NAME), cacheControl: REVALIDATE };
  return { files, manifest, manifestBytes, named, unreadable };
}

/** Collects every regular file below `dir` (links to files count; links to folders and dotfiles are skipped). */
async function walk(dir: string, prefix: string, found: { name: string; path: string; size: number }[], unreadable: { name: string; reason: string }[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, encoding: "buffer" });
  } catch (error) {
    unreadable.push({ name: prefix || ".", reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
    return;
  }
  for (const entry of entries) {
    const raw = entry.name as unknown as Buffer;
    const text = raw.toString("utf8");
    const name = prefix + text;
    if (!Buffer.from(text, "utf8").equals(raw)) {
      unreadable.push({ name, reason: "the name is not valid UTF-8, so it cannot be an S3 key" });
      continue;
    }
    if (text.startsWith(".")) continue;
    const path = join(dir, text);
    if (entry.isDirectory()) {
      await walk(path, `${name}/`, found, unreadable);
      continue;
    }
    try {
      const info = await stat(path);
      if (info.isFile()) found.push({ name, path, size: info.size });
    } catch (error) {
      unreadable.push({ name, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
    }
  }
}
