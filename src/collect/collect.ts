// The production build: `collect()` runs the stages in order and writes through a target.
import { join } from "node:path";
import { createManifest, MANIFEST_NAME, serializeManifest, type ManifestContent } from "../core/manifest.js";
import { findSources, folderNames } from "./find-sources.js";
import { FolderTarget } from "./folder-target.js";
import { hashInDependencyOrder } from "./hash-in-order.js";
import { WorkLane } from "./lane-work.js";
import { resolveCollectOptions, type CollectOptions } from "./options.js";
import { plainOutputs, planOutputs, type OutputPlan } from "./plan-outputs.js";
import { writeFailed, type CollectProblem } from "./problems.js";
import { readSources } from "./read-sources.js";
import { resolveTargets } from "./resolve-targets.js";
import type { CollectTarget, Output } from "./target.js";
import { failureProblems } from "./target-failure.js";

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

// Below this much work, a worker thread costs more to start than it saves.
const LANE_FILES = 500;
const LANE_BYTES = 32 * 1024 * 1024;

/**
 * The production build, Django's `collectstatic` with `ManifestStaticFilesStorage`: copies every
 * file of the roots into `out`, rewrites the references inside CSS and JS so they carry hashes,
 * and writes `staticfiles.json`. Nothing is written when there is an error; every problem of the
 * run is in `problems`. Bad options throw a `StaticFileError` (`STATIC_CONFIG`).
 *
 * The stages, in order: find, read (and resolve), plan the plain copies, hash in dependency order
 * and plan the rest (while the copies run), write, compress, manifest, clear. Every write goes
 * through the target, the output folder.
 */
export async function collect(options: CollectOptions): Promise<CollectResult> {
  const started = performance.now();
  const settings = resolveCollectOptions(options);
  const { out, algorithm, mode, onProgress } = settings;
  const manifestFile = join(out, MANIFEST_NAME);
  const problems: CollectProblem[] = [];
  const stats = { files: 0, bytes: 0, written: 0, unchanged: 0, references: 0, removed: 0, variants: 0 };
  const hasError = () => problems.some((problem) => problem.severity === "error");
  const target: CollectTarget = new FolderTarget(out, algorithm);
  let lane: WorkLane | undefined;
  const finish = (manifest: CollectManifest | undefined): CollectResult => {
    lane?.stop();
    return { ok: manifest !== undefined, manifest, manifestFile, problems, stats: { ...stats, durationMs: performance.now() - started } };
  };
  // Any failure ends as problems, with what the run wrote removed: the previous output stays as it was.
  const failed = (error: unknown): CollectResult => {
    target.discard();
    for (const problem of failureProblems(error)) problems.push(problem);
    return finish(undefined);
  };

  try {
    // Find.
    const sources = findSources(settings.roots, problems);
    stats.files = sources.size;
    for (const source of sources.values()) stats.bytes += source.size;
    const folders = folderNames(sources.keys());

    // Read, resolving each file's references as it is parsed.
    await target.prepare();
    lane = new WorkLane(sources.size >= LANE_FILES || stats.bytes >= LANE_BYTES);
    const read = await readSources(sources, settings, lane, target, (file) => resolveTargets(file, sources, folders, settings), (done, total) =>
      onProgress?.({ phase: "read", done, total }),
    );
    for (const problem of read.problems) problems.push(problem);

    // Plan the copies of files without references first: they are written while the others are hashed.
    const plain = hasError() ? new Map<string, Output>() : plainOutputs(sources, read.hex, read.rewritable, settings);
    await target.checkExisting(plain.values(), lane);
    for (const output of plain.values()) target.plan(output);
    target.makeRoom();

    // Hash in dependency order and plan the rest on this thread while the copies run; then write.
    let plan: OutputPlan | undefined;
    const hashAndPlanTheRest = (): boolean => {
      if (hasError()) return false;
      const hashed = hashInDependencyOrder(read.rewritable, read.hex, settings);
      plan = planOutputs(sources, read.hex, read.rewritable, hashed, settings);
      for (const problem of plan.problems) problems.push(problem);
      stats.references += plan.references;
      if (hasError()) return false;
      for (const output of plan.outputs.values()) if (plain.get(output.name)?.hex !== output.hex) target.plan(output);
      writeProgress.total = plan.outputs.size;
      writeProgress.base = plan.outputs.size - target.pendingWrites;
      return true;
    };
    // The write phase advances per file: outputs up to date or copied as read count as written from the start.
    const writeProgress = { total: 0, base: 0 };
    const reportWrite = (staged: number) => onProgress?.({ phase: "write", done: Math.min(writeProgress.base + staged, writeProgress.total), total: writeProgress.total });
    const planned = await target.stage(lane, hashAndPlanTheRest, reportWrite);
    if (!planned || plan === undefined || hasError()) {
      target.discard();
      return finish(undefined);
    }
    stats.written += target.written;
    stats.unchanged += target.unchanged;
    await target.commit(lane);
    onProgress?.({ phase: "write", done: plan.outputs.size, total: plan.outputs.size });

    // Compress: variants of the outputs now in place, before the manifest that names their files.
    let variants: readonly string[] = [];
    if (settings.compress.length > 0) {
      const inputs = [...plan.outputs.values()].map(({ name, hex, from }) => ({ name, hex, hashed: name !== from }));
      const compressed = await target.writeVariants(lane, inputs, settings.compress, new Set(plan.outputs.keys()), (done, total) => onProgress?.({ phase: "compress", done, total }));
      variants = compressed.variants;
      stats.variants = compressed.written;
    }

    // The manifest last: a crash before leaves the previous one naming files that exist.
    const manifest = createManifest(plan.paths, algorithm, settings.accuracy);
    try {
      if (await target.writeManifest(MANIFEST_NAME, serializeManifest(manifest))) stats.written++;
      else stats.unchanged++;
    } catch (error) {
      problems.push(writeFailed(manifestFile, error));
      return finish(undefined);
    }

    // Clear.
    if (settings.clear) stats.removed = await target.removeOthers(new Set([...plan.outputs.keys(), ...variants, MANIFEST_NAME]));
    return finish(manifest);
  } catch (error) {
    return failed(error);
  }
}
