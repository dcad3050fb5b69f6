// What `StaticFiles.warm()` hashes, and the worker threads that hash it: one per core.
import { readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { StaticFileError } from "./errors.js";
import { FILE_GONE, type FileDigests } from "./hash.js";
import { parseName } from "./names.js";
import { digestBatch, WORKER_MARK, type WarmBatch, type WarmDigest } from "./warm-worker.js";

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

const WORKER_URL = new URL("./warm-worker.js", import.meta.url);
// A worker takes tens of milliseconds to start: it pays off only with this much more to hash.
const BYTES_PER_THREAD = 32 * 1024 * 1024;
// Small enough to share the files out evenly, large enough that messages cost nothing next to hashing.
const BATCH_BYTES = 4 * 1024 * 1024;
const BATCH_FILES = 64;
// Batches each worker holds at once, so it never waits for the next one.
const IN_FLIGHT = 2;

/**
 * Every file of the roots that a name leads to, the first root winning. An entry a name leads to but
 * that is no regular file (a FIFO, a broken link) goes to `unresolved`, so `url()`'s own report
 * surfaces it. A root that does not exist is a `STATIC_CONFIG` error.
 */
export function planRoots(roots: readonly string[], threads?: HashingThreads): WarmPlan {
  const claimed = new Map<string, WarmTarget | null>();
  roots.forEach((root, rootIndex) => {
    const stats = statSync(root, { throwIfNoEntry: false });
    if (!stats?.isDirectory()) {
      throw new StaticFileError(
        "STATIC_CONFIG",
        `Cannot warm the cache: the root ${root} ${stats ? "is not a folder" : "does not exist"}. Check \`roots\`, or create the folder.`,
      );
    }
    walk(root, "", rootIndex, claimed, new Set([`${stats.dev}:${stats.ino}`]), threads);
  });
  const targets: WarmTarget[] = [];
  const unresolved: string[] = [];
  for (const [path, target] of claimed) {
    if (target) targets.push(target);
    else unresolved.push(path);
  }
  return { targets, unresolved };
}

function walk(folder: string, prefix: string, rootIndex: number, claimed: Map<string, WarmTarget | null>, visited: Set<string>, threads?: HashingThreads): void {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new StaticFileError("STATIC_CONFIG", `Cannot warm the cache: the folder ${folder} cannot be listed (${code}). Give the server's user read access to it, or remove it from the roots.`, { cause });
  }
  for (const entry of entries) {
    const path = prefix + entry.name;
    const file = join(folder, entry.name);
    let stats;
    try {
      stats = entry.isDirectory() || entry.isFile() || entry.isSymbolicLink() ? statSync(file) : undefined;
    } catch {
      stats = undefined; // a broken or looping link: the name leads nowhere hashable
    }
    if (stats?.isDirectory()) {
      const id = `${stats.dev}:${stats.ino}`;
      // A link back up the tree would walk forever; what lies under it is reachable by a shorter name.
      if (visited.has(id)) continue;
      visited.add(id);
      walk(file, path + "/", rootIndex, claimed, visited, threads);
      visited.delete(id);
      continue;
    }
    if (claimed.has(path) || !reachable(path)) continue;
    const isFile = stats?.isFile() === true;
    claimed.set(path, isFile ? { path, file, rootIndex, size: stats!.size } : null);
    if (isFile) threads?.found(stats!.size);
  }
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
export function planNames(roots: readonly string[], names: Iterable<string>, threads?: HashingThreads): WarmPlan {
  const targets: WarmTarget[] = [];
  const unresolved: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const { path, directory } = parseName(name);
    if (directory || seen.has(path)) continue;
    seen.add(path);
    let target: WarmTarget | undefined;
    let found = false;
    for (let rootIndex = 0; rootIndex < roots.length && !found; rootIndex++) {
      const file = join(roots[rootIndex], path);
      let stats;
      try {
        stats = statSync(file);
      } catch (error) {
        if (FILE_GONE.has((error as NodeJS.ErrnoException).code ?? "")) continue;
        found = true;
        break;
      }
      if (stats.isDirectory()) continue;
      found = true;
      if (stats.isFile()) target = { path, file, rootIndex, size: stats.size };
    }
    if (target) {
      targets.push(target);
      threads?.found(target.size);
    } else unresolved.push(name);
  }
  return { targets, unresolved };
}

/**
 * Plans and digests in one go, for `StaticFiles.warm()`: the worker threads start while the roots are
 * walked, as soon as there is enough to hash for them, so they boot while the walk goes on.
 */
export async function warmDigests(roots: readonly string[], names: Iterable<string> | undefined, algorithm: string) {
  const threads = new HashingThreads();
  try {
    const plan = names === undefined ? planRoots(roots, threads) : planNames(roots, names, threads);
    return { ...plan, results: await digestFiles(plan.targets, algorithm, threads) };
  } finally {
    threads.stop();
  }
}

/**
 * The worker threads that help the main thread hash: one more each time `found` has counted
 * another `BYTES_PER_THREAD` (and another file) to hash, up to one per core besides the main thread's.
 */
export class HashingThreads {
  /** Each worker, once it runs (rejects if it fails to start). */
  readonly started: Promise<Worker>[] = [];
  private readonly workers: Worker[] = [];
  private bytes = 0;
  private files = 0;

  constructor(private readonly maxWorkers = availableParallelism() - 1) {}

  /** Counts a file to hash; starts a worker when there is enough for one more thread. */
  found(size: number): void {
    this.bytes += size;
    this.files++;
    // A thread needs a file of its own too: one big file is hashed by the main thread alone.
    while (this.workers.length < this.maxWorkers && this.files > this.workers.length + 1 && this.bytes > (this.workers.length + 1) * BYTES_PER_THREAD) {
      const worker = new Worker(WORKER_URL, { workerData: WORKER_MARK });
      const started = new Promise<Worker>((resolve, reject) => {
        worker.once("online", () => resolve(worker));
        worker.once("error", (error) => reject(new Error(`A hashing thread of StaticFiles.warm() failed: ${error.message}`, { cause: error })));
      });
      started.catch(() => {}); // reported where it is awaited
      this.workers.push(worker);
      this.started.push(started);
    }
  }

  /** Ends the workers; they exit in the background, so warm() need not wait for them. */
  stop(): void {
    for (const worker of this.workers.splice(0)) void worker.terminate();
  }
}

/**
 * Digests each file with `algorithm`: the main thread takes batches of files at once, and each of
 * `threads`' workers as soon as it runs (until then the main thread hashes alone).
 * A file that cannot be read gives `undefined`.
 */
export async function digestFiles(
  files: readonly { readonly file: string; readonly size: number }[],
  algorithm: string,
  threads: HashingThreads,
): Promise<(FileDigests | undefined)[]> {
  const results: (FileDigests | undefined)[] = new Array(files.length);
  const batches = batchesOf(files);
  const store = (id: number, digests: readonly WarmDigest[]) => {
    digests.forEach((answer, k) => {
      results[batches[id][k]] =
        "error" in answer
          ? undefined
          : { digests: new Map([[algorithm, Buffer.from(answer.digest.buffer, answer.digest.byteOffset, answer.digest.byteLength)]]), signature: answer.signature };
    });
  };
  const pathsOf = (id: number) => batches[id].map((index) => files[index].file);
  let next = 0;

  const feed = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      let pending = 0;
      const send = () => {
        if (next >= batches.length) return;
        const id = next++;
        pending++;
        worker.postMessage({ id, files: pathsOf(id), algorithm } satisfies WarmBatch);
      };
      const finish = (settle: () => void) => {
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
        settle();
      };
      const onMessage = ({ id, digests }: { id: number; digests: WarmDigest[] }) => {
        store(id, digests);
        pending--;
        send();
        if (pending === 0) finish(resolve);
      };
      const onError = (error: Error) => finish(() => reject(new Error(`A hashing thread of StaticFiles.warm() failed: ${error.message}`, { cause: error })));
      const onExit = (code: number) => finish(() => reject(new Error(`A hashing thread of StaticFiles.warm() stopped early (exit code ${code}).`)));
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
      for (let k = 0; k < IN_FLIGHT; k++) send();
      if (pending === 0) finish(resolve);
    });
  const working = threads.started.map((started) => started.then(feed));

  while (next < batches.length) {
    const id = next++;
    store(id, digestBatch(pathsOf(id), algorithm));
    // Between batches, let the workers in (so they get their next batch at once) and the server breathe.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(working);
  return results;
}

/** File indexes in batches, largest files first, so the last batches are small and the threads finish together. */
function batchesOf(files: readonly { readonly size: number }[]): number[][] {
  const order = files.map((_, index) => index).sort((a, b) => files[b].size - files[a].size);
  const batches: number[][] = [];
  let batch: number[] = [];
  let bytes = 0;
  for (const index of order) {
    batch.push(index);
    bytes += files[index].size;
    if (bytes >= BATCH_BYTES || batch.length >= BATCH_FILES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

