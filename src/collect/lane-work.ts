// collect's per-file work on the worker pool: the names collect uses for its tasks and their results.
import { WorkerPool } from "../fs/worker-pool.js";
import type { CopyJob, DigestJob, DigestResult, JobFailure, RenameJob } from "../fs/pool-jobs.js";
import type { HashAlgorithm } from "../core/hash.js";

export { copyJob, SOURCE_MAP_WORD, type CopyJob, type DigestJob, type DigestResult, type RenameJob } from "../fs/pool-jobs.js";

export type LaneTask =
  | { readonly kind: "digest"; readonly algorithm: HashAlgorithm; readonly jobs: readonly DigestJob[] }
  | { readonly kind: "copy"; readonly jobs: readonly CopyJob[] }
  | { readonly kind: "rename"; readonly jobs: readonly RenameJob[] };

export interface LaneShare {
  /** Digest tasks: the result of each job, by job index. */
  readonly digests: [number, DigestResult][];
  /** Copy and rename tasks: the first job that failed; the ones after it were not started. */
  readonly failure: JobFailure | undefined;
}

/**
 * collect's side of the pool: with `useWorker`, every thread the pool may start shares each task's
 * jobs with the main thread, which takes its share in one go (collect is no server).
 */
export class WorkLane {
  /** The threads themselves, for work that is not a lane task (compression grows and uses the same pool). */
  readonly pool = new WorkerPool();

  constructor(useWorker: boolean) {
    if (useWorker) this.pool.grow(Infinity);
  }

  /**
   * Does every job of `task`. `first` is the main thread's own work, done before it joins; when it
   * returns false (it failed), the task stops. `onJob` follows each job of the main thread.
   */
  async run(task: LaneTask, first?: () => boolean, onJob?: () => void): Promise<LaneShare> {
    const { results, failure } = await this.pool.run(task, { first, onJob });
    return { digests: results as [number, DigestResult][], failure };
  }

  /** Jobs of the current (or last) task done so far, on every thread. */
  completed(): number {
    return this.pool.completed();
  }

  /** Ends the threads; they exit in the background. */
  stop(): void {
    void this.pool.stop();
  }
}
