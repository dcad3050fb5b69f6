import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";

/** A file of the roots, under the name it is collected as. */
export interface SourceFile {
  /** `/`-separated path relative to its root: `css/app.css`. */
  readonly name: string;
  /** Absolute path of the file. */
  readonly path: string;
  readonly size: number;
}

/** Django's default ignore patterns: dotfiles and dot-folders, `CVS`, editor backups ending in `~`. */
export function isIgnored(entryName: string): boolean {
  return entryName.startsWith(".") || entryName === "CVS" || entryName.endsWith("~");
}

/**
 * Every file of the roots by name, sorted by name; when two roots hold the same name the first
 * root wins, as in Django. Symbolic links are followed (a link loop is visited once).
 */
export async function findSourceFiles(roots: readonly string[]): Promise<Map<string, SourceFile>> {
  const found = new Map<string, SourceFile>();
  for (const root of roots) {
    const visited = new Set<string>();
    const walk = async (folder: string, prefix: string): Promise<void> => {
      const real = await realpath(folder);
      if (visited.has(real)) return;
      visited.add(real);
      const entries = await readdir(folder, { withFileTypes: true });
      for (const entry of entries) {
        if (isIgnored(entry.name)) continue;
        const path = join(folder, entry.name);
        const name = prefix + entry.name;
        let isDirectory = entry.isDirectory();
        let isFile = entry.isFile();
        let size = -1;
        if (entry.isSymbolicLink() || isFile) {
          const stats = await stat(path).catch(() => undefined); // a dangling link is skipped
          if (!stats) continue;
          isDirectory = stats.isDirectory();
          isFile = stats.isFile();
          size = stats.size;
        }
        if (isDirectory) await walk(path, name + "/");
        else if (isFile && !found.has(name)) found.set(name, { name, path, size });
      }
    };
    await walk(root, "");
  }
  return new Map([...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
