// The one worker pool: jobs shared through a counter, a lost thread's jobs finished on the main
// thread, stop(), and a main thread that yields. Uses the built package (dist/): threads run the
// compiled pool module, as they do for a user.
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { DigestResult } from "../../dist/fs/pool-jobs.js";
import { WorkerPool } from "../../dist/fs/worker-pool.js";
import { removeTempFolders, tempFolder } from "../temp-folders.js";

afterAll(removeTempFolders);

const LOST_WORKER = new URL("./lost-worker.mjs", import.meta.url);

/** `count` files of `size` bytes, each different; returns their paths and sha1 digests. */
function files(count: number, size: number): { paths: string[]; hexes: string[] } {
  const root = tempFolder("pool");
  const paths: string[] = [];
  const hexes: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.alloc(size, `file ${i} `);
    paths.push(join(root, `f${i}.bin`));
    writeFileSync(paths[i], bytes);
    hexes.push(createHash("sha1").update(bytes).digest("hex"));
  }
  return { paths, hexes };
}

const digestTask = (paths: string[]) => ({ kind: "digest" as const, algorithm: "sha1", jobs: paths.map((path) => ({ path, scan: false, copyTo: undefined })) });

/** Each job's hex digest by index, and whether every job was answered exactly once. */
function hexesOf(results: [number, DigestResult][], count: number): string[] {
  expect(results.map(([index]) => index).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  const hexes: string[] = [];
  for (const [index, result] of results) hexes[index] = "hex" in result ? result.hex : result.code;
  return hexes;
}

/** Blocks the main thread until `done()`, at most 20 s: the other thread must get going first. */
function spinUntil(done: () => boolean): boolean {
  const until = Date.now() + 20_000;
  while (!done()) if (Date.now() > until) throw new Error("the worker thread never took a job");
  return true;
}

describe("the worker pool", () => {
  test("a worker and the main thread share the jobs of a task: both do some, every job answered once", async () => {
    const { paths, hexes } = files(200, 64 * 1024);
    const pool = new WorkerPool({ maxWorkers: 1 });
    pool.grow(1);
    await pool.ready();
    expect(pool.size).toBe(1);
    try {
      // The main thread joins once the worker has done a job.
      const outcome = await pool.run(digestTask(paths), { first: () => spinUntil(() => pool.completed() > 0) });
      expect(hexesOf(outcome.results, 200)).toEqual(hexes);
      expect(outcome.mainJobs).toBeGreaterThan(0);
      expect(outcome.mainJobs).toBeLessThan(200);
      expect(pool.completed()).toBe(200);
    } finally {
      await pool.stop();
    }
  });

  test("a worker lost at work: the jobs it took are done again on the main thread", async () => {
    const { paths, hexes } = files(40, 1024);
    const pool = new WorkerPool({ maxWorkers: 1, workerUrl: LOST_WORKER });
    pool.grow(1);
    await pool.ready();
    const outcome = await pool.run(digestTask(paths), { first: () => spinUntil(() => pool.completed() >= 20) });
    expect(outcome.mainJobs).toBe(20);
    expect(hexesOf(outcome.results, 40)).toEqual(hexes);
    expect(outcome.failure).toBeUndefined();
    expect(pool.size).toBe(0);
    // Lost for good: the next task runs on the main thread alone.
    const next = await pool.run(digestTask(paths));
    expect(next.mainJobs).toBe(40);
    await pool.stop();
  });

  test("a worker lost at a task that writes: the task fails, its jobs may be half done", async () => {
    const root = tempFolder("pool");
    const jobs = Array.from({ length: 10 }, (_, i) => {
      writeFileSync(join(root, `t${i}`), "x");
      return { temp: join(root, `t${i}`), target: join(root, `r${i}`) };
    });
    const pool = new WorkerPool({ maxWorkers: 1, workerUrl: LOST_WORKER });
    pool.grow(1);
    await pool.ready();
    const outcome = await pool.run({ kind: "rename", jobs }, { first: () => spinUntil(() => pool.completed() >= 5) });
    expect(outcome.failure).toEqual({ index: 0, code: undefined, message: "a worker thread stopped" });
    expect(outcome.mainJobs).toBe(5);
    // The main thread renamed the jobs it took (5 to 9); the lost thread's five never happened.
    expect(jobs.map(({ target }) => existsSync(target))).toEqual([false, false, false, false, false, true, true, true, true, true]);
    await pool.stop();
  });

  test("stop() ends the threads; the pool then works on the main thread until it grows again", async () => {
    const { paths, hexes } = files(4, 10);
    const pool = new WorkerPool({ maxWorkers: 2 });
    pool.grow(2);
    await pool.ready();
    expect(pool.size).toBe(2);
    expect(await pool.stop()).toEqual([1, 1]); // terminated: both exited
    expect(pool.size).toBe(0);
    const outcome = await pool.run(digestTask(paths));
    expect(outcome.mainJobs).toBe(4);
    expect(hexesOf(outcome.results, 4)).toEqual(hexes);
  });

  test("in slices, the main thread lets timers run between its jobs; in one go, not before it is done", async () => {
    const { paths } = files(20, 256 * 1024);
    const pool = new WorkerPool({ maxWorkers: 0 });
    const timerRan = async (sliceMs: number | undefined) => {
      let ran = false;
      const timer = setTimeout(() => (ran = true), 0);
      await pool.run(digestTask(paths), { sliceMs });
      clearTimeout(timer);
      return ran;
    };
    expect(await timerRan(undefined)).toBe(false);
    expect(await timerRan(0)).toBe(true);
  });

  test("without the built worker module, no thread starts and the main thread does every job", async () => {
    const { paths, hexes } = files(3, 10);
    const pool = new WorkerPool({ maxWorkers: 4, workerUrl: new URL("./no-such-worker.js", import.meta.url) });
    pool.grow(4);
    expect(pool.size).toBe(0);
    const outcome = await pool.run(digestTask(paths));
    expect(outcome.mainJobs).toBe(3);
    expect(hexesOf(outcome.results, 3)).toEqual(hexes);
  });
});
