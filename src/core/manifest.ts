// The one home of `staticfiles.json`, as Django's ManifestFilesMixin is: its name, versions, reading,
// writing, and what a stored value (`css/app.css?4e1243` or `css/app.4e1243.css`) means.
import { readFileSync, statSync } from "node:fs";
import { StaticFileError } from "./errors.js";
import { hashBytes, type HashAlgorithm } from "./hash.js";
import { signatureReadAt, type FileSignature } from "../fs/signature.js";
import { hashInQuery, parseName, splitExtension } from "./names.js";

/** The manifest's file name, as Django names it. */
export const MANIFEST_NAME = "staticfiles.json";
/** The version written: Django 3.2 reads only "1.0"; 4.2+ read "1.0" and "1.1". */
export const MANIFEST_VERSION = "1.0";
/** Manifest versions Django writes (3.2 writes "1.0", 4.2+ write "1.1"); both are read. */
export const MANIFEST_VERSIONS = ["1.0", "1.1"] as const;

/** A parsed `staticfiles.json`. */
export interface Manifest {
  /** Original name -> stored name (`css/app.4e1243.css`, or `css/app.css?4e1243` from a query-mode collect). */
  readonly paths: ReadonlyMap<string, string>;
  readonly version: string;
  /** The manifest's own hash, when it has one. */
  readonly hash: string | undefined;
  /** The manifest file's signature when it was read. */
  readonly signature: FileSignature;
  /** Where it was read from, for error messages. */
  readonly source: string;
}

/** What `collect` writes into `staticfiles.json`. */
export interface ManifestContent {
  /** Name -> stored name: `css/app.css?4e1243` (query mode) or `css/app.4e1243.css` (filename mode). */
  readonly paths: Readonly<Record<string, string>>;
  readonly version: typeof MANIFEST_VERSION;
  /** Hash of the paths: changes whenever any URL changes. */
  readonly hash: string;
}

/** A stored value taken apart. */
export interface StoredName {
  /** Normalised path of the stored copy, relative to the manifest's folder. */
  readonly file: string;
  /** The stored value's query (`4e1243`, from a query-mode collect); `undefined` for a filename-mode value. */
  readonly query: string | undefined;
  /** The hash the value carries: the query's last `&` part, or the `.<h>` a hashed file name adds; `""` when none. */
  readonly hash: string;
}

/** The manifest of `paths` (name -> stored name), keys sorted so the same input gives the same bytes. */
export function createManifest(paths: Readonly<Record<string, string>>, algorithm: HashAlgorithm, accuracy: number): ManifestContent {
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { paths: sorted, version: MANIFEST_VERSION, hash: hashBytes(JSON.stringify(sorted), algorithm).slice(0, accuracy) };
}

/** The text of `staticfiles.json`: Django's `{"paths", "version", "hash"}`, indented, with a final newline. */
export function serializeManifest(manifest: ManifestContent): string {
  return JSON.stringify({ paths: manifest.paths, version: manifest.version, hash: manifest.hash }, null, 2) + "\n";
}

/**
 * What the manifest stores for `name`, taken apart; `undefined` when the name is not in it. A value
 * that is no file name inside the manifest's folder is a `STATIC_MANIFEST` error (`asset` names it).
 */
export function storedName(manifest: Manifest, name: string, asset: string = name): StoredName | undefined {
  const stored = manifest.paths.get(name);
  if (stored === undefined) return undefined;
  const queryAt = stored.indexOf("?");
  const path = queryAt === -1 ? stored : stored.slice(0, queryAt);
  const query = queryAt === -1 ? undefined : stored.slice(queryAt + 1);
  const refuse = (what: string, cause?: unknown) =>
    new StaticFileError(
      "STATIC_MANIFEST",
      `The manifest ${manifest.source} maps ${JSON.stringify(name)} to ${JSON.stringify(path)}, which is not a ${what}: rewrite it with \`static-hash collect\`.`,
      { asset, cause },
    );
  let file;
  try {
    file = parseName(path);
  } catch (cause) {
    throw refuse("file inside its folder", cause);
  }
  if (file.directory) throw refuse("file name");
  return { file: file.path, query, hash: query === undefined ? hashInFileName(name, file.path) : hashInQuery(query) };
}

/** The hash inside a filename-mode value: `css/app.4e1243.css` for `css/app.css` -> `4e1243`. */
function hashInFileName(original: string, stored: string): string {
  const [stem, extension] = splitExtension(original.slice(original.lastIndexOf("/") + 1));
  const base = stored.slice(stored.lastIndexOf("/") + 1);
  if (base.length > stem.length + extension.length + 1 && base.startsWith(stem + ".") && base.endsWith(extension)) {
    return base.slice(stem.length + 1, base.length - extension.length);
  }
  return "";
}

/** Parses the text of a `staticfiles.json`; `source` names it in errors. */
export function parseManifest(text: string, source: string, signature: FileSignature): Manifest {
  let data: unknown;
  try {
    // A byte order mark (some Windows editors add one) is no reason to refuse the file.
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new StaticFileError(
      "STATIC_MANIFEST",
      `The manifest ${source} is not valid JSON (${(cause as Error).message}): run \`static-hash collect\` (or Django's collectstatic) again to rewrite it.`,
      { cause },
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new StaticFileError("STATIC_MANIFEST", `The manifest ${source} is not a JSON object with "paths" and "version": run \`static-hash collect\` again.`);
  }
  const { paths, version, hash } = data as Record<string, unknown>;
  if (typeof version !== "string" || !(MANIFEST_VERSIONS as readonly string[]).includes(version)) {
    throw new StaticFileError(
      "STATIC_MANIFEST",
      `The manifest ${source} has ${version === undefined ? 'no "version"' : `version ${JSON.stringify(version)}`}; static-hash reads versions ${MANIFEST_VERSIONS.join(" and ")}: rewrite it with \`static-hash collect\`.`,
    );
  }
  if (typeof paths !== "object" || paths === null || Array.isArray(paths)) {
    throw new StaticFileError("STATIC_MANIFEST", `The manifest ${source} has no "paths" object: run \`static-hash collect\` again.`);
  }
  const map = new Map<string, string>();
  for (const [name, stored] of Object.entries(paths)) {
    if (typeof stored !== "string" || stored.length === 0) {
      throw new StaticFileError(
        "STATIC_MANIFEST",
        `The manifest ${source} maps ${JSON.stringify(name)} to ${JSON.stringify(stored)}, not a file name: run \`static-hash collect\` again.`,
      );
    }
    map.set(name, stored);
  }
  return { paths: map, version, hash: typeof hash === "string" ? hash : undefined, signature, source };
}

/** Reads and parses a `staticfiles.json`; any failure is a `STATIC_MANIFEST` error that names the file. */
export function readManifest(file: string): Manifest {
  const { text, signature } = readManifestText(file, (reason) => `The manifest ${file} cannot be read (${reason}): check the \`manifest\` option, or run \`static-hash collect\` to create it.`);
  return parseManifest(text, file, signature);
}

/**
 * The text of a manifest file (ours, Django's or Vite's) and the signature it was read at; a file that
 * cannot be read is a `STATIC_MANIFEST` error with the message `explain` gives for the reason.
 */
export function readManifestText(file: string, explain: (reason: string) => string): { text: string; signature: FileSignature } {
  try {
    const signature = signatureReadAt(statSync(file), Date.now());
    return { text: readFileSync(file, "utf8"), signature };
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new StaticFileError("STATIC_MANIFEST", explain(reason), { cause });
  }
}
