import { spawnSync } from "node:child_process";
import { closeSync, constants, copyFileSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { copyFile, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Every temporary file ends with this, so a crash's leftovers are recognisable (and removed by the next run). */
export const TEMP_SUFFIX = ".static-hash-tmp";
const TEMP_NAME = /^\..*\.(\d+)-\d+\.static-hash-tmp$/;
let counter = 0;

/** What to write: bytes in memory, or a copy of a file. */
export type Content = { readonly bytes: Uint8Array } | { readonly copyOf: string };

/**
 * Writes `file` so that it either keeps its old content or has the new one, never a part:
 * a temporary file in the same folder, fsync, then rename over the final name.
 */
export async function writeFileAtomic(file: string, content: Content): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = tempNameFor(file);
  try {
    if ("bytes" in content) {
      const handle = await open(temp, "wx");
      try {
        await handle.writeFile(content.bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } else {
      await copyFile(content.copyOf, temp, constants.COPYFILE_EXCL);
      const handle = await open(temp, "r+");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The temporary name a file is written under before it is renamed to `file`. */
function tempNameFor(file: string): string {
  return join(dirname(file), `.${basename(file).slice(0, 80)}.${process.pid}-${counter++}${TEMP_SUFFIX}`);
}

/**
 * Many files written atomically as one batch: each under a temporary name, then all made durable
 * in one step (one `syncfs` of the file system instead of an fsync per file), then all renamed
 * into place, then the renames made durable. A crash before the renames leaves only temporary
 * files (removed by the next run); after, every final name holds a whole, durable file.
 */
export class StagedFiles {
  /** Final path -> temporary path, in the order staged. */
  readonly #staged = new Map<string, string>();
  readonly #folders = new Set<string>();

  /** Writes `content` under a temporary name beside `target`. With `sameAs` (a target staged earlier with the same bytes), a hard link to it instead. */
  stage(target: string, content: Content, sameAs?: string): void {
    const folder = dirname(target);
    if (!this.#folders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      this.#folders.add(folder);
    }
    const temp = tempNameFor(target);
    this.#staged.set(target, temp);
    const twin = sameAs === undefined ? undefined : this.#staged.get(sameAs);
    if (twin !== undefined && linked(twin, temp)) return;
    if ("bytes" in content) writeFileSync(temp, content.bytes, { flag: "wx" });
    else copyFileSync(content.copyOf, temp, constants.COPYFILE_EXCL);
  }

  /** Makes every staged file durable, renames them into place, and makes the renames durable. */
  async commit(root: string): Promise<void> {
    if (!syncFileSystem(root)) await inParallel([...this.#staged.values()], 16, fsyncFile);
    for (const [target, temp] of this.#staged) {
      renameSync(temp, target);
      this.#staged.delete(target);
    }
    if (!syncFileSystem(root)) for (const folder of this.#folders) await syncFolder(folder);
  }

  /** Removes the temporary files not renamed yet (after a failure). */
  discard(): void {
    for (const temp of this.#staged.values()) rmSync(temp, { force: true });
    this.#staged.clear();
  }
}

/** A hard link `temp` -> `twin`; false where the file system has none (the caller copies instead). Safe because finished files are only ever replaced by rename, never written in place. */
function linked(twin: string, temp: string): boolean {
  try {
    linkSync(twin, temp);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EXDEV" || code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "EMLINK" || code === "ENOSYS") return false;
    throw error;
  }
}

/** Linux: `sync -f` runs syncfs(2), one journal commit for every file written; false where that is not available. */
function syncFileSystem(path: string): boolean {
  if (process.platform !== "linux") return false;
  const result = spawnSync("sync", ["-f", path], { stdio: "ignore" });
  return result.status === 0;
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `file` atomically and durably without yielding: temporary file, fsync, rename, fsync of the folder. */
export function writeFileAtomicSync(file: string, bytes: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = tempNameFor(file);
  try {
    const fd = openSync(temp, "wx");
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Flushes a folder's entries (the renames into it) to disk; a no-op where folders cannot be synced. */
export async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, "r");
    await handle.sync();
  } catch {
    // Windows and some file systems cannot fsync a folder; the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}

/** Removes temporary files under `folder` left by runs that died (their process is gone); call before writing. Returns how many. */
export async function removeStaleTempFiles(folder: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(folder, { recursive: true, withFileTypes: true });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const match = TEMP_NAME.exec(entry.name);
    if (!match || !entry.isFile() || processAlive(Number(match[1]))) continue;
    await rm(join(entry.parentPath, entry.name), { force: true });
    removed++;
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false; // called before this run writes anything: an earlier process had this pid
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
