// StaticFiles.warm(): hashing the roots ahead of time, in worker threads, into the same cache entries url() makes.
// Uses the built package (dist/): worker threads load the compiled worker file, as they do for a user.
import { execFileSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { LRUCache } from "lru-cache";
import { afterAll, describe, expect, test } from "vitest";
import { StaticFiles } from "../../dist/index.js";
import { hashFile } from "../../dist/core/hash.js";
import { digestFile } from "../../dist/fs/digest.js";
import { digestFiles, threadsFor } from "../../dist/core/warm.js";
import { WorkerPool } from "../../dist/fs/worker-pool.js";
import { removeTempFolders, tempFolder, tempRoot, writeTree } from "../temp-folders.js";

afterAll(removeTempFolders);

// sha1 cut to 6: "foo" 0beec7, "bar" 62cdb7, "baz" bbe960, "" da39a3.
type Entries = Record<string, unknown>;

function cacheOf(): LRUCache<string, object> {
  return new LRUCache<string, object>({ max: 1000 });
}

/**
 * The cache's entries, without the signature's `racy` mark: whether a read came within a timestamp
 * tick of the file's last change depends on when it ran, not on which path read it.
 */
function entriesOf(cache: LRUCache<string, object>): Entries {
  return Object.fromEntries([...cache.entries()].map(([key, entry]) => [key, withoutRacy(entry)]));
}

function withoutRacy<T extends object>(value: T): T {
  const { signature, ...rest } = value as { signature: Record<string, unknown> };
  const { racy: _racy, ...stable } = signature;
  return { ...rest, signature: stable } as T;
}

/** Two roots: the first wins for css/app.css; a folder, an empty file, a space, a name no URL leads to. */
function twoRoots(): [string, string] {
  const first = tempRoot({ "css/app.css": "foo", "img/a b.png": "bar", "empty.txt": "", "deep/er/still/x.js": "baz" }, "warm");
  const second = tempRoot({ "css/app.css": "bar", "js/only-here.js": "baz", "odd?name.css": "foo" }, "warm");
  return [first, second];
}

const REACHABLE = ["css/app.css", "img/a b.png", "empty.txt", "deep/er/still/x.js", "js/only-here.js"];

describe("warm() fills the cache exactly as url() would", () => {
  test.each(["sha1", "sha384", "md5"] as const)("every file of the roots, first root winning (%s)", async (algorithm) => {
    const roots = twoRoots();
    const warmedCache = cacheOf();
    const warmed = new StaticFiles({ roots, algorithm, cache: warmedCache, watch: false });
    expect(await warmed.warm()).toBe(5);

    const syncCache = cacheOf();
    const sync = new StaticFiles({ roots, algorithm, cache: syncCache, watch: false });
    for (const name of REACHABLE) sync.url(name);

    expect(Object.keys(entriesOf(warmedCache)).sort()).toEqual(REACHABLE.map((name) => `staticfiles_hash:0:${name}`).sort());
    expect(entriesOf(warmedCache)).toEqual(entriesOf(syncCache));
  });

  test("pinned hashes, and the integrity value an integrity algorithm precomputes", async () => {
    const roots = twoRoots();
    const cache = cacheOf();
    const files = new StaticFiles({ roots, algorithm: "sha384", accuracy: 8, cache, watch: false });
    await files.warm();
    const entry = cache.get("staticfiles_hash:0:css/app.css") as { file: string; rootIndex: number; hex: string; integrity: Map<string, string> };
    expect(entry.file).toBe(join(roots[0], "css/app.css"));
    expect(entry.rootIndex).toBe(0);
    expect(entry.hex.slice(0, 8)).toBe("98c11ffd");
    expect(entry.integrity).toEqual(new Map([["sha384", "sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7"]]));
    expect(files.integrity("css/app.css")).toBe("sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7");
  });

  test("url() afterwards reads no file: the files can be gone and the URLs still carry their hashes", async () => {
    const roots = twoRoots();
    const warmed = new StaticFiles({ roots, watch: false });
    const cold = new StaticFiles({ roots, watch: false });
    await warmed.warm();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    expect(warmed.url("css/app.css")).toBe("/static/css/app.css?0beec7");
    expect(warmed.url("empty.txt")).toBe("/static/empty.txt?da39a3");
    expect(warmed.url("img/a b.png")).toBe("/static/img/a%20b.png?62cdb7");
    expect(warmed.url("js/only-here.js?v=2#top")).toBe("/static/js/only-here.js?v=2&bbe960#top");
    expect(() => cold.url("css/app.css")).toThrow(expect.objectContaining({ code: "STATIC_NOT_FOUND" }));
  });

  test("with watch, warmed entries are still revalidated: an edit shows on the next call", async () => {
    const root = tempRoot({ "app.css": "foo" }, "warm");
    const files = new StaticFiles({ roots: [root], watch: true });
    await files.warm();
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    writeFileSync(join(root, "app.css"), "bar!");
    expect(files.url("app.css")).toBe("/static/app.css?3811e1");
  });

  test("warm() hashes again what the cache already held, and url() then gives the new hash", async () => {
    const root = tempRoot({ "app.css": "foo" }, "warm");
    const files = new StaticFiles({ roots: [root], watch: false });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    writeFileSync(join(root, "app.css"), "bar");
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    await files.warm();
    expect(files.url("app.css")).toBe("/static/app.css?62cdb7");
  });

  test("filename mode and a shared cache with a key prefix", async () => {
    const root = tempRoot({ "js/jquery.min.js": "foo" }, "warm");
    const cache = cacheOf();
    const files = new StaticFiles({ roots: [root], mode: "filename", cache, keyPrefix: "site-a", watch: false });
    await files.warm();
    expect([...cache.keys()]).toEqual(["site-a:0:js/jquery.min.js"]);
    rmSync(root, { recursive: true, force: true });
    expect(files.url("js/jquery.min.js")).toBe("/static/js/jquery.min.0beec7.js");
  });
});

describe("warm(names)", () => {
  test("hashes only the names given, parsed as url() parses them", async () => {
    const roots = twoRoots();
    const cache = cacheOf();
    const files = new StaticFiles({ roots, cache, watch: false });
    expect(await files.warm(["/css/app.css?v=1", "css/./app.css#x", "js/only-here.js", "img/"])).toBe(2);
    expect([...cache.keys()].sort()).toEqual(["staticfiles_hash:0:css/app.css", "staticfiles_hash:0:js/only-here.js"]);
    expect(files.url("css/app.css")).toBe("/static/css/app.css?0beec7");
  });

  test("a name in a later root, behind a folder of the same name in the first", async () => {
    const first = tempRoot({ "x/inner.txt": "foo" }, "warm");
    const second = tempRoot({ x: "bar" }, "warm");
    const files = new StaticFiles({ roots: [first, second], watch: false });
    expect(await files.warm(["x"])).toBe(1);
    expect(files.url("x")).toBe("/static/x?62cdb7");
  });

  test("a missing name is STATIC_NOT_FOUND naming it, as url() reports it", async () => {
    const root = tempRoot({ "app.css": "foo" }, "warm");
    const files = new StaticFiles({ roots: [root] });
    await expect(files.warm(["app.css", "css/missing.css"])).rejects.toMatchObject({
      code: "STATIC_NOT_FOUND",
      asset: "css/missing.css",
      message: expect.stringContaining(`"css/missing.css" was not found; searched ${root}`),
    });
  });

  test("under missing: ignore, a missing name is skipped", async () => {
    const root = tempRoot({ "app.css": "foo" }, "warm");
    const files = new StaticFiles({ roots: [root], missing: "ignore" });
    expect(await files.warm(["app.css", "gone.css"])).toBe(1);
    expect(files.url("gone.css")).toBe("/static/gone.css");
  });

  test("a name that climbs out of the roots is refused", async () => {
    const files = new StaticFiles({ roots: [tempRoot({ "a.css": "foo" }, "warm")] });
    await expect(files.warm(["../secret.txt"])).rejects.toMatchObject({ code: "STATIC_OUTSIDE_ROOT" });
  });

  test("a FIFO is no static file: a clear error, and no hang", async () => {
    const root = tempRoot({ "a.css": "foo" }, "warm");
    execFileSync("mkfifo", [join(root, "pipe.css")]);
    const files = new StaticFiles({ roots: [root] });
    await expect(files.warm(["pipe.css"])).rejects.toMatchObject({
      code: "STATIC_NOT_FOUND",
      message: expect.stringContaining("not a regular file"),
    });
  });
});

describe("what cannot be warmed is a clear error", () => {
  test("a root that does not exist", async () => {
    const missing = join(tempFolder("warm"), "no-such-folder");
    const files = new StaticFiles({ roots: [missing] });
    await expect(files.warm()).rejects.toMatchObject({
      code: "STATIC_CONFIG",
      message: `Cannot warm the cache: the root ${missing} does not exist. Check \`roots\`, or create the folder.`,
    });
  });

  test("a root that is a file", async () => {
    const root = tempRoot({ "a.css": "foo" }, "warm");
    const files = new StaticFiles({ roots: [join(root, "a.css")] });
    await expect(files.warm()).rejects.toMatchObject({ code: "STATIC_CONFIG", message: expect.stringContaining("is not a folder") });
  });

  test("a link that loops, inside the tree, is reported as url() reports it", async () => {
    const root = tempRoot({ "a.css": "foo" }, "warm");
    symlinkSync("loop.css", join(root, "loop.css"));
    const files = new StaticFiles({ roots: [root] });
    await expect(files.warm()).rejects.toMatchObject({
      code: "STATIC_NOT_FOUND",
      asset: "loop.css",
      message: expect.stringContaining("ELOOP"),
    });
  });

  test("under missing: warn, an unhashable file warns once and the rest is warmed", async () => {
    const root = tempRoot({ "a.css": "foo" }, "warm");
    symlinkSync("nowhere.css", join(root, "dangling.css"));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    try {
      const files = new StaticFiles({ roots: [root], missing: "warn", watch: false });
      expect(await files.warm()).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([expect.stringContaining('"dangling.css" was not found')]);
      rmSync(join(root, "a.css"));
      expect(files.url("a.css")).toBe("/static/a.css?0beec7");
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("the tree walk", () => {
  test("follows linked files and folders as url() does, and a link back up the tree ends", async () => {
    const root = tempRoot({ "real/app.css": "foo" }, "warm");
    symlinkSync(join(root, "real"), join(root, "linked"));
    symlinkSync(join(root, "real/app.css"), join(root, "alias.css"));
    symlinkSync(root, join(root, "real/up"));
    const cache = cacheOf();
    const files = new StaticFiles({ roots: [root], cache, watch: false });
    await files.warm();
    expect([...cache.keys()].sort()).toEqual([
      "staticfiles_hash:0:alias.css",
      "staticfiles_hash:0:linked/app.css",
      "staticfiles_hash:0:real/app.css",
    ]);
    expect(files.url("linked/app.css")).toBe("/static/linked/app.css?0beec7");
  });

  test("dotfiles, backups and CVS folders are warmed too: url() finds them", async () => {
    const root = tempRoot({ ".well-known/security.txt": "foo", ".env": "bar", "app.css~": "baz", "CVS/Entries": "" }, "warm");
    const cache = cacheOf();
    const files = new StaticFiles({ roots: [root], cache, watch: false });
    expect(await files.warm()).toBe(4);
    expect([...cache.keys()].sort()).toEqual([".env", ".well-known/security.txt", "CVS/Entries", "app.css~"].map((name) => `staticfiles_hash:0:${name}`));
  });

  test("a name that is not UTF-8 leads to no URL: it is passed over, the rest is warmed", async () => {
    const root = tempRoot({ "a.css": "foo" }, "warm");
    writeFileSync(Buffer.concat([Buffer.from(root + "/caf"), Buffer.from([0xe9]), Buffer.from(".css")]), "bar");
    const cache = cacheOf();
    const files = new StaticFiles({ roots: [root], cache, watch: false });
    expect(await files.warm()).toBe(1);
    expect([...cache.keys()]).toEqual(["staticfiles_hash:0:a.css"]);
  });

  test("a tree large enough for worker threads gives the digests the synchronous path gives", async () => {
    const root = tempFolder("warm");
    const names: string[] = [];
    // Sparse files: 3 x 20 MiB to hash, next to nothing on disk.
    for (let i = 0; i < 3; i++) {
      const name = `big-${i}.bin`;
      const fd = openSync(join(root, name), "w");
      writeSync(fd, `file ${i}`);
      ftruncateSync(fd, 20 * 2 ** 20);
      closeSync(fd);
      names.push(name);
    }
    writeTree(root, { "small.txt": "foo" });
    const files = new StaticFiles({ roots: [root], watch: false, accuracy: 40 });
    expect(await files.warm()).toBe(4);
    for (const name of names) expect(files.hash(name)).toBe(hashFile(join(root, name)));
    expect(files.hash("small.txt")).toBe("0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33");
  });
});

describe("digestFiles, on the worker pool behind warm()", () => {
  test("a worker and the main thread: each file's digest and signature as digestFile gives them; an unreadable file gives undefined", async () => {
    const root = tempFolder("warm");
    const list = Array.from({ length: 150 }, (_, i) => ({ file: join(root, `f${i}.txt`), size: i }));
    for (const { file, size } of list) writeFileSync(file, "x".repeat(size));
    list.push({ file: join(root, "missing.txt"), size: 0 });
    mkdirSync(join(root, "folder.txt"));
    list.push({ file: join(root, "folder.txt"), size: 0 });
    // One worker beside the main thread, whatever the machine's cores, running before the task starts.
    const pool = new WorkerPool({ maxWorkers: 1 });
    pool.grow(1);
    await pool.ready();
    expect(pool.size).toBe(1);
    const results = await digestFiles(list, "sha256", pool).finally(() => pool.stop());
    expect(results).toHaveLength(152);
    for (let i = 0; i < 150; i++) expect(withoutRacy(results[i]!)).toEqual(withoutRacy(digestFile(list[i].file, ["sha256"])));
    expect(results[150]).toBeUndefined();
    expect(results[151]).toBeUndefined();
  });
});

describe("threadsFor: when warm() starts worker threads", () => {
  test("one per 32 MiB found beyond the first, never for a lone big file", () => {
    const MiB = 2 ** 20;
    expect(threadsFor(1, 1024 * MiB)).toBe(0); // one file: the main thread hashes it alone
    expect(threadsFor(2, 1024 * MiB + 1)).toBe(1);
    expect(threadsFor(3, 1024 * MiB + 2)).toBe(2);
    expect(threadsFor(100, 100 * 300 * 1024)).toBe(0); // 29 MiB in all: not worth a thread
    expect(threadsFor(101, 100 * 300 * 1024 + 4 * MiB)).toBe(1);
    expect(threadsFor(0, 0)).toBe(0);
  });

  test("the pool never starts more than asked", async () => {
    const pool = new WorkerPool({ maxWorkers: 2 });
    try {
      pool.grow(threadsFor(3, 2 ** 40));
      expect(pool.size).toBe(2);
      pool.grow(threadsFor(1000, 2 ** 40));
      expect(pool.size).toBe(2);
    } finally {
      await pool.stop();
    }
  });
});

describe("nothing to warm", () => {
  test("cache: false hashes nothing", async () => {
    const files = new StaticFiles({ roots: [tempRoot({ "a.css": "foo" }, "warm")], cache: false });
    expect(await files.warm()).toBe(0);
  });

  test("with a manifest, warm() reads the manifest and hashes nothing", async () => {
    const dir = tempRoot({ "staticfiles.json": JSON.stringify({ paths: { "a.css": "a.0beec7.css" }, version: "1.0" }) }, "warm");
    const files = new StaticFiles({ roots: [dir], manifest: join(dir, "staticfiles.json") });
    expect(await files.warm()).toBe(0);
    expect(files.url("a.css")).toBe("/static/a.0beec7.css");
    writeFileSync(join(dir, "staticfiles.json"), "{");
    files.invalidateCache();
    await expect(files.warm()).rejects.toMatchObject({ code: "STATIC_MANIFEST" });
  });

  test("invalidateCache() while warming: the digests, maybe stale, are dropped", async () => {
    const cache = cacheOf();
    const files = new StaticFiles({ roots: [tempRoot({ "a.css": "foo" }, "warm")], cache });
    const warming = files.warm();
    files.invalidateCache();
    expect(await warming).toBe(0);
    expect(cache.size).toBe(0);
  });
});
