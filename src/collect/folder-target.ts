// The file-system folder as `collect`'s destination: every output under a temporary name in its
// folder, all made durable in one step, then renamed into place; never written through a link.
import { lstatSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile, rm, rmdir } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import type { Encoding } from "../core/compressible.js";
import type { HashAlgorithm } from "../core/hash.js";
import { makeDurable, removeStaleTempFiles, syncFolder, TEMP_SUFFIX, tempNameFor, writeFileAtomicSync } from "../fs/atomic-write.js";
import { isLink, linkOnTheWay, ownEntries, type LinkOnTheWay } from "../fs/confine.js";
import { digestFile } from "../fs/digest.js";
import { compressOutputs, type CompressInput, type CompressResult } from "./compress.js";
import { copyJob, type CopyJob, type RenameJob, type WorkLane } from "./lane-work.js";
import { LinksInOutput, TargetError, type CollectTarget, type Output } from "./target.js";

/** The output folder `out` (absolute and normal) as a `CollectTarget`. */
export class FolderTarget implements CollectTarget {
  written = 0;
  unchanged = 0;
  /** Bytes in memory, written by the main thread. */
  readonly #writes: { readonly temp: string; readonly bytes: Uint8Array }[] = [];
  /** Copies of files of the roots, shared with the worker. */
  readonly #copies: CopyJob[] = [];
  readonly #renames: RenameJob[] = [];
  /** Folders written into. */
  readonly #folders = new Set<string>();
  readonly #copyOf = new Map<string, CopyJob>();
  readonly #renameOf = new Map<string, RenameJob>();
  readonly #folderExisted = new Map<string, boolean>();
  readonly #created: string[] = [];
  /** Output path -> whether the file there holds the output's content, as `checkExisting` found. */
  readonly #upToDate = new Map<string, boolean>();
  /** Name -> temporary copy made as the file was read, not yet planned. */
  readonly #copiedAsRead = new Map<string, string>();
  /** Outputs whose temporary copy was made as the file was read. */
  #copiedAsReadCount = 0;
  /** Symbolic links found on the way to a folder written into: nothing is written. */
  readonly #links = new Map<string, LinkOnTheWay>();
  readonly #linkChecks = new Map<string, LinkOnTheWay | null>();
  #madeUpTo = 0;
  #writtenUpTo = 0;
  /** How many copies were shared out: later ones are done on this thread. */
  #shared: number | undefined;

  constructor(
    private readonly out: string,
    private readonly algorithm: HashAlgorithm,
  ) {}

  get where(): string {
    return this.out;
  }

  get pendingWrites(): number {
    return this.#renames.length - this.#copiedAsReadCount;
  }

  async prepare(): Promise<void> {
    await removeStaleTempFiles(this.out);
  }

  copyAsRead(name: string): string | undefined {
    const target = outputPath(this.out, name);
    const folder = dirname(target);
    if (this.#confine(folder) || mayExist(folder, this.#folderExisted)) return undefined;
    const temp = tempNameFor(target);
    this.#folders.add(folder);
    this.#copiedAsRead.set(name, temp);
    return temp;
  }

  /** Creates the folders added since the last call, remembering the ones this run created. */
  makeRoom(): void {
    try {
      if (this.#links.size > 0) throw new LinksInOutput([...this.#links.values()]);
      const folders = [...this.#folders];
      for (const folder of folders.slice(this.#madeUpTo)) {
        const created = mkdirSync(folder, { recursive: true });
        if (created !== undefined) this.#created.push(created);
      }
      this.#madeUpTo = folders.length;
    } catch (error) {
      throw new TargetError(this.out, error);
    }
  }

  /** Reads the outputs already in `out` with the same size on both threads. */
  async checkExisting(outputs: Iterable<Output>, lane: WorkLane): Promise<void> {
    const candidates: { target: string; hex: string }[] = [];
    try {
      for (const output of outputs) {
        const target = outputPath(this.out, output.name);
        if (this.#confine(dirname(target)) || !mayExist(dirname(target), this.#folderExisted)) continue;
        const stats = lstatSync(target, { throwIfNoEntry: false });
        if (stats?.isFile() && stats.size === output.size) candidates.push({ target, hex: output.hex });
        else this.#upToDate.set(target, false);
      }
    } catch (error) {
      throw new TargetError(this.out, error);
    }
    if (candidates.length === 0) return;
    const { digests } = await lane.run({ kind: "digest", algorithm: this.algorithm, jobs: candidates.map(({ target }) => ({ path: target, scan: false, copyTo: undefined })) });
    // An output that cannot be read is written again: writing it says why, if that fails too.
    for (const [index, result] of digests) this.#upToDate.set(candidates[index].target, "hex" in result && result.hex === candidates[index].hex);
  }

  plan(output: Output): void {
    try {
      this.#plan(output);
    } catch (error) {
      throw new TargetError(this.out, error);
    }
  }

  #plan(output: Output): void {
    const target = outputPath(this.out, output.name);
    const folder = dirname(target);
    if (this.#confine(folder)) return;
    const copiedAsRead = this.#copiedAsRead.get(output.name);
    if (copiedAsRead !== undefined && output.from === output.name) {
      this.written++;
      this.#copiedAsReadCount++;
      const rename: RenameJob = { temp: copiedAsRead, target };
      this.#renames.push(rename);
      this.#renameOf.set(output.name, rename);
      this.#copiedAsRead.delete(output.name);
      return;
    }
    const checked = this.#upToDate.get(target);
    if (mayExist(folder, this.#folderExisted) && (checked ?? holds(target, output, this.algorithm))) {
      this.unchanged++;
      return;
    }
    this.#folders.add(folder);
    this.written++;
    const originalCopy = output.aliasOf === undefined || this.#shared !== undefined ? undefined : this.#copyOf.get(output.aliasOf);
    const originalRename = output.aliasOf === undefined ? undefined : this.#renameOf.get(output.aliasOf);
    if (originalRename && originalRename.alias === undefined && !this.#folderExisted.get(folder)) {
      // A new folder: the name is free, so the second name is a hard link made as the original is renamed.
      originalRename.alias = { target, temp: tempNameFor(target) };
      return;
    }
    const temp = tempNameFor(target);
    const rename: RenameJob = { temp, target };
    this.#renames.push(rename);
    this.#renameOf.set(output.name, rename);
    if (originalCopy && originalCopy.alias === undefined) this.#copyOf.set(output.name, Object.assign(originalCopy, { alias: temp }));
    else if ("bytes" in output.content) this.#writes.push({ temp, bytes: output.content.bytes });
    else {
      const copy = { from: output.content.copyOf, temp, alias: undefined, algorithm: this.algorithm, hex: output.hex };
      this.#copies.push(copy);
      this.#copyOf.set(output.name, copy);
    }
  }

  async stage(lane: WorkLane, meanwhile: () => boolean, onStaged: (done: number) => void): Promise<boolean> {
    let own = 0;
    const report = () => onStaged(own + lane.completed());
    let planned = false;
    // The copies planned so far go to both threads; those planned by `meanwhile` are done on this one.
    const copies = this.#copies.slice();
    this.#shared = copies.length;
    const copied = await lane.run({ kind: "copy", jobs: copies }, () => {
      if (!meanwhile()) return false;
      planned = true;
      try {
        this.#removeUnplanned();
        this.makeRoom();
        report();
        this.#writeOnThisThread(() => {
          own++;
          report();
        });
      } catch (error) {
        throw error instanceof TargetError ? error : new TargetError(this.out, error);
      }
      return true;
    }, report);
    if (copied.failure) {
      const copy = this.#copies[copied.failure.index];
      throw new TargetError(copy.temp, { ...copied.failure, path: copy.from });
    }
    return planned;
  }

  async commit(lane: WorkLane): Promise<void> {
    try {
      await makeDurable(this.out, this.#renames.map(({ temp }) => temp));
    } catch (error) {
      throw new TargetError(this.out, error);
    }
    const renamed = await lane.run({ kind: "rename", jobs: this.#renames });
    if (renamed.failure) throw new TargetError(this.#renames[renamed.failure.index].target, renamed.failure);
    await makeDurable(this.out, [], this.#folders);
  }

  async writeVariants(
    lane: WorkLane,
    inputs: readonly CompressInput[],
    encodings: readonly Encoding[],
    outputNames: ReadonlySet<string>,
    onProgress: (done: number, total: number) => void,
  ): Promise<CompressResult> {
    try {
      return await compressOutputs(this.out, inputs, encodings, outputNames, lane.pool, onProgress);
    } catch (error) {
      throw new TargetError(this.out, error);
    }
  }

  async writeManifest(name: string, text: string): Promise<boolean> {
    const file = join(this.out, name);
    const previous = isLink(file) ? undefined : await readFile(file, "utf8").catch(() => undefined);
    if (previous === text) return false;
    writeFileAtomicSync(file, Buffer.from(text));
    await syncFolder(this.out);
    return true;
  }

  /** Removes files, then empty folders; a symbolic link is removed as a link: what it points at is never touched. */
  async removeOthers(keep: ReadonlySet<string>): Promise<number> {
    const emptied: string[] = [];
    let removed = 0;
    for (const { name, path, kind } of ownEntries(this.out)) {
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

  /** Removes every temporary file, and the folders this run created. */
  discard(): void {
    const remove = (path: string, recursive = false) => {
      try {
        rmSync(path, { force: true, recursive });
      } catch {
        // left behind: removed by the next run, as a crash's leftovers are
      }
    };
    for (const temp of this.#copiedAsRead.values()) remove(temp);
    for (const { temp, alias } of this.#renames) {
      remove(temp);
      if (alias) remove(alias.temp);
    }
    for (const { temp } of this.#writes) remove(temp);
    for (const { temp, alias } of this.#copies) {
      remove(temp);
      if (alias) remove(alias);
    }
    for (const folder of this.#created.reverse()) remove(folder, true);
  }

  /** True when a symbolic link lies between `out` and `folder`: noted, and nothing is written. */
  #confine(folder: string): boolean {
    const link = linkOnTheWay(this.out, folder, this.#linkChecks);
    if (link) this.#links.set(link.path, link);
    return link !== undefined;
  }

  /** Writes the bytes planned since the last call, and the copies planned after the copies were shared out. */
  #writeOnThisThread(onFile: () => void): void {
    for (const { temp, bytes } of this.#writes.slice(this.#writtenUpTo)) {
      writeFileSync(temp, bytes, { flag: "wx" });
      onFile();
    }
    this.#writtenUpTo = this.#writes.length;
    for (const copy of this.#copies.slice(this.#shared ?? 0)) {
      copyJob(copy);
      onFile();
    }
    this.#shared = this.#copies.length;
  }

  /** Removes the copies made as files were read that no output took (another file's output took the name). */
  #removeUnplanned(): void {
    for (const temp of this.#copiedAsRead.values()) rmSync(temp, { force: true });
    this.#copiedAsRead.clear();
  }
}

/** `join(out, name)` without normalising again: `out` is absolute and normal, and so are the names. */
function outputPath(out: string, name: string): string {
  if (sep !== "/") return join(out, name);
  return out.endsWith("/") ? out + name : `${out}/${name}`;
}

/** True when `target` already holds the output's content (same size, same digest): it is not rewritten. */
function holds(target: string, output: Output, algorithm: HashAlgorithm): boolean {
  const stats = lstatSync(target, { throwIfNoEntry: false });
  if (!stats?.isFile() || stats.size !== output.size) return false;
  try {
    return digestFile(target, [algorithm]).digests.get(algorithm)!.toString("hex") === output.hex;
  } catch {
    return false; // unreadable: writing it again says why, if it still fails
  }
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
