import { isUtf8 } from "node:buffer";
import { lstatSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile, rm, rmdir } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { hashBytes } from "../core/hash.js";
import { digestFile } from "../fs/digest.js";
import { createManifest, MANIFEST_NAME, serializeManifest, type ManifestContent } from "../core/manifest.js";
import { hashedPath } from "../core/names.js";
import { SOURCE_CHANGED } from "../fs/copy-verified.js";
import { isLink, linkOnTheWay, ownEntries, type LinkOnTheWay } from "../fs/confine.js";
import { findSourceFiles, type SourceFile } from "../fs/walk.js";
import { ReferenceList } from "./reference-list.js";
import { compressOutputs } from "./compress.js";
import { componentsInDependencyOrder } from "./graph.js";
import { resolveCollectOptions, type CollectOptions, type CollectSettings } from "./options.js";
import {
  manifestShadowed,
  nameClash,
  notUtf8,
  linkInOutput,
  nameNotUtf8,
  nameTooLong,
  referenceNotFound,
  referenceOutsideRoots,
  sourceChanged,
  unreadable,
  unexpected,
  unreadableFolder,
  writeFailed,
  type CollectProblem,
} from "./problems.js";
import { hashReference, resolveReference } from "./resolve-reference.js";
import { makeDurable, removeStaleTempFiles, syncFolder, TEMP_SUFFIX, tempNameFor, writeFileAtomicSync, type Content } from "../fs/atomic-write.js";
import { copyJob, SOURCE_MAP_WORD, WorkLane, type CopyJob, type DigestJob, type RenameJob } from "./lane-work.js";

/** What `collect` wrote into `staticfiles.json`. */
export type CollectManifest = ManifestContent;

export interface CollectStats {
  /** Files collected from the roots. */
  readonly files: number;
  /** Their total size in bytes. */
  readonly bytes: number;
  /** Files written (copies, hashed copies and the manifest); the others were already up to date. */
  readonly written: number;
  readonly unchanged: number;
  /** References rewritten inside CSS and JS files. */
  readonly references: number;
  /** Files removed by `clear`. */
  readonly removed: number;
  /** Compressed variants written (`compress`); those already up to date are not counted. */
  readonly variants: number;
  readonly durationMs: number;
}

export interface CollectResult {
  /** True when there was no error: every file and the manifest are written. */
  readonly ok: boolean;
  /** The manifest written, or `undefined` when collecting failed (the previous one is untouched). */
  readonly manifest: CollectManifest | undefined;
  /** Absolute path of `staticfiles.json`. */
  readonly manifestFile: string;
  /** Every error and warning, in file and line order. */
  readonly problems: readonly CollectProblem[];
  readonly stats: CollectStats;
}

/** A file whose references are rewritten. */
interface Rewritable {
  readonly source: SourceFile;
  readonly bytes: Buffer;
  /** Its references, resolved in place (`targets`). */
  readonly references: ReferenceList;
}

/** One file to write under `out`. */
interface Output {
  readonly name: string;
  readonly content: Content;
  readonly size: number;
  /** Full digest of the content, to tell whether the file already there holds it. */
  readonly hex: string;
  readonly from: string;
  /** An alias: another output with the same bytes, written earlier, that this one can be a hard link to. */
  readonly aliasOf?: string;
}

const CSS = /\.css$/i;
const JS = /\.m?js$/i;
// Below this much work, a worker thread costs more to start than it saves.
const LANE_FILES = 500;
const LANE_BYTES = 32 * 1024 * 1024;

/**
 * The production build, Django's `collectstatic` with `ManifestStaticFilesStorage`: copies every
 * file of the roots into `out`, rewrites the references inside CSS and JS so they carry hashes,
 * and writes `staticfiles.json`. Nothing is written when there is an error; every problem of the
 * run is in `problems`. Bad options throw a `StaticFileError` (`STATIC_CONFIG`).
 */
export async function collect(options: CollectOptions): Promise<CollectResult> {
  const started = performance.now();
  const settings = resolveCollectOptions(options);
  const { out, algorithm, accuracy, mode, onProgress } = settings;
  const manifestFile = join(out, MANIFEST_NAME);
  const problems: CollectProblem[] = [];
  const stats = { files: 0, bytes: 0, written: 0, unchanged: 0, references: 0, removed: 0, variants: 0 };
  let lane: WorkLane | undefined;
  const finish = (manifest: CollectManifest | undefined): CollectResult => {
    lane?.stop();
    return { ok: manifest !== undefined, manifest, manifestFile, problems, stats: { ...stats, durationMs: performance.now() - started } };
  };

  // Any error not foreseen below still ends as a problem, with what the run wrote removed.
  const written: { plan?: WritePlan } = {};
  const run = async (): Promise<CollectResult> => {
    const sources = findSourceFiles(
      settings.roots,
      (path, error) => problems.push(unreadableFolder(path, error)),
      (name, root) => problems.push(nameNotUtf8(name, root)),
    );
    const shadowed = sources.get(MANIFEST_NAME);
    if (shadowed) {
      problems.push(manifestShadowed(MANIFEST_NAME, shadowed.path));
      sources.delete(MANIFEST_NAME);
    }
    stats.files = sources.size;
    const folders = folderNames(sources.keys());

    // Read: digest every file; parse the references of CSS and JS. The main thread takes the
    // stylesheets first; the other files are shared with a worker thread.
    for (const source of sources.values()) stats.bytes += source.size;
    lane = new WorkLane(sources.size >= LANE_FILES || stats.bytes >= LANE_BYTES);
    const rawHex = new Map<string, string>();
    const parsed = new Map<string, Rewritable>();
    const readProblems = new Map<string, CollectProblem>();
    const readRewritable = (source: SourceFile, isCss: boolean) => {
      const found: CollectProblem[] = [];
      try {
        const bytes = readFileSync(source.path);
        rawHex.set(source.name, hashBytes(bytes, algorithm));
        const file = parseRewritable(source, bytes, isCss, found);
        if (file) parsed.set(source.name, file);
      } catch (error) {
        found.push(unreadable(source.name, source.path, error));
      }
      if (found.length > 0) readProblems.set(source.name, found[0]);
    };
    // Resolve every reference; report all the missing ones, not only the first.
    const resolveProblems = new Map<string, CollectProblem[]>();
    const resolveReferences = (file: Rewritable) => {
      const found: CollectProblem[] = [];
      resolveTargets(file, sources, folders, settings, found);
      if (found.length > 0) resolveProblems.set(file.source.name, found);
    };
    const shared: SourceFile[] = [];
    const stylesheets: SourceFile[] = [];
    for (const source of sources.values()) (CSS.test(source.name) ? stylesheets : shared).push(source);
    // A file bound for a folder that does not exist yet is copied as it is read: one read for its
    // hash and its copy (its temporary copy is removed again if the run fails).
    await removeStaleTempFiles(out);
    const plan = new WritePlan(out, algorithm);
    written.plan = plan;
    const jobs: DigestJob[] = shared.map((source) => {
      const scan = JS.test(source.name);
      // In query mode a script's original name may get rewritten content: only filename mode copies it as it is.
      return { path: source.path, scan, copyTo: mode === "filename" || !scan ? plan.copyAsRead(source.name) : undefined };
    });
    const failed = (target: string, error: unknown) => {
      plan.discard();
      if (error instanceof LinksInOutput) for (const link of error.links) problems.push(linkInOutput(link.path, link.target));
      else if ((error as NodeJS.ErrnoException).code === SOURCE_CHANGED) problems.push(sourceChanged((error as NodeJS.ErrnoException).path ?? target));
      else if (typeof (error as NodeJS.ErrnoException).code === "string") problems.push(writeFailed(target, error));
      else problems.push(unexpected(error)); // not the file system's: a bug, or a callback that threw
      return finish(undefined);
    };
    try {
      plan.makeFolders();
    } catch (error) {
      return failed(out, error);
    }
    let done = 0;
    const digested = await lane.run({ kind: "digest", algorithm, jobs }, () => {
      for (const source of stylesheets) {
        readRewritable(source, true);
        onProgress?.({ phase: "read", done: ++done, total: sources.size });
      }
      for (const file of parsed.values()) resolveReferences(file);
      return true;
    });
    for (const [index, result] of digested.digests) {
      const source = shared[index];
      if ("code" in result) {
        if (result.writing) return failed(jobs[index].copyTo!, result);
        readProblems.set(source.name, unreadable(source.name, source.path, result));
      }
      else if (result.sourceMap) {
        readRewritable(source, false); // read again: only scripts with a source map comment
        const file = parsed.get(source.name);
        if (file) resolveReferences(file);
      }
      else rawHex.set(source.name, result.hex);
    }
    onProgress?.({ phase: "read", done: sources.size, total: sources.size });
    // Problems and rewritable files in name order, as one thread would have found them.
    const rewritable = new Map<string, Rewritable>();
    for (const name of sources.keys()) {
      const problem = readProblems.get(name);
      if (problem) problems.push(problem);
      const file = parsed.get(name);
      if (file) rewritable.set(name, file);
    }
    // One by one: a spread of 100,000+ arguments overflows the stack.
    for (const name of rewritable.keys()) for (const problem of resolveProblems.get(name) ?? []) problems.push(problem);

    // Write: every copy under a temporary name, all made durable in one step, then renamed into
    // place; the manifest last, so a crash leaves the previous manifest naming files that exist.
    // The copies of files without references are planned first: the worker thread copies them
    // while the main thread resolves and rewrites the stylesheets (on an error they are removed).
    const early = new Map<string, Output>();
    if (!problems.some((problem) => problem.severity === "error")) {
      for (const source of sources.values()) {
        const hex = rawHex.get(source.name);
        if (hex === undefined || rewritable.has(source.name)) continue;
        const original = plainOutput(source, hex);
        const planned = mode === "query" ? [original] : [original, { ...original, name: hashedPath(source.name, hex.slice(0, accuracy)), aliasOf: source.name }];
        for (const output of planned) {
          // A clash or a name too long: reported with the others below.
          if (early.has(output.name) || hashedNameTooLong(output.name)) continue;
          early.set(output.name, output);
        }
      }
      await plan.checkExisting(early.values(), lane);
      for (const output of early.values()) plan.add(output);
    }
    try {
      plan.makeFolders();
    } catch (error) {
      return failed(out, error);
    }

    const paths: Record<string, string> = {};
    const outputs = new Map<string, Output>();
    let writing: { target: string; error: unknown } | undefined;
    // The write phase advances per file: the files this thread writes, and the copies either thread made.
    const writeProgress = { total: 0, base: 0, own: 0 };
    const reportWrite = (ownFile = false) => {
      if (ownFile) writeProgress.own++;
      const done = writeProgress.base + writeProgress.own + lane!.completed();
      onProgress?.({ phase: "write", done: Math.min(done, writeProgress.total), total: writeProgress.total });
    };
    const copied = await lane.run({ kind: "copy", jobs: plan.shareCopies() }, () => {
      if (problems.some((problem) => problem.severity === "error")) return false;

      const { hashes, contents } = hashInDependencyOrder(rewritable, rawHex, settings);
      const addOutput = (output: Output) => {
        const existing = outputs.get(output.name);
        if (existing && existing.hex !== output.hex) problems.push(nameClash(output.name, existing.from, output.from));
        else outputs.set(output.name, output);
      };
      for (const source of sources.values()) {
        const { name } = source;
        const hash = hashes.get(name)!;
        const rewritten = contents.get(name);
        const original: Output = rewritten
          ? { name, content: { bytes: rewritable.get(name)!.bytes }, size: rewritable.get(name)!.bytes.length, hex: rawHex.get(name)!, from: name }
          : plainOutput(source, rawHex.get(name)!);
        const served: Output = rewritten
          ? { name, content: { bytes: rewritten.bytes }, size: rewritten.bytes.length, hex: rewritten.hex, from: name }
          : original;
        if (rewritten) stats.references += rewritten.count;
        if (mode === "query") {
          paths[name] = `${name}?${hash}`;
          addOutput(served);
        } else {
          paths[name] = hashedPath(name, hash);
          const bytes = hashedNameTooLong(paths[name]);
          if (bytes) {
            problems.push(nameTooLong(name, paths[name].slice(paths[name].lastIndexOf("/") + 1), bytes));
            continue;
          }
          addOutput(original);
          addOutput({ ...served, name: paths[name], aliasOf: served === original ? name : undefined });
        }
      }
      if (problems.some((problem) => problem.severity === "error")) return false;

      try {
        for (const output of outputs.values()) if (early.get(output.name)?.hex !== output.hex) plan.add(output);
        plan.removeUnplanned();
        plan.makeFolders();
        // Up-to-date files and copies made as files were read count as written from the start.
        writeProgress.total = outputs.size;
        writeProgress.base = outputs.size - plan.renames.length + plan.copiedAsReadCount;
        reportWrite();
        plan.writeOnThisThread(reportWrite);
      } catch (error) {
        writing = { target: out, error };
        return false;
      }
      return true;
    }, () => reportWrite());
    if (writing) return failed(writing.target, writing.error);
    if (copied.failure) return failed(plan.copies[copied.failure.index].temp, { ...copied.failure, path: plan.copies[copied.failure.index].from });
    if (problems.some((problem) => problem.severity === "error")) {
      plan.discard();
      return finish(undefined);
    }
    const total = outputs.size;
    stats.written += plan.written;
    stats.unchanged += plan.unchanged;
    try {
      await makeDurable(out, plan.renames.map(({ temp }) => temp));
    } catch (error) {
      return failed(out, error);
    }
    const renamed = await lane.run({ kind: "rename", jobs: plan.renames });
    if (renamed.failure) return failed(plan.renames[renamed.failure.index].target, renamed.failure);
    await makeDurable(out, [], plan.folders);
    onProgress?.({ phase: "write", done: total, total });

    // Compression: variants of the outputs now in place, before the manifest that names their files.
    let variants: readonly string[] = [];
    if (settings.compress.length > 0) {
      const inputs = [...outputs.values()].map(({ name, hex, from }) => ({ name, hex, hashed: name !== from }));
      try {
        const compressed = await compressOutputs(out, inputs, settings.compress, new Set(outputs.keys()), (done, total) => onProgress?.({ phase: "compress", done, total }));
        variants = compressed.variants;
        stats.variants = compressed.written;
      } catch (error) {
        return failed(out, error);
      }
    }

    const manifest = createManifest(paths, algorithm, accuracy);
    const manifestText = serializeManifest(manifest);
    try {
      const previous = isLink(manifestFile) ? undefined : await readFile(manifestFile, "utf8").catch(() => undefined);
      if (previous === manifestText) stats.unchanged++;
      else {
        writeFileAtomicSync(manifestFile, Buffer.from(manifestText));
        await syncFolder(out);
        stats.written++;
      }
    } catch (error) {
      problems.push(writeFailed(manifestFile, error));
      return finish(undefined);
    }

    if (settings.clear) stats.removed = await removeOthers(out, new Set([...outputs.keys(), ...variants, MANIFEST_NAME]));
    return finish(manifest);
  };
  try {
    return await run();
  } catch (error) {
    written.plan?.discard();
    problems.push(unexpected(error));
    return finish(undefined);
  }
}

/** `join(out, name)` without normalising again: `out` is absolute and normal, and so are the names. */
function outputPath(out: string, name: string): string {
  if (sep !== "/") return join(out, name);
  return out.endsWith("/") ? out + name : `${out}/${name}`;
}

/** The bytes the last segment of `name` takes when that is more than a file name may have (255), else 0. */
function hashedNameTooLong(name: string): number {
  const last = name.slice(name.lastIndexOf("/") + 1);
  if (last.length <= 85) return 0; // every UTF-16 unit takes at most 3 bytes
  const bytes = Buffer.byteLength(last);
  return bytes > NAME_BYTES ? bytes : 0;
}
const NAME_BYTES = 255;

/** A file of the roots copied as it is. */
function plainOutput(source: SourceFile, hex: string): Output {
  return { name: source.name, content: { copyOf: source.path }, size: source.size, hex, from: source.name };
}

/** The writes of a run: which outputs are not up to date, under which temporary names, as which jobs. */
class WritePlan {
  /** Bytes in memory, written by the main thread. */
  readonly writes: { readonly temp: string; readonly bytes: Uint8Array }[] = [];
  /** Copies of files of the roots, shared with the worker. */
  readonly copies: CopyJob[] = [];
  readonly renames: RenameJob[] = [];
  /** Folders written into. */
  readonly folders = new Set<string>();
  readonly #copyOf = new Map<string, CopyJob>();
  readonly #renameOf = new Map<string, RenameJob>();
  readonly #folderExisted = new Map<string, boolean>();
  readonly #created: string[] = [];
  /** Output path -> whether the file there holds the output's content, as `checkExisting` found. */
  readonly #upToDate = new Map<string, boolean>();
  /** Name -> temporary copy made as the file was read, not yet planned. */
  readonly #copiedAsRead = new Map<string, string>();
  /** Symbolic links found on the way to a folder written into: the plan refuses to write. */
  readonly #links = new Map<string, LinkOnTheWay>();
  readonly #linkChecks = new Map<string, LinkOnTheWay | null>();
  /** Outputs this plan writes, and outputs already up to date in `out`. */
  written = 0;
  unchanged = 0;
  /** Outputs whose temporary copy was made as the file was read. */
  copiedAsReadCount = 0;
  #madeUpTo = 0;
  #writtenUpTo = 0;
  /** How many copies were shared out: later ones are done on this thread. */
  #shared: number | undefined;

  constructor(
    private readonly out: string,
    private readonly algorithm: CollectSettings["algorithm"],
  ) {}

  /**
   * Tells which outputs already in `out` hold their content (same size, same digest), reading them
   * on both threads; `add` then need not read them itself.
   */
  async checkExisting(outputs: Iterable<Output>, lane: WorkLane): Promise<void> {
    const candidates: { target: string; hex: string }[] = [];
    for (const output of outputs) {
      const target = outputPath(this.out, output.name);
      if (this.#confine(dirname(target)) || !mayExist(dirname(target), this.#folderExisted)) continue;
      const stats = lstatSync(target, { throwIfNoEntry: false });
      if (stats?.isFile() && stats.size === output.size) candidates.push({ target, hex: output.hex });
      else this.#upToDate.set(target, false);
    }
    if (candidates.length === 0) return;
    const { digests } = await lane.run({ kind: "digest", algorithm: this.algorithm, jobs: candidates.map(({ target }) => ({ path: target, scan: false, copyTo: undefined })) });
    // An output that cannot be read is written again: writing it says why, if that fails too.
    for (const [index, result] of digests) this.#upToDate.set(candidates[index].target, "hex" in result && result.hex === candidates[index].hex);
  }

  /** A temporary name for the copy of the file named `name`, when it goes into a folder this run creates; the copy is made as the file is read. */
  copyAsRead(name: string): string | undefined {
    const target = outputPath(this.out, name);
    const folder = dirname(target);
    if (this.#confine(folder) || mayExist(folder, this.#folderExisted)) return undefined;
    const temp = tempNameFor(target);
    this.folders.add(folder);
    this.#copiedAsRead.set(name, temp);
    return temp;
  }

  add(output: Output): void {
    const target = outputPath(this.out, output.name);
    const folder = dirname(target);
    if (this.#confine(folder)) return;
    const copiedAsRead = this.#copiedAsRead.get(output.name);
    if (copiedAsRead !== undefined && output.from === output.name) {
      this.written++;
      this.copiedAsReadCount++;
      const rename: RenameJob = { temp: copiedAsRead, target };
      this.renames.push(rename);
      this.#renameOf.set(output.name, rename);
      this.#copiedAsRead.delete(output.name);
      return;
    }
    const checked = this.#upToDate.get(target);
    if (mayExist(folder, this.#folderExisted) && (checked ?? holds(target, output, this.algorithm))) {
      this.unchanged++;
      return;
    }
    this.folders.add(folder);
    this.written++;
    const originalCopy = output.aliasOf === undefined || this.#shared !== undefined ? undefined : this.#copyOf.get(output.aliasOf);
    const originalRename = output.aliasOf === undefined ? undefined : this.#renameOf.get(output.aliasOf);
    if (originalRename && originalRename.alias === undefined && !this.#folderExisted.get(folder)) {
      // A new folder: the name is free, so the hashed copy is a hard link made as the original is renamed.
      originalRename.alias = { target, temp: tempNameFor(target) };
      return;
    }
    const temp = tempNameFor(target);
    const rename: RenameJob = { temp, target };
    this.renames.push(rename);
    this.#renameOf.set(output.name, rename);
    if (originalCopy && originalCopy.alias === undefined) this.#copyOf.set(output.name, Object.assign(originalCopy, { alias: temp }));
    else if ("bytes" in output.content) this.writes.push({ temp, bytes: output.content.bytes });
    else {
      const copy = { from: output.content.copyOf, temp, alias: undefined, algorithm: this.algorithm, hex: output.hex };
      this.copies.push(copy);
      this.#copyOf.set(output.name, copy);
    }
  }

  /** Creates the folders added since the last call, remembering the ones this run created. */
  makeFolders(): void {
    if (this.#links.size > 0) throw new LinksInOutput([...this.#links.values()]);
    const folders = [...this.folders];
    for (const folder of folders.slice(this.#madeUpTo)) {
      const created = mkdirSync(folder, { recursive: true });
      if (created !== undefined) this.#created.push(created);
    }
    this.#madeUpTo = folders.length;
  }

  /** True when a symbolic link lies between `out` and `folder`: noted, and nothing is written. */
  #confine(folder: string): boolean {
    const link = linkOnTheWay(this.out, folder, this.#linkChecks);
    if (link) this.#links.set(link.path, link);
    return link !== undefined;
  }

  /** The copies planned so far, for both threads; copies added later are done by `writeOnThisThread`. */
  shareCopies(): CopyJob[] {
    this.#shared = this.copies.length;
    return this.copies.slice();
  }

  /** Writes the bytes added since the last call, and the copies added after the copies were shared out; `onFile(true)` follows each. */
  writeOnThisThread(onFile: (ownFile: true) => void): void {
    for (const { temp, bytes } of this.writes.slice(this.#writtenUpTo)) {
      writeFileSync(temp, bytes, { flag: "wx" });
      onFile(true);
    }
    this.#writtenUpTo = this.writes.length;
    for (const copy of this.copies.slice(this.#shared ?? 0)) {
      copyJob(copy);
      onFile(true);
    }
    this.#shared = this.copies.length;
  }

  /** Removes the copies made as files were read that no output needs (another file's output took the name). */
  removeUnplanned(): void {
    for (const temp of this.#copiedAsRead.values()) rmSync(temp, { force: true });
    this.#copiedAsRead.clear();
  }

  /** After a failure: removes every temporary file, and the folders this run created. Never throws: the failure is what gets reported. */
  discard(): void {
    const remove = (path: string, recursive = false) => {
      try {
        rmSync(path, { force: true, recursive });
      } catch {
        // left behind: removed by the next run, as a crash's leftovers are
      }
    };
    for (const temp of this.#copiedAsRead.values()) remove(temp);
    for (const { temp, alias } of this.renames) {
      remove(temp);
      if (alias) remove(alias.temp);
    }
    for (const { temp } of this.writes) remove(temp);
    for (const { temp, alias } of this.copies) {
      remove(temp);
      if (alias) remove(alias);
    }
    for (const folder of this.#created.reverse()) remove(folder, true);
  }
}

/** Thrown by `WritePlan.makeFolders` when a folder to write into lies behind a symbolic link. */
class LinksInOutput extends Error {
  constructor(readonly links: readonly LinkOnTheWay[]) {
    super(`symbolic links inside the output folder: ${links.map((link) => link.path).join(", ")}`);
  }
}

/** Decodes a CSS or JS file and finds its references; a stylesheet that is not UTF-8 is a problem. */
function parseRewritable(source: SourceFile, bytes: Buffer, isCss: boolean, problems: CollectProblem[]): Rewritable | undefined {
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

/**
 * Sets the name each reference of `file` leads to when it is a file of the roots; notes a problem
 * for each one that leads outside the roots or to no file. A URL written many times is resolved once.
 */
function resolveTargets(
  file: Rewritable,
  sources: ReadonlyMap<string, SourceFile>,
  folders: ReadonlySet<string>,
  settings: CollectSettings,
  problems: CollectProblem[],
): void {
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
}

/**
 * The hash of every file and the rewritten content of each CSS and JS file. A file's hash covers
 * its rewritten content, so files are hashed after everything they refer to. The members of a
 * cycle share one hash, of their names and their contents with every reference out of the cycle
 * rewritten: it changes when a member, or anything a member refers to, changes.
 */
function hashInDependencyOrder(
  rewritable: ReadonlyMap<string, Rewritable>,
  rawHex: ReadonlyMap<string, string>,
  { algorithm, accuracy, mode }: CollectSettings,
) {
  const hashes = new Map<string, string>();
  for (const [name, hex] of rawHex) if (!rewritable.has(name)) hashes.set(name, hex.slice(0, accuracy));
  const contents = new Map<string, { bytes: Buffer; hex: string; count: number }>();

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

/** True when `target` already holds the output's content (same size, same digest): it is not rewritten. */
function holds(target: string, output: Output, algorithm: CollectSettings["algorithm"]): boolean {
  const stats = lstatSync(target, { throwIfNoEntry: false });
  if (!stats?.isFile() || stats.size !== output.size) return false;
  try {
    return digestFile(target, [algorithm]).digests.get(algorithm)!.toString("hex") === output.hex;
  } catch {
    return false; // unreadable: writing it again says why, if it still fails
  }
}

/**
 * `--clear`: removes every file of `out` not in `keep` (old hashed copies, files gone from the roots),
 * then empty folders. A symbolic link is removed as a link: what it points at is never touched.
 */
async function removeOthers(out: string, keep: ReadonlySet<string>): Promise<number> {
  const emptied: string[] = [];
  let removed = 0;
  for (const { name, path, kind } of ownEntries(out)) {
    if (kind === "folder") emptied.push(path);
    else if (!keep.has(name) && !name.endsWith(TEMP_SUFFIX)) {
      await rm(path, { force: true });
      removed++;
    }
  }
  emptied.sort((a, b) => b.length - a.length);
  for (const folder of emptied) await rmdir(folder).catch(() => undefined); // only the empty ones go
  return removed;
}

/** Every folder that holds a file of the roots (`css`, `css/vendor`), to tell a folder reference from a missing file. */
function folderNames(names: Iterable<string>): Set<string> {
  const folders = new Set<string>();
  for (const name of names) {
    for (let slash = name.indexOf("/"); slash !== -1; slash = name.indexOf("/", slash + 1)) folders.add(name.slice(0, slash));
  }
  return folders;
}

/** False when `folder` did not exist before this run wrote into it: nothing there is up to date, no need to look. */
function mayExist(folder: string, existed: Map<string, boolean>): boolean {
  let known = existed.get(folder);
  if (known === undefined) {
    known = statSync(folder, { throwIfNoEntry: false }) !== undefined;
    existed.set(folder, known);
  }
  return known;
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
