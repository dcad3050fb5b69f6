// The hash cache: watch revalidation by stat, invalidation, the lru-cache bound, key layout, sharing.
import { renameSync, rmSync, utimesSync, writeFileSync, type Stats } from "node:fs";
import { join } from "node:path";
import { LRUCache } from "lru-cache";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { signatureReadAt, type FileSignature } from "../../src/fs/signature.js";
import { StaticFiles } from "../../src/index.js";
import { removeTempFolders, settle, tempRoot } from "../temp-folders.js";

afterAll(removeTempFolders);

// sha1 cut to 6: "foo" 0beec7, "bar" 62cdb7, "baz" bbe960, "foo bar" 3773dea, "" da39a3.
const HOUR_AGO = new Date(Date.now() - 3600_000);
const TWO_HOURS_AGO = new Date(Date.now() - 7200_000);

/** Writes a file and backdates it, as a file last edited long ago. */
function writeOld(file: string, content: string, when = HOUR_AGO): void {
  writeFileSync(file, content);
  utimesSync(file, when, when);
}

describe("watch: true", () => {
  test("picks up an edit on the next call, with no restart", () => {
    const root = tempRoot({ "app.css": "foo" });
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    writeFileSync(join(root, "app.css"), "foo bar");
    expect(files.url("app.css")).toBe("/static/app.css?3773de");
    expect(files.hash("app.css")).toBe("3773de");
  });

  test("picks up an edit that keeps the size, right after the first hash (same timestamp tick)", () => {
    const root = tempRoot({ "app.css": "foo" });
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    writeFileSync(join(root, "app.css"), "bar");
    expect(files.url("app.css")).toBe("/static/app.css?62cdb7");
  });

  test("picks up an edit that keeps the size of a file last changed long ago", () => {
    const root = tempRoot({});
    writeOld(join(root, "app.css"), "foo");
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    writeFileSync(join(root, "app.css"), "bar");
    expect(files.url("app.css")).toBe("/static/app.css?62cdb7");
  });

  test("picks up an edit that keeps the size and puts the old mtime back (as cp -p or rsync -t do)", () => {
    const root = tempRoot({});
    writeOld(join(root, "app.css"), "foo");
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    writeOld(join(root, "app.css"), "bar");
    expect(files.url("app.css")).toBe("/static/app.css?62cdb7");
  });

  test("picks up a file replaced by rename, same size and same mtime", () => {
    const root = tempRoot({});
    writeOld(join(root, "app.css"), "foo");
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    writeOld(join(root, "app.css.tmp"), "baz");
    renameSync(join(root, "app.css.tmp"), join(root, "app.css"));
    expect(files.url("app.css")).toBe("/static/app.css?bbe960");
  });

  test("reuses the cached entry while the file is unchanged", async () => {
    const root = tempRoot({});
    writeOld(join(root, "app.css"), "foo");
    await settle();
    const cache = new LRUCache<string, object>({ max: 10 });
    const files = new StaticFiles({ roots: [root], watch: true, cache });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    const entry = cache.get("staticfiles_hash:0:app.css");
    expect(entry).toBeDefined();
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    expect(files.hash("/app.css?x")).toBe("0beec7");
    expect(cache.get("staticfiles_hash:0:app.css")).toBe(entry);
  });

  test("a file changed within a timestamp tick of being hashed is hashed again, until it has aged", async () => {
    // Where timestamps are coarse (a few ms, or whole seconds), a second same-size write in the same
    // tick keeps size, mtime, ctime and inode: such a fresh entry is never trusted.
    const root = tempRoot({ "app.css": "foo" });
    const cache = new LRUCache<string, { signature: FileSignature }>({ max: 10 });
    const files = new StaticFiles({ roots: [root], watch: true, cache });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    const fresh = cache.get("staticfiles_hash:0:app.css")!;
    expect(fresh.signature.racy).toBe(true);
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    expect(cache.get("staticfiles_hash:0:app.css")).not.toBe(fresh);
    await settle();
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    const aged = cache.get("staticfiles_hash:0:app.css")!;
    expect(aged.signature.racy).toBeUndefined();
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    expect(cache.get("staticfiles_hash:0:app.css")).toBe(aged);
  });

  test("the tick is whole seconds where timestamps have no fraction", () => {
    const stats = (mtimeMs: number, ctimeMs = mtimeMs) => ({ size: 3, mtimeMs, ctimeMs, ino: 7 }) as Stats;
    // Fine timestamps: racy within 100 ms.
    expect(signatureReadAt(stats(10_000.25), 10_050).racy).toBe(true);
    expect(signatureReadAt(stats(10_000.25), 10_200).racy).toBeUndefined();
    // Whole-second timestamps (FAT, some network file systems): racy within 2 s.
    expect(signatureReadAt(stats(10_000), 11_500).racy).toBe(true);
    expect(signatureReadAt(stats(10_000), 12_500).racy).toBeUndefined();
    // A later ctime (chmod, rename, utimes) counts too.
    expect(signatureReadAt(stats(5_000.5, 10_000.25), 10_050).racy).toBe(true);
  });

  test("a file that vanishes and comes back is followed", () => {
    const root = tempRoot({ "app.css": "foo" });
    const files = new StaticFiles({ roots: [root], watch: true, missing: "ignore" });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    rmSync(join(root, "app.css"));
    expect(files.url("app.css")).toBe("/static/app.css");
    writeFileSync(join(root, "app.css"), "bar");
    expect(files.url("app.css")).toBe("/static/app.css?62cdb7");
  });
});

describe("watch: false", () => {
  test("keeps the hash until invalidateCache()", () => {
    const root = tempRoot({ "app.css": "foo", "other.css": "foo" });
    const files = new StaticFiles({ roots: [root], watch: false });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    expect(files.url("other.css")).toBe("/static/other.css?0beec7");
    writeFileSync(join(root, "app.css"), "foo bar");
    writeFileSync(join(root, "other.css"), "bar");
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    expect(files.hash("app.css")).toBe("0beec7");
    expect(files.lookup("/app.css").url).toBe("/static/app.css?0beec7");
    files.invalidateCache();
    expect(files.url("app.css")).toBe("/static/app.css?3773de");
    expect(files.hash("app.css")).toBe("3773de");
    expect(files.url("other.css")).toBe("/static/other.css?62cdb7");
  });

  test("invalidateCache(name) forgets only that name, however it is written", () => {
    const root = tempRoot({ "app.css": "foo", "other.css": "foo" });
    const files = new StaticFiles({ roots: [root], watch: false });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    expect(files.url("other.css")).toBe("/static/other.css?0beec7");
    writeFileSync(join(root, "app.css"), "bar");
    writeFileSync(join(root, "other.css"), "bar");
    files.invalidateCache("/./app.css?v=1");
    expect(files.url("app.css")).toBe("/static/app.css?62cdb7");
    expect(files.url("other.css")).toBe("/static/other.css?0beec7");
  });

  test("is the default when NODE_ENV is production, and watch is the default otherwise", () => {
    const saved = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = "production";
      expect(new StaticFiles({ roots: ["x"] }).options.watch).toBe(false);
      process.env.NODE_ENV = "development";
      expect(new StaticFiles({ roots: ["x"] }).options.watch).toBe(true);
      delete process.env.NODE_ENV;
      expect(new StaticFiles({ roots: ["x"] }).options.watch).toBe(true);
    } finally {
      process.env.NODE_ENV = saved;
    }
  });
});

describe("cache: false", () => {
  test("hashes on every call", () => {
    const root = tempRoot({ "app.css": "foo" });
    const files = new StaticFiles({ roots: [root], watch: false, cache: false });
    expect(files.options.cache).toBeUndefined();
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    writeFileSync(join(root, "app.css"), "bar");
    expect(files.url("app.css")).toBe("/static/app.css?62cdb7");
    writeFileSync(join(root, "app.css"), "baz");
    expect(files.hash("app.css")).toBe("bbe960");
    expect(files.integrity("app.css", "sha256")).toBe("sha256-uqWglk0zIPvAxqkiFARTyFE+okq4/QV3A0gEqWckgJY=");
  });
});

describe("the bound", () => {
  const names = Array.from({ length: 25 }, (_, i) => `f${i}.txt`);
  const root = tempRoot(Object.fromEntries(names.map((name, i) => [name, String(i)])));

  test("a shared LRUCache never holds more than its max", () => {
    const cache = new LRUCache<string, object>({ max: 3 });
    for (const watch of [true, false]) {
      const files = new StaticFiles({ roots: [root], cache, watch });
      for (const name of [...names, ...names]) {
        files.url(name);
        files.integrity(name);
        expect(cache.size).toBeLessThanOrEqual(3);
      }
      expect(cache.size).toBe(3);
    }
  });

  test("cache: { max } bounds the instance's own cache, and the URL memo with it", () => {
    const files = new StaticFiles({ roots: [root], cache: { max: 4 }, watch: false });
    const ownCache = files.options.cache!;
    expect(ownCache.max).toBe(4);
    for (const name of [...names, ...names]) {
      expect(files.url(name)).toMatch(/^\/static\/f\d+\.txt\?[0-9a-f]{6}$/);
      expect(ownCache.size).toBeLessThanOrEqual(4);
      // The raw name -> URL memo is bounded by the same number.
      expect((files as unknown as { urls: Map<string, string> }).urls.size).toBeLessThanOrEqual(4);
    }
  });

  test("evicted entries are hashed again, with the same result", () => {
    const files = new StaticFiles({ roots: [root], cache: { max: 2 }, watch: false });
    const first = names.map((name) => files.url(name));
    const second = names.map((name) => files.url(name));
    expect(second).toEqual(first);
    expect(first[0]).toBe("/static/f0.txt?b6589f"); // sha1("0")
  });
});

describe("keys on a shared LRUCache", () => {
  test("are `${keyPrefix}:${generation}:${name}`, and invalidateCache() starts a new generation", () => {
    const root = tempRoot({ "css/app.css": "foo", "js/app.js": "foo" });
    const cache = new LRUCache<string, object>({ max: 100 });
    const files = new StaticFiles({ roots: [root], cache, keyPrefix: "site", watch: false });
    files.url("/css/app.css?v=1#x");
    files.hash("js/app.js");
    expect([...cache.keys()].sort()).toEqual(["site:0:css/app.css", "site:0:js/app.js"]);
    files.invalidateCache();
    files.url("css/app.css");
    expect(cache.has("site:1:css/app.css")).toBe(true);
    expect(cache.has("site:1:js/app.js")).toBe(false);
    files.invalidateCache();
    files.invalidateCache();
    files.hash("js/app.js");
    expect(cache.has("site:3:js/app.js")).toBe(true);
  });

  test("the default keyPrefix is staticfiles_hash", () => {
    const root = tempRoot({ "a.css": "foo" });
    const cache = new LRUCache<string, object>({ max: 10 });
    new StaticFiles({ roots: [root], cache }).url("a.css");
    expect([...cache.keys()]).toEqual(["staticfiles_hash:0:a.css"]);
  });

  test("two instances with different keyPrefix stay apart", () => {
    const siteA = tempRoot({ "css/app.css": "foo" });
    const siteB = tempRoot({ "css/app.css": "bar" });
    const cache = new LRUCache<string, object>({ max: 100 });
    const a = new StaticFiles({ roots: [siteA], cache, keyPrefix: "a", watch: false });
    const b = new StaticFiles({ roots: [siteB], cache, keyPrefix: "b", watch: false });
    expect(a.url("css/app.css")).toBe("/static/css/app.css?0beec7");
    expect(b.url("css/app.css")).toBe("/static/css/app.css?62cdb7");
    expect([...cache.keys()].sort()).toEqual(["a:0:css/app.css", "b:0:css/app.css"]);
    // Invalidating one leaves the other's entries in place.
    a.invalidateCache();
    expect(cache.has("b:0:css/app.css")).toBe(true);
    const fresh = new StaticFiles({ roots: [siteB], cache, keyPrefix: "b", watch: false });
    writeFileSync(join(siteB, "css/app.css"), "baz");
    // A second instance with b's prefix sees b's cached hash: that is what sharing is for.
    expect(fresh.url("css/app.css")).toBe("/static/css/app.css?62cdb7");
    expect(a.url("css/app.css")).toBe("/static/css/app.css?0beec7");
  });

  test("instances sharing one prefix but hashing with different algorithms do not mix their hashes", () => {
    const root = tempRoot({ "app.css": "foo" });
    const cache = new LRUCache<string, object>({ max: 100 });
    const sha1 = new StaticFiles({ roots: [root], cache, watch: false });
    const md5 = new StaticFiles({ roots: [root], cache, watch: false, algorithm: "md5" });
    expect(sha1.hash("app.css")).toBe("0beec7");
    expect(md5.hash("app.css")).toBe("acbd18");
    expect(sha1.hash("app.css")).toBe("0beec7");
  });

  test("instances sharing one prefix but not their roots, or one with a manifest, each get their own files' hashes", () => {
    const first = tempRoot({ "app.css": "foo", "only-second.css": "" });
    const second = tempRoot({ "app.css": "bar", "only-second.css": "baz", "staticfiles.json": '{"paths": {"app.css": "app.123abc.css"}, "version": "1.0"}' });
    writeFileSync(join(second, "app.123abc.css"), "foo");
    const cache = new LRUCache<string, object>({ max: 100 });
    const a = new StaticFiles({ roots: [first], cache, watch: false });
    const b = new StaticFiles({ roots: [second], cache, watch: false });
    const ab = new StaticFiles({ roots: [second, first], cache, watch: false });
    const m = new StaticFiles({ roots: [second], cache, watch: false, manifest: join(second, "staticfiles.json") });
    for (let round = 0; round < 2; round++) {
      expect(a.hash("app.css")).toBe("0beec7");
      expect(b.hash("app.css")).toBe("62cdb7");
      expect(ab.hash("only-second.css")).toBe("bbe960");
      expect(a.hash("only-second.css")).toBe("da39a3");
      expect(m.integrity("app.css", "sha256")).toBe("sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=");
      expect(b.url("app.css")).toBe("/static/app.css?62cdb7");
      expect(m.url("app.css")).toBe("/static/app.123abc.css");
    }
  });
});

describe("integrity and hash stay consistent with the cache", () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  test("with watch, integrity() follows an edit just as url() does", () => {
    const root = tempRoot({ "app.js": "foo" });
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(files.integrity("app.js")).toBe("sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7");
    writeFileSync(join(root, "app.js"), "bar");
    expect(files.url("app.js")).toBe("/static/app.js?62cdb7");
    expect(files.integrity("app.js", "sha256")).toBe("sha256-/N4rLtula/QIYB+3If6bXDONEO5CnqBPrlURto+/j7k=");
  });

  test("without watch, integrity() of an edited file does not change the cached URL hash", () => {
    const root = tempRoot({ "app.js": "foo" });
    const files = new StaticFiles({ roots: [root], watch: false });
    expect(files.url("app.js")).toBe("/static/app.js?0beec7");
    writeFileSync(join(root, "app.js"), "bar");
    // The browser receives the bytes on disk now: integrity describes them.
    expect(files.integrity("app.js", "sha256")).toBe("sha256-/N4rLtula/QIYB+3If6bXDONEO5CnqBPrlURto+/j7k=");
    expect(files.hash("app.js")).toBe("0beec7");
    expect(files.url("app.js")).toBe("/static/app.js?0beec7");
  });
  test("without watch, integrity() of a file hashed right after it was written is kept, like its hash", () => {
    const root = tempRoot({ "app.js": "foo" });
    const files = new StaticFiles({ roots: [root], watch: false });
    expect(files.url("app.js")).toBe("/static/app.js?0beec7");
    expect(files.integrity("app.js", "sha256")).toBe("sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=");
    writeFileSync(join(root, "app.js"), "bar");
    // Kept until invalidateCache(), as the URL's hash is: the file is not read again on every call.
    expect(files.integrity("app.js", "sha256")).toBe("sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=");
    files.invalidateCache();
    expect(files.integrity("app.js", "sha256")).toBe("sha256-/N4rLtula/QIYB+3If6bXDONEO5CnqBPrlURto+/j7k=");
  });
});
