import { readFileSync, statSync } from "node:fs";
import { StaticFileError } from "./errors.js";
import { signatureReadAt, type FileSignature } from "./hash.js";

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
  return { paths: map, version, hash: typeof hash === "string" ? hash : undefined, signature };
}

/** Reads and parses a `staticfiles.json`; any failure is a `STATIC_MANIFEST` error that names the file. */
export function readManifest(file: string): Manifest {
  let text: string;
  let signature: FileSignature;
  try {
    signature = signatureReadAt(statSync(file), Date.now());
    text = readFileSync(file, "utf8");
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new StaticFileError(
      "STATIC_MANIFEST",
      `The manifest ${file} cannot be read (${reason}): check the \`manifest\` option, or run \`static-hash collect\` to create it.`,
      { cause },
    );
  }
  return parseManifest(text, file, signature);
}
