// Stage "resolve": which file of the roots each reference of a CSS or JS file leads to.
import type { SourceFile } from "../fs/walk.js";
import type { CollectSettings } from "./options.js";
import { referenceNotFound, referenceOutsideRoots, type CollectProblem } from "./problems.js";
import type { Rewritable } from "./read-sources.js";
import { resolveReference } from "./resolve-reference.js";

/**
 * Sets the name each reference of `file` leads to when it is a file of the roots; returns a problem
 * for each one that leads outside the roots or to no file (all of them, not only the first). A URL
 * written many times is resolved once.
 */
export function resolveTargets(
  file: Rewritable,
  sources: ReadonlyMap<string, SourceFile>,
  folders: ReadonlySet<string>,
  settings: Pick<CollectSettings, "missing" | "baseUrl" | "roots">,
): CollectProblem[] {
  const problems: CollectProblem[] = [];
  const { references: list, source } = file;
  const severity = settings.missing === "warn" ? ("warning" as const) : ("error" as const);
  const resolved = new Map<string, ReturnType<typeof resolveReference>>();
  let lines: number[] | undefined;
  const lineStarts = () => (lines ??= list.lineStarts());
  for (let i = 0; i < list.count; i++) {
    const url = list.url(i);
    let target = resolved.get(url);
    if (target === undefined) {
      target = resolveReference(url, source.name, settings.baseUrl);
      resolved.set(url, target);
    }
    list.targets[i] = undefined;
    if (target.kind === "ignored") continue;
    if (target.kind === "outside") {
      problems.push(referenceOutsideRoots({ file: source.name, reference: list.reference(i, lineStarts), severity }, target.path));
    } else if (sources.has(target.name)) {
      list.targets[i] = target.name;
    } else {
      const where = { file: source.name, reference: list.reference(i, lineStarts), severity };
      problems.push(referenceNotFound(where, target.name, settings.roots, folders.has(target.name)));
    }
  }
  return problems;
}
