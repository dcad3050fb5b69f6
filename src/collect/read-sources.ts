// Stage "read": the digest of every file of the roots, and the references of its CSS and JS files.
// The main thread reads and parses the stylesheets while the lane's worker digests the other files
// (copying each one bound for a new folder as it reads it).
import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { hashBytes } from "../core/hash.js";
import { readFileWithRetry } from "../fs/digest.js";
import type { SourceFile } from "../fs/walk.js";
import { SOURCE_MAP_WORD, type DigestJob, type WorkLane } from "./lane-work.js";
import type { CollectSettings } from "./options.js";
import { notUtf8, unreadable, type CollectProblem } from "./problems.js";
import { ReferenceList } from "./reference-list.js";
import { TargetError, type CollectTarget } from "./target.js";

/** A file whose references are rewritten. */
export interface Rewritable {
  readonly source: SourceFile;
  readonly bytes: Buffer;
  /** Its references, resolved in place (`targets`). */
  readonly references: ReferenceList;
}

export interface SourcesRead {
  /** Full digest of each file read, as it is in the roots. */
  readonly hex: ReadonlyMap<string, string>;
  /** The CSS and JS files with references, in name order. */
  readonly rewritable: ReadonlyMap<string, Rewritable>;
  /** Problems reading, in name order, then problems resolving, in name order. */
  readonly problems: readonly CollectProblem[];
}

const CSS = /\.css$/i;
const JS = /\.m?js$/i;

/**
 * Reads every file of `sources`; `resolve` runs on each file with references as soon as it is
 * parsed (on the main thread, while the worker still digests). A failure to write a copy made as
 * a file was read throws a `TargetError`.
 */
export async function readSources(
  sources: ReadonlyMap<string, SourceFile>,
  { algorithm, mode }: Pick<CollectSettings, "algorithm" | "mode">,
  lane: WorkLane,
  target: CollectTarget,
  resolve: (file: Rewritable) => CollectProblem[],
  onRead?: (done: number, total: number) => void,
): Promise<SourcesRead> {
  const hex = new Map<string, string>();
  const parsed = new Map<string, Rewritable>();
  const readProblems = new Map<string, CollectProblem>();
  const resolveProblems = new Map<string, CollectProblem[]>();
  const readRewritable = (source: SourceFile, isCss: boolean, copy?: string) => {
    const found: CollectProblem[] = [];
    let file: Rewritable | undefined;
    try {
      // A copy made as the worker read the file holds the bytes it digested: the same bytes, from a file nobody else writes.
      const bytes = copy === undefined ? readFileWithRetry(source.path) : readFileSync(copy);
      hex.set(source.name, hashBytes(bytes, algorithm));
      file = parseRewritable(source, bytes, isCss, found);
    } catch (error) {
      found.push(unreadable(source.name, source.path, error));
    }
    if (found.length > 0) readProblems.set(source.name, found[0]);
    if (file === undefined) return;
    parsed.set(source.name, file);
    const problems = resolve(file);
    if (problems.length > 0) resolveProblems.set(source.name, problems);
  };

  const shared: SourceFile[] = [];
  const stylesheets: SourceFile[] = [];
  for (const source of sources.values()) (CSS.test(source.name) ? stylesheets : shared).push(source);
  // A file bound for a folder that does not exist yet is copied as it is read: one read for its
  // hash and its copy (the target removes the copy again if the run fails).
  const jobs: DigestJob[] = shared.map((source) => {
    const scan = JS.test(source.name);
    // In query mode a script's original name may get rewritten content: only filename mode copies it as it is.
    return { path: source.path, scan, copyTo: mode === "filename" || !scan ? target.copyAsRead(source.name) : undefined };
  });
  target.makeRoom();

  let done = 0;
  const digested = await lane.run({ kind: "digest", algorithm, jobs }, () => {
    for (const source of stylesheets) {
      readRewritable(source, true);
      onRead?.(++done, sources.size);
    }
    return true;
  });
  for (const [index, result] of digested.digests) {
    const source = shared[index];
    if ("code" in result) {
      if (result.writing) throw new TargetError(jobs[index].copyTo!, result);
      readProblems.set(source.name, unreadable(source.name, source.path, result));
    }
    else if (result.sourceMap) readRewritable(source, false, jobs[index].copyTo); // only scripts with a source map comment
    else hex.set(source.name, result.hex);
  }
  onRead?.(sources.size, sources.size);

  // Problems and rewritable files in name order, as one thread would have found them.
  const problems: CollectProblem[] = [];
  const rewritable = new Map<string, Rewritable>();
  for (const name of sources.keys()) {
    const problem = readProblems.get(name);
    if (problem) problems.push(problem);
    const file = parsed.get(name);
    if (file) rewritable.set(name, file);
  }
  // One by one: a spread of 100,000+ arguments overflows the stack.
  for (const name of rewritable.keys()) for (const problem of resolveProblems.get(name) ?? []) problems.push(problem);
  return { hex, rewritable, problems };
}

/** Decodes a CSS or JS file and finds its references; a stylesheet that is not UTF-8 is a problem. */
export function parseRewritable(source: SourceFile, bytes: Buffer, isCss: boolean, problems: CollectProblem[]): Rewritable | undefined {
  // Every script reference is a source map comment: a script without the word has none to rewrite.
  if (!isCss && bytes.indexOf(SOURCE_MAP_WORD) === -1) return undefined;
  let encoding: "utf8" | "latin1" = "utf8";
  if (!isUtf8(bytes)) {
    if (isCss) {
      const offset = firstInvalidUtf8(bytes);
      problems.push(notUtf8(source.name, source.path, offset, countLines(bytes, offset)));
      return undefined;
    }
    // A script's source map comment is ASCII: latin1 keeps every other byte as it was.
    encoding = "latin1";
  }
  const references = ReferenceList.scan(bytes, encoding, bytes.toString(encoding), isCss);
  // Without references the file is copied as it is, and hashed like any other file.
  return references.count === 0 ? undefined : { source, bytes, references };
}

/** Offset of the first byte that breaks UTF-8. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

function countLines(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
