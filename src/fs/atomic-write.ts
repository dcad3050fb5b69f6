import { spawnSync } from "node:child_process";
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { copyFile, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, sep } from "node:path";
import { ownEntries } from "./confine.js";
import { copyVerifiedSync } from "./copy-verified.js";

/** Every temporary file ends with this, so a crash's leftovers are recognisable (and removed by the next run). */
export const TEMP_SUFFIX = ".static-hash-tmp";
const TEMP_NAME = /^\..*\.(\d+)-\d+\.static-hash-tmp$/;
let counter = 0;

/** What to write: bytes in memory, or a copy of a file (with `verify`: only if its bytes still have that digest, or that hash). */
export type Content = { readonly bytes: Uint8Array } | { readonly copyOf: string; readonly verify?: { readonly algorithm: string; readonly hex: string } };

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
      if (content.verify) copyVerifiedSync(content.copyOf, temp, content.verify.algorithm, content.verify.hex);
      else await copyFile(content.copyOf, temp, constants.COPYFILE_EXCL);
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

/** The temporary name a file is written under before it is renamed to `file`: at most 122 bytes, whatever the script. */
export function tempNameFor(file: string): string {
  // String slicing, not path.join: called for every file of a run, on a path that is already normal.
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf(sep));
  return `${file.slice(0, slash + 1)}.${leadingBytes(file.slice(slash + 1), TEMP_NAME_BYTES)}.${process.pid}-${counter++}${TEMP_SUFFIX}`;
}

// The start of the name kept in a temporary name: with the process id, a counter and the suffix, far below 255 bytes.
const TEMP_NAME_BYTES = 80;

/** The longest start of `name` that takes at most `limit` bytes in UTF-8, never cutting a character in two. */
function leadingBytes(name: string, limit: number): string {
  if (name.length * 3 <= limit) return name; // every UTF-16 unit takes at most 3 bytes
  let bytes = 0;
  let end = 0;
  while (end < name.length) {
    const code = name.codePointAt(end)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > limit) break;
    bytes += size;
    end += code >= 0x10000 ? 2 : 1;
  }
  return name.slice(0, end);
}

/**
 * Makes a batch of writes durable in one step: one `syncfs` of the file system (Linux), one journal
 * commit for all of them. Where that is not available: an fsync of each file in `files` (in
 * parallel) and of each folder in `folders` (whose new entries must last).
 */
export async function makeDurable(root: string, files: readonly string[], folders: Iterable<string> = []): Promise<void> {
  if (syncFileSystem(root)) return;
  await inParallel(files, 16, fsyncFile);
  for (const folder of folders) await syncFolder(folder);
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
  let removed = 0;
  // Never through a link: a temporary name behind one belongs to another folder.
  for (const entry of ownEntries(folder)) {
    const base = entry.name.slice(entry.name.lastIndexOf("/") + 1);
    const match = TEMP_NAME.exec(base);
    if (!match || entry.kind !== "file" || processAlive(Number(match[1]))) continue;
    await rm(entry.path, { force: true });
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
