// Stage "plan": the files collect writes (each under its name, and in filename mode under its hashed
// name too) and the manifest's paths; two files wanting one name, or a name too long, are problems.
import { hashedPath } from "../core/names.js";
import type { SourceFile } from "../fs/walk.js";
import type { HashedFiles } from "./hash-in-order.js";
import type { CollectSettings } from "./options.js";
import { nameClash, nameTooLong, type CollectProblem } from "./problems.js";
import type { Rewritable } from "./read-sources.js";
import type { Output } from "./target.js";

export interface OutputPlan {
  /** The manifest's paths: name -> `name?hash` (query mode) or the hashed name. */
  readonly paths: Record<string, string>;
  /** Every output by name. */
  readonly outputs: ReadonlyMap<string, Output>;
  /** Name clashes and names too long, in file order. */
  readonly problems: readonly CollectProblem[];
  /** References rewritten. */
  readonly references: number;
}

/**
 * The outputs of the files without references, known as soon as the files are read: their copies
 * can start before the files with references are hashed. A clash or a name too long is left out,
 * for `planOutputs` to report.
 */
export function plainOutputs(
  sources: ReadonlyMap<string, SourceFile>,
  hex: ReadonlyMap<string, string>,
  rewritable: ReadonlyMap<string, Rewritable>,
  { mode, accuracy }: Pick<CollectSettings, "mode" | "accuracy">,
): Map<string, Output> {
  const outputs = new Map<string, Output>();
  for (const source of sources.values()) {
    const digest = hex.get(source.name);
    if (digest === undefined || rewritable.has(source.name)) continue;
    const original = plainOutput(source, digest);
    const planned = mode === "query" ? [original] : [original, { ...original, name: hashedPath(source.name, digest.slice(0, accuracy)), aliasOf: source.name }];
    for (const output of planned) {
      if (outputs.has(output.name) || hashedNameTooLong(output.name)) continue;
      outputs.set(output.name, output);
    }
  }
  return outputs;
}

/** Every output of the run and the manifest's paths, once every file is hashed. */
export function planOutputs(
  sources: ReadonlyMap<string, SourceFile>,
  hex: ReadonlyMap<string, string>,
  rewritable: ReadonlyMap<string, Rewritable>,
  { hashes, contents }: HashedFiles,
  { mode }: Pick<CollectSettings, "mode">,
): OutputPlan {
  const paths: Record<string, string> = {};
  const outputs = new Map<string, Output>();
  const problems: CollectProblem[] = [];
  let references = 0;
  const addOutput = (output: Output) => {
    const existing = outputs.get(output.name);
    if (existing && existing.hex !== output.hex) problems.push(nameClash(output.name, existing.from, output.from));
    else outputs.set(output.name, output);
  };
  for (const source of sources.values()) {
    const { name } = source;
    const hash = hashes.get(name)!;
    const rewritten = contents.get(name);
    const bytes = rewritable.get(name)?.bytes;
    const original: Output = rewritten
      ? { name, content: { bytes: bytes! }, size: bytes!.length, hex: hex.get(name)!, from: name }
      : plainOutput(source, hex.get(name)!);
    // The bytes served under the name that carries the hash: with references rewritten.
    const served: Output = rewritten ? { name, content: { bytes: rewritten.bytes }, size: rewritten.bytes.length, hex: rewritten.hex, from: name } : original;
    if (rewritten) references += rewritten.count;
    if (mode === "query") {
      paths[name] = `${name}?${hash}`;
      addOutput(served);
    } else {
      paths[name] = hashedPath(name, hash);
      const tooLong = hashedNameTooLong(paths[name]);
      if (tooLong) {
        problems.push(nameTooLong(name, paths[name].slice(paths[name].lastIndexOf("/") + 1), tooLong));
        continue;
      }
      addOutput(original);
      addOutput({ ...served, name: paths[name], aliasOf: served === original ? name : undefined });
    }
  }
  return { paths, outputs, problems, references };
}

/** A file of the roots copied as it is. */
function plainOutput(source: SourceFile, hex: string): Output {
  return { name: source.name, content: { copyOf: source.path }, size: source.size, hex, from: source.name };
}

/** The bytes the last segment of `name` takes when that is more than a file name may have (255), else 0. */
export function hashedNameTooLong(name: string): number {
  const last = name.slice(name.lastIndexOf("/") + 1);
  if (last.length <= 85) return 0; // every UTF-16 unit takes at most 3 bytes
  const bytes = Buffer.byteLength(last);
  return bytes > NAME_BYTES ? bytes : 0;
}
const NAME_BYTES = 255;
