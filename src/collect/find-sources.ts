// Stage "find": the files of the roots, first root wins, and the folders that hold them.
import { MANIFEST_NAME } from "../core/manifest.js";
import { findSourceFiles, type SourceFile } from "../fs/walk.js";
import type { CollectSettings } from "./options.js";
import { manifestShadowed, nameNotUtf8, unreadableFolder, type CollectProblem } from "./problems.js";

/** Every file of the roots by name, without one named like the manifest (a problem): the manifest is collect's to write. */
export function findSources(roots: CollectSettings["roots"], problems: CollectProblem[]): Map<string, SourceFile> {
  const sources = findSourceFiles(
    roots,
    (path, error) => problems.push(unreadableFolder(path, error)),
    (name, root) => problems.push(nameNotUtf8(name, root)),
  );
  const shadowed = sources.get(MANIFEST_NAME);
  if (shadowed) {
    problems.push(manifestShadowed(MANIFEST_NAME, shadowed.path));
    sources.delete(MANIFEST_NAME);
  }
  return sources;
}

/** Every folder that holds a file of the roots (`css`, `css/vendor`), to tell a folder reference from a missing file. */
export function folderNames(names: Iterable<string>): Set<string> {
  const folders = new Set<string>();
  for (const name of names) {
    for (let slash = name.indexOf("/"); slash !== -1; slash = name.indexOf("/", slash + 1)) folders.add(name.slice(0, slash));
  }
  return folders;
}
