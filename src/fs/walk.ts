// The one walker of the roots: first root wins, link loops walked once, Django's ignore rules.
import { isUtf8 } from "node:buffer";
import { readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
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

/** How `walkRoots` walks; the defaults are collect's (Django's `collectstatic`). */
export interface WalkOptions {
  /** A folder that cannot be listed; without `onNotAFile`, also a link that cannot be followed. */
  readonly onUnreadable: (path: string, error: unknown) => void;
  /** A name that is not valid UTF-8, its bytes escaped (`caf\xe9.css`); the entry is skipped. */
  readonly onNotUtf8?: (name: string, root: string) => void;
  /** Entry names to skip, files and folders; Django's `isIgnored` by default. */
  readonly ignore?: (entryName: string) => boolean;
  /**
   * Walk a folder under every name that leads to it (`linked/app.css` and `real/app.css`), stopping
   * only at a link back to a folder being walked. By default a folder is walked once, under the
   * first name found.
   */
  readonly everyName?: boolean;
  /**
   * A name that leads to no file or folder (a FIFO, socket or device, a dangling or looping link, an
   * entry that cannot be looked at): it claims its name as a file would (a later root's file of that
   * name is not found). Without it such names are skipped, a link that cannot be followed going to `onUnreadable`.
   */
  readonly onNotAFile?: (name: string, path: string) => void;
  /** Each file as it is found, with the index of its root (to start work while the walk goes on). */
  readonly onFile?: (file: SourceFile, rootIndex: number) => void;
}

/**
 * Every file of the roots by name, sorted by name; when two roots hold the same name the first
 * root wins, as in Django. Symbolic links are followed (a link loop is visited once); FIFOs, sockets
 * and devices are skipped. A folder that cannot be listed, or a link that cannot be followed, goes to `onUnreadable`.
 */
export function findSourceFiles(
  roots: readonly string[],
  onUnreadable: (path: string, error: unknown) => void,
  onNotUtf8: (name: string, root: string) => void = () => {},
): Map<string, SourceFile> {
  return walkRoots(roots, { onUnreadable, onNotUtf8 });
}

/** Every file of the roots by name, sorted by name, the first root winning; `options` say what else is walked and reported. */
export function walkRoots(roots: readonly string[], options: WalkOptions): Map<string, SourceFile> {
  const { onUnreadable, onNotUtf8, ignore = isIgnored, everyName = false, onNotAFile, onFile } = options;
  const found = new Map<string, SourceFile>();
  // Names claimed by something that is not a file (only reported with `onNotAFile`).
  const claimed = new Set<string>();
  roots.forEach((root, rootIndex) => {
    const visited = new Set<string>();
    // Synchronous on purpose: thousands of tiny stat calls are several times faster without a promise each.
    const walk = (folder: string, prefix: string): void => {
      let entries;
      let real;
      try {
        real = realpathSync(folder);
        if (visited.has(real)) return;
        visited.add(real);
        entries = readdirSync(folder, { withFileTypes: true });
      } catch (error) {
        onUnreadable(folder, error);
        return;
      }
      // A name that is not UTF-8 reads back with U+FFFD in it, and leads nowhere: report it instead.
      if (entries.some((entry) => entry.name.includes("\uFFFD"))) entries = utf8Entries(folder, prefix, (name) => onNotUtf8?.(name, root));
      for (const entry of entries) {
        if (ignore(entry.name)) continue;
        const path = join(folder, entry.name);
        const name = prefix + entry.name;
        if (entry.isDirectory()) {
          walk(path, name + "/");
          continue;
        }
        if (found.has(name) || claimed.has(name)) continue;
        const notAFile = () => {
          claimed.add(name);
          onNotAFile!(name, path);
        };
        if (!(entry.isFile() || entry.isSymbolicLink())) {
          if (onNotAFile) notAFile();
          continue;
        }
        let stats;
        try {
          stats = statSync(path, { throwIfNoEntry: false }); // a dangling link is skipped
        } catch (error) {
          if (onNotAFile) notAFile();
          else onUnreadable(path, error); // a link loop (ELOOP), or a folder that can be listed but not searched
          continue;
        }
        if (stats?.isDirectory()) walk(path, name + "/");
        else if (stats?.isFile()) {
          const file = { name, path, size: stats.size };
          found.set(name, file);
          onFile?.(file, rootIndex);
        } else if (onNotAFile) notAFile();
      }
      // Under every name: only a link back up the tree is a loop; the folder is walked again under another name.
      if (everyName) visited.delete(real);
    };
    walk(root, "");
  });
  return new Map([...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The entries of `folder` whose names are valid UTF-8; each other one goes to `onNotUtf8` with its bytes escaped. */
function utf8Entries(folder: string, prefix: string, onNotUtf8: (name: string) => void): Dirent[] {
  const raw = readdirSync(folder, { withFileTypes: true, encoding: "buffer" });
  const valid = new Set<string>();
  for (const entry of raw) {
    if (isUtf8(entry.name)) valid.add(entry.name.toString());
    else onNotUtf8(prefix + escapeBytes(entry.name));
  }
  return readdirSync(folder, { withFileTypes: true }).filter((entry) => valid.has(entry.name));
}

/** A name's bytes, printable ASCII as is and every other byte as `\xNN`. */
export function escapeBytes(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
  return text;
}
