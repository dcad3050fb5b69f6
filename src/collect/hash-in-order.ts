// Stage "hash in dependency order": every file's hash, and the rewritten content of the files
// with references, each hashed after the files it refers to.
import { hashBytes } from "../core/hash.js";
import { componentsInDependencyOrder } from "./graph.js";
import type { CollectSettings } from "./options.js";
import type { Rewritable } from "./read-sources.js";
import { hashReference } from "./resolve-reference.js";

/** A file's content with its references rewritten. */
export interface Rewritten {
  readonly bytes: Buffer;
  /** Full digest of `bytes`. */
  readonly hex: string;
  /** References rewritten. */
  readonly count: number;
}

export interface HashedFiles {
  /** Name -> the hash in its names and URLs (`accuracy` characters). */
  readonly hashes: ReadonlyMap<string, string>;
  /** Name -> rewritten content, for the files with references. */
  readonly contents: ReadonlyMap<string, Rewritten>;
}

/**
 * The hash of every file and the rewritten content of each CSS and JS file. A file's hash covers
 * its rewritten content, so files are hashed after everything they refer to. The members of a
 * cycle share one hash, of their names and their contents with every reference out of the cycle
 * rewritten: it changes when a member, or anything a member refers to, changes.
 */
export function hashInDependencyOrder(
  rewritable: ReadonlyMap<string, Rewritable>,
  rawHex: ReadonlyMap<string, string>,
  { algorithm, accuracy, mode }: Pick<CollectSettings, "algorithm" | "accuracy" | "mode">,
): HashedFiles {
  const hashes = new Map<string, string>();
  for (const [name, hex] of rawHex) if (!rewritable.has(name)) hashes.set(name, hex.slice(0, accuracy));
  const contents = new Map<string, Rewritten>();

  const render = (file: Rewritable) => {
    const { references: list } = file;
    // One replacement per URL written: a URL written many times leads to one target with one hash.
    const replacements = new Map<string, Buffer>();
    return list.render((index) => {
      const target = list.targets[index];
      const hash = target === undefined ? undefined : hashes.get(target);
      if (hash === undefined) return undefined;
      const url = list.url(index);
      let replacement = replacements.get(url);
      if (replacement === undefined) {
        replacement = Buffer.from(hashReference(url, target!, hash, mode), list.encoding);
        replacements.set(url, replacement);
      }
      return replacement;
    });
  };
  const dependencyLists = new Map<string, string[]>();
  for (const [name, file] of rewritable) {
    const targets = new Set<string>();
    for (const target of file.references.targets) if (target !== undefined && rewritable.has(target)) targets.add(target);
    dependencyLists.set(name, [...targets]);
  }
  const dependencies = (name: string) => dependencyLists.get(name)!;

  for (const component of componentsInDependencyOrder(rewritable.keys(), dependencies)) {
    const cycle = component.length > 1 || dependencies(component[0]).includes(component[0]);
    if (cycle) {
      const members = [...component].sort();
      const parts = members.flatMap((name) => {
        const partial = render(rewritable.get(name)!).bytes;
        return [Buffer.from(`${name}\0${partial.length}\0`), partial];
      });
      const shared = hashBytes(Buffer.concat(parts), algorithm).slice(0, accuracy);
      for (const name of members) hashes.set(name, shared);
    }
    for (const name of component) {
      const { bytes, count } = render(rewritable.get(name)!);
      const hex = hashBytes(bytes, algorithm);
      contents.set(name, { bytes, hex, count });
      if (!cycle) hashes.set(name, hex.slice(0, accuracy));
    }
  }
  return { hashes, contents };
}
