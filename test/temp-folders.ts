// Real temporary folders for the suites: each holds the files a test names, and all are removed after.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const made: string[] = [];

/** A new empty folder under the system temp dir, removed by `removeTempFolders()`. */
export function tempFolder(label = "test"): string {
  const dir = mkdtempSync(join(tmpdir(), `static-hash-${label}-`));
  made.push(dir);
  return dir;
}

/** Writes `files` (relative path -> content) under `dir`, creating folders as needed; returns `dir`. */
export function writeTree(dir: string, files: Record<string, string | Uint8Array>): string {
  for (const [name, content] of Object.entries(files)) {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

/** A new temp folder holding `files`. */
export function tempRoot(files: Record<string, string | Uint8Array>, label?: string): string {
  return writeTree(tempFolder(label), files);
}

export function removeTempFolders(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs `call` and returns what it threw; fails the test when it does not throw. */
export function thrown(call: () => unknown): Error & { code?: string; asset?: string; cause?: unknown } {
  try {
    call();
  } catch (error) {
    return error as Error & { code?: string; asset?: string };
  }
  throw new Error("expected the call to throw, and it returned");
}

/** Waits until files written before now are older than a file-system timestamp tick, so their stat is trusted. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 150));
}

/** Every file and link under `dir`, following nothing: name -> content (latin1, so any bytes compare), links as `-> target`. */
export function folderSnapshot(dir: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const name = path.slice(dir.length + 1);
    if (entry.isSymbolicLink()) found[name] = `-> ${readlinkSync(path)}`;
    else if (entry.isFile()) found[name] = readFileSync(path, "latin1");
  }
  return found;
}
