/**
 * Request -> file: which file a static name resolves to (first root that has it, or the collected folder
 * of a manifest), and what the URL claims about its content (the proof to check before `immutable`).
 */
import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { storedName, type Manifest, type StoredName } from "../core/manifest.js";
import { hashInQuery, unhashPath } from "../core/names.js";
import type { StaticFiles } from "../core/static-files.js";
import { isFileAbsent } from "./file-errors.js";

/** What would make a response immutable. */
export type ProofClaim =
  | { readonly kind: "none" }
  /** The digest of the bytes sent must start with `hash`. */
  | { readonly kind: "digest"; readonly hash: string }
  /** A name that is its content's hash by construction (a current hashed name from a filename-mode manifest: collect writes it once, atomically). */
  | { readonly kind: "trusted" };

/** The file a request resolves to: `name` under `root`, its stat, and what the URL claims. */
export interface Target {
  readonly root: string;
  readonly name: string;
  readonly file: string;
  readonly stats: Stats;
  readonly claim: ProofClaim;
}

const NO_CLAIM: ProofClaim = { kind: "none" };
const TRUSTED_CLAIM: ProofClaim = { kind: "trusted" };

/** Finds files for one `StaticFiles`; `hashLength` is how many hash characters its URLs carry. */
export class Locator {
  private readonly storedNames = new WeakMap<Manifest, Set<string>>();

  constructor(
    private readonly files: StaticFiles,
    private readonly hashLength: number,
  ) {}

  /** The target of `name` (decoded, relative) with the request's `query`, or undefined for none. Rejects with file-system errors other than absence. */
  locate(manifest: Manifest | undefined, name: string, query: string | undefined): Promise<Target | undefined> {
    return manifest ? this.inManifest(manifest, name, query) : this.inRoots(name, query);
  }

  /** Non-manifest: the real file first (first root wins), else `x.<h>.ext` served from `x.ext`. */
  private async inRoots(name: string, query: string | undefined): Promise<Target | undefined> {
    const roots = this.files.roots;
    const direct = await findInRoots(roots, name);
    // Vite put its content hash in the names its manifest lists: trusted as collect's hashed names are.
    if (direct) return { ...direct, name, claim: this.files.isViteFile(name) ? TRUSTED_CLAIM : this.digestClaim(hashInQuery(query)) };
    const unhashed = unhashPath(name);
    if (!unhashed) return undefined;
    const original = await findInRoots(roots, unhashed.path);
    return original && { ...original, name: unhashed.path, claim: this.digestClaim(unhashed.hash) };
  }

  private digestClaim(hash: string): ProofClaim {
    return hash.length === this.hashLength ? { kind: "digest", hash } : NO_CLAIM;
  }

  /** Manifest: the collected folder; hashed names map back through the manifest. */
  private async inManifest(manifest: Manifest, name: string, query: string | undefined): Promise<Target | undefined> {
    const root = dirname(this.files.options.manifest!);
    const file = join(root, name);
    const stats = await fileStats(file);
    if (stats) {
      if (this.currentStoredNames(manifest).has(name) || this.files.isViteFile(name)) return { root, name, file, stats, claim: TRUSTED_CLAIM };
      const requested = hashInQuery(query);
      const recorded = storedQueryHash(manifest, name);
      return { root, name, file, stats, claim: requested !== "" && requested === recorded ? { kind: "digest", hash: requested } : NO_CLAIM };
    }
    // A stale hashed name: serve the current version of the file it named, revalidated.
    const unhashed = unhashPath(name);
    let storedPath: string | undefined;
    try {
      storedPath = unhashed && storedName(manifest, unhashed.path)?.file;
    } catch {
      return undefined;
    }
    if (!storedPath) return undefined;
    const currentFile = join(root, storedPath);
    const current = await fileStats(currentFile);
    return current && { root, name: storedPath, file: currentFile, stats: current, claim: NO_CLAIM };
  }

  private currentStoredNames(manifest: Manifest): Set<string> {
    let names = this.storedNames.get(manifest);
    if (!names) {
      names = new Set();
      for (const name of manifest.paths.keys()) {
        const stored = storedNameOrUndefined(manifest, name);
        if (stored && stored.query === undefined) names.add(stored.file);
      }
      this.storedNames.set(manifest, names);
    }
    return names;
  }
}

async function findInRoots(roots: readonly string[], name: string): Promise<{ root: string; file: string; stats: Stats } | undefined> {
  for (const root of roots) {
    const file = join(root, name);
    const stats = await fileStats(file);
    if (stats) return { root, file, stats };
  }
  return undefined;
}

/** The stat of a regular file; undefined when there is none (gone, a loop, a directory, a FIFO). */
async function fileStats(file: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(file);
    return stats.isFile() ? stats : undefined;
  } catch (error) {
    if (isFileAbsent(error)) return undefined;
    throw error;
  }
}

/** A manifest value that cannot be read as a stored name is no proof of anything. */
function storedNameOrUndefined(manifest: Manifest, name: string): StoredName | undefined {
  try {
    return storedName(manifest, name);
  } catch {
    return undefined;
  }
}

/** The hash a query-mode manifest recorded for `name` (`css/app.css?4e1243` -> `4e1243`), else "". */
function storedQueryHash(manifest: Manifest, name: string): string {
  const stored = storedNameOrUndefined(manifest, name);
  return stored?.query !== undefined && stored.file === name ? stored.hash : "";
}
