// Where `collect` writes: the destination behind one interface, so the stages never touch it
// directly. The file-system folder (`folder-target.ts`) is the one implementation today.
import type { Content } from "../fs/atomic-write.js";
import type { LinkOnTheWay } from "../fs/confine.js";
import type { CompressInput, CompressResult } from "./compress.js";
import type { Encoding } from "../core/compressible.js";
import type { WorkLane } from "./lane-work.js";

/** One file to write under the destination. */
export interface Output {
  /** The name under the destination (`css/app.css`, `css/app.4e1243.css`). */
  readonly name: string;
  /** Bytes in memory (rewritten CSS and JS), or a copy of a file of the roots. */
  readonly content: Content;
  readonly size: number;
  /** Full digest of the content: a copy must have it, and a file already there holding it is up to date. */
  readonly hex: string;
  /** The name of the file of the roots it comes from. */
  readonly from: string;
  /** Another output with the same bytes, planned earlier, that this one may share them with (a hard link). */
  readonly aliasOf?: string;
}

/**
 * A destination for `collect`'s outputs. A run calls, in this order: `prepare`, then `copyAsRead`
 * while the files of the roots are read, `makeRoom`, `checkExisting` and `plan` for the outputs
 * (more `plan` calls during `stage`), `stage`, `commit`, `writeVariants`, `writeManifest` last, and
 * `removeOthers` for `--clear`. After any failure before the manifest, `discard`. Nothing staged is
 * visible under an output's name before `commit`, and the previous manifest stays until
 * `writeManifest`, so a failed or killed run leaves the previous output usable.
 *
 * Failures carry the place that failed: a `TargetError` (its `error` may be a `LinksInOutput`).
 */
export interface CollectTarget {
  /** The destination as the user named it (the output folder): problems name it. */
  readonly where: string;
  /** Outputs staged by this run (copies, rewritten files, second names); counted as `plan` is called. */
  readonly written: number;
  /** Outputs the destination already held, byte for byte: not written again. */
  readonly unchanged: number;
  /** Outputs planned whose bytes are still to be written by `stage` (not up to date, not copied as read). */
  readonly pendingWrites: number;

  /** Before anything is planned: removes what runs that died left behind (temporary files). */
  prepare(): Promise<void>;
  /**
   * Where to write a file's bytes as they are first read, saving a second read, when the output
   * under that name cannot exist yet; `undefined` otherwise. The bytes count as staged for `name`.
   */
  copyAsRead(name: string): string | undefined;
  /** Creates what the outputs planned so far need before they are written (their folders); throws `TargetError`. */
  makeRoom(): void;
  /** Learns which of these outputs the destination already holds (same size and digest), with the lane's help; `plan` then need not look itself. */
  checkExisting(outputs: Iterable<Output>, lane: WorkLane): Promise<void>;
  /** Plans one output: staged unless the destination already holds its bytes. */
  plan(output: Output): void;
  /**
   * Writes the bytes of the outputs planned so far, out of sight of their names; copies of files
   * start at once on the lane. `meanwhile` is this thread's own work done while they run: it may
   * plan more outputs, written before this returns. Resolves to false when `meanwhile` returned
   * false (nothing more is written); `onStaged` gets how many outputs were staged so far.
   */
  stage(lane: WorkLane, meanwhile: () => boolean, onStaged: (done: number) => void): Promise<boolean>;
  /** Makes every staged output durable, then puts each under its name. */
  commit(lane: WorkLane): Promise<void>;
  /** Writes compressed variants of outputs now in place (`--compress`); see `compressOutputs`. */
  writeVariants(lane: WorkLane, inputs: readonly CompressInput[], encodings: readonly Encoding[], outputNames: ReadonlySet<string>, onProgress: (done: number, total: number) => void): Promise<CompressResult>;
  /** Writes the manifest, last and atomically; false when the one there already held this text. */
  writeManifest(name: string, text: string): Promise<boolean>;
  /** `--clear`: removes every file of the destination not in `keep`; returns how many. */
  removeOthers(keep: ReadonlySet<string>): Promise<number>;
  /** After a failure: removes everything this run staged or created. Never throws: the failure is what gets reported. */
  discard(): void;
}

/** A failure of the destination, naming the place (a file or the destination itself) that failed. */
export class TargetError extends Error {
  constructor(
    readonly where: string,
    readonly error: unknown,
  ) {
    super(`${where}: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** The destination refuses to write: symbolic links lie on the way to where outputs go. */
export class LinksInOutput extends Error {
  constructor(readonly links: readonly LinkOnTheWay[]) {
    super(`symbolic links inside the output folder: ${links.map((link) => link.path).join(", ")}`);
  }
}
