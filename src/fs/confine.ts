// Writing inside a folder without ever leaving it: no symbolic link on the way is followed.
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { dirname, join, sep } from "node:path";

/** A symbolic link found where a write would have gone through it. */
export interface LinkOnTheWay {
  readonly path: string;
  /** What the link points at, as written in it. */
  readonly target: string;
}

/**
 * Finds symbolic links between `root` (excluded: the user chose it) and `folder` (included), so
 * nothing is written through one. Remembers each folder it checked in `checked`.
 */
export function linkOnTheWay(root: string, folder: string, checked: Map<string, LinkOnTheWay | null>): LinkOnTheWay | undefined {
  const inside = root.endsWith(sep) ? root : root + sep;
  if (!folder.startsWith(inside) || folder.length <= inside.length) return undefined;
  const known = checked.get(folder);
  if (known !== undefined) return known ?? undefined;
  const found = linkOnTheWay(root, dirname(folder), checked) ?? linkAt(folder);
  checked.set(folder, found ?? null);
  return found ?? undefined;
}

function linkAt(path: string): LinkOnTheWay | undefined {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (!stats?.isSymbolicLink()) return undefined;
  let target = "?";
  try {
    target = readlinkSync(path);
  } catch {
    // gone again: still refused, the next run sees what is there
  }
  return { path, target };
}

/** True when `path` is a symbolic link (a file replaced by a link is never taken as up to date). */
export function isLink(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
}

/** An entry under a folder, found without following links: folders are walked, links are entries. */
export interface OwnEntry {
  /** `/`-separated path relative to the folder walked. */
  readonly name: string;
  readonly path: string;
  readonly kind: "file" | "folder" | "link" | "other";
}

/**
 * Every entry under `folder`, parents before children, never following a symbolic link (unlike
 * `readdir({ recursive: true })`, which walks into linked folders). Unlistable folders are skipped.
 */
export function ownEntries(folder: string): OwnEntry[] {
  const entries: OwnEntry[] = [];
  const walk = (dir: string, prefix: string) => {
    let listed;
    try {
      listed = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of listed) {
      const path = join(dir, entry.name);
      const name = prefix + entry.name;
      const kind = entry.isSymbolicLink() ? "link" : entry.isDirectory() ? "folder" : entry.isFile() ? "file" : "other";
      entries.push({ name, path, kind });
      if (kind === "folder") walk(path, name + "/");
    }
  };
  walk(folder, "");
  return entries;
}
