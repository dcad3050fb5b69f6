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
  const found = new Map<string, SourceFile>();
  for (const root of roots) {
    const visited = new Set<string>();
    // Synchronous on purpose: thousands of tiny stat calls are several times faster without a promise each.
    const walk = (folder: string, prefix: string): void => {
      let entries;
      try {
        const real = realpathSync(folder);
        if (visited.has(real)) return;
        visited.add(real);
        entries = readdirSync(folder, { withFileTypes: true });
      } catch (error) {
        onUnreadable(folder, error);
        return;
      }
      // A name that is not UTF-8 reads back with U+FFFD in it, and leads nowhere: report it instead.
      if (entries.some((entry) => entry.name.includes("\uFFFD"))) entries = utf8Entries(folder, prefix, (name) => onNotUtf8(name, root));
      for (const entry of entries) {
        if (isIgnored(entry.name)) continue;
        const path = join(folder, entry.name);
        const name = prefix + entry.name;
        if (entry.isDirectory()) {
          walk(path, name + "/");
          continue;
        }
        if (found.has(name) || !(entry.isFile() || entry.isSymbolicLink())) continue;
        let stats;
        try {
          stats = statSync(path, { throwIfNoEntry: false }); // a dangling link is skipped
        } catch (error) {
          onUnreadable(path, error); // a link loop (ELOOP), or a folder that can be listed but not searched
          continue;
        }
        if (stats?.isDirectory()) walk(path, name + "/");
        else if (stats?.isFile()) found.set(name, { name, path, size: stats.size });
      }
    };
    walk(root, "");
  }
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
