// What `StaticFiles.warm()` hashes, found by the one walker and hashed on the one worker pool.
import { statSync } from "node:fs";
import { join } from "node:path";
import { walkRoots } from "../fs/walk.js";
import { WorkerPool } from "../fs/worker-pool.js";
import { StaticFileError } from "./errors.js";
import type { FileDigests } from "../fs/digest.js";
import { FILE_GONE } from "../fs/signature.js";
import { parseName } from "./names.js";

/** A file to hash for a name: the file in the first root that has the name. */
export interface WarmTarget {
  /** The normalised name, as the cache keys it. */
  readonly path: string;
  readonly file: string;
  readonly rootIndex: number;
  readonly size: number;
}

/** What to hash, and the names the synchronous path must look up itself (it reports them exactly as `url()` does). */
export interface WarmPlan {
  readonly targets: WarmTarget[];
  readonly unresolved: string[];
}

// A worker takes tens of milliseconds to start: it pays off only with this much more to hash.
const BYTES_PER_THREAD = 32 * 1024 * 1024;
// The main thread hashes in slices this long, so a server keeps answering while warm() runs.
const SLICE_MS = 8;

/**
 * Worker threads worth starting for `files` files of `bytes` in all: one more per `BYTES_PER_THREAD`
 * beyond the first, and never more than files beyond the main thread's (one big file is hashed by the main thread alone).
 */
export function threadsFor(files: number, bytes: number): number {
  return Math.max(0, Math.min(files - 1, Math.ceil(bytes / BYTES_PER_THREAD) - 1));
}

/** Counts the files found and grows `pool` as they add up, so the threads boot while the walk goes on. */
function counter(pool: WorkerPool): (size: number) => void {
  let files = 0;
  let bytes = 0;
  return (size) => pool.grow(threadsFor(++files, (bytes += size)));
}

/**
 * Every file of the roots that a name leads to, the first root winning; dotfiles too, since `url()`
 * finds them. An entry a name leads to but that is no regular file (a FIFO, a broken link) goes to
 * `unresolved`, so `url()`'s own report surfaces it. A root that does not exist, or a folder that
 * cannot be listed, is a `STATIC_CONFIG` error.
 */
export function planRoots(roots: readonly string[], found?: (size: number) => void): WarmPlan {
  for (const root of roots) {
    const stats = statSync(root, { throwIfNoEntry: false });
    if (!stats?.isDirectory()) {
      throw new StaticFileError(
        "STATIC_CONFIG",
        `Cannot warm the cache: the root ${root} ${stats ? "is not a folder" : "does not exist"}. Check \`roots\`, or create the folder.`,
      );
    }
  }
  const targets: WarmTarget[] = [];
  const unresolved: string[] = [];
  walkRoots(roots, {
    ignore: () => false,
    everyName: true,
    onUnreadable: (folder, cause) => {
      const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
      throw new StaticFileError("STATIC_CONFIG", `Cannot warm the cache: the folder ${folder} cannot be listed (${code}). Give the server's user read access to it, or remove it from the roots.`, { cause });
    },
    // No URL leads to a name that is not UTF-8: nothing to warm.
    onNotUtf8: () => {},
    onNotAFile: (name) => {
      if (reachable(name)) unresolved.push(name);
    },
    onFile: ({ name, path, size }, rootIndex) => {
      if (!reachable(name)) return;
      targets.push({ path: name, file: path, rootIndex, size });
      found?.(size);
    },
  });
  return { targets, unresolved };
}

/** Whether `url(path)` looks this very path up: not when the file name holds `?`, `#` or `\`. */
function reachable(path: string): boolean {
  try {
    const parsed = parseName(path);
    return parsed.path === path && parsed.query === undefined && parsed.fragment === undefined && !parsed.directory;
  } catch {
    return false;
  }
}

/** Where each name leads, searching the roots in order as `url()` does; names are parsed (and refused) as `url()` parses them. */
export function planNames(roots: readonly string[], names: Iterable<string>, found?: (size: number) => void): WarmPlan {
  const targets: WarmTarget[] = [];
  const unresolved: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const { path, directory } = parseName(name);
    if (directory || seen.has(path)) continue;
    seen.add(path);
    let target: WarmTarget | undefined;
    let stop = false;
    for (let rootIndex = 0; rootIndex < roots.length && !stop; rootIndex++) {
      const file = join(roots[rootIndex], path);
      let stats;
      try {
        stats = statSync(file);
      } catch (error) {
        if (FILE_GONE.has((error as NodeJS.ErrnoException).code ?? "")) continue;
        break;
      }
      if (stats.isDirectory()) continue;
      stop = true;
      if (stats.isFile()) target = { path, file, rootIndex, size: stats.size };
    }
    if (target) {
      targets.push(target);
      found?.(target.size);
    } else unresolved.push(name);
  }
  return { targets, unresolved };
}

/**
 * Plans and digests in one go, for `StaticFiles.warm()`: the worker threads start while the roots are
 * walked, as soon as there is enough to hash for them, so they boot while the walk goes on.
 */
export async function warmDigests(roots: readonly string[], names: Iterable<string> | undefined, algorithm: string) {
  const pool = new WorkerPool();
  try {
    const found = counter(pool);
    const plan = names === undefined ? planRoots(roots, found) : planNames(roots, names, found);
    return { ...plan, results: await digestFiles(plan.targets, algorithm, pool) };
  } finally {
    void pool.stop(); // the threads exit in the background: warm() need not wait for them
  }
}

/**
 * Digests each file with `algorithm` on the main thread (in slices that let the event loop run)
 * and on every thread of `pool`, largest files first so the threads finish together. A file that
 * cannot be read gives `undefined`.
 */
export async function digestFiles(files: readonly { readonly file: string; readonly size: number }[], algorithm: string, pool: WorkerPool): Promise<(FileDigests | undefined)[]> {
  const order = files.map((_, index) => index).sort((a, b) => files[b].size - files[a].size);
  const jobs = order.map((index) => ({ path: files[index].file, scan: false, copyTo: undefined }));
  const { results } = await pool.run({ kind: "digest", algorithm, jobs }, { sliceMs: SLICE_MS });
  const digests: (FileDigests | undefined)[] = new Array(files.length);
  for (const [job, result] of results) {
    if ("hex" in result && result.signature) digests[order[job]] = { digests: new Map([[algorithm, Buffer.from(result.hex, "hex")]]), signature: result.signature };
  }
  return digests;
}
