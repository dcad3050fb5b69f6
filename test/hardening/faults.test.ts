// Faults injected while static-hash works: files deleted, truncated, replaced or rewritten while they
// are hashed, unreadable files, roots that vanish, symlink loops, manifests cut short or swapped.
// Each gives a clear StaticFileError or a correct hash, and with watch on no hash of content that is
// gone survives the fault.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { StaticFiles, StaticFileError } from "../../src/index.js";
import { hashBytes, integrityOf } from "../../src/core/hash.js";
import { CHUNK_SIZE } from "../../src/fs/digest.js";
import { collect } from "../../src/collect/index.js";

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);
let faults = 0;
const made: string[] = [];

function tempFolder(): string {
  const dir = fs.mkdtempSync(join(tmpdir(), "static-hash-faults-"));
  made.push(dir);
  return dir;
}

function put(file: string, content: string | Uint8Array): string {
  fs.mkdirSync(dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Bytes spanning several read chunks, different for each `version`. */
function bigContent(version: number, size = 3 * CHUNK_SIZE + 123): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((i * 2654435761 + version * 40503) >>> 0, Math.min(i, size - 4));
  return bytes;
}

const h6 = (bytes: string | Uint8Array) => hashBytes(bytes).slice(0, 6);

function thrown(call: () => unknown): StaticFileError {
  try {
    call();
  } catch (error) {
    if (!(error instanceof StaticFileError)) throw new Error(`expected a StaticFileError, got ${String(error)}`, { cause: error });
    return error;
  }
  throw new Error("expected the call to throw");
}

/**
 * Runs `mutate` from inside the core's reads of `file`: after the `after`-th chunk read of each hashing
 * (every read with `every`), so the file changes while it is being hashed.
 */
function duringReads(file: string, mutate: (readIndex: number) => void, { after = 1, every = false } = {}) {
  const readSync = fs.readSync;
  const openSync = fs.openSync;
  const watched = new Set<number>();
  let reads = 0;
  const opens = vi.spyOn(fs, "openSync").mockImplementation(((path: fs.PathLike, ...rest: unknown[]) => {
    const fd = (openSync as (...args: unknown[]) => number)(path, ...rest);
    if (String(path) === file) watched.add(fd);
    return fd;
  }) as typeof fs.openSync);
  const spy = vi.spyOn(fs, "readSync").mockImplementation(((fd: number, ...rest: unknown[]) => {
    const read = (readSync as (...args: unknown[]) => number)(fd, ...rest);
    if (watched.has(fd)) {
      reads++;
      if (every || reads === after) {
        faults++;
        mutate(reads);
      }
    }
    return read;
  }) as typeof fs.readSync);
  syncBuiltinESMExports();
  return {
    get reads() {
      return reads;
    },
    restore() {
      spy.mockRestore();
      opens.mockRestore();
      syncBuiltinESMExports();
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

afterAll(() => {
  for (const dir of made.splice(0)) {
    fs.chmodSync(dir, 0o700);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.info(`faults: ${faults} faults injected`);
});

describe("a file changed while it is hashed", () => {
  test("deleted mid-read: the bytes already opened are hashed whole, then the next call says it is gone", () => {
    const root = tempFolder();
    const original = bigContent(1);
    const file = put(join(root, "video.bin"), original);
    const files = new StaticFiles({ roots: [root], watch: true });
    const reads = duringReads(file, () => fs.unlinkSync(file));
    const url = files.url("video.bin");
    reads.restore();
    expect(reads.reads).toBeGreaterThan(3);
    expect(url).toBe(`/static/video.bin?${h6(original)}`);
    expect(thrown(() => files.url("video.bin")).code).toBe("STATIC_NOT_FOUND");
  });

  test("deleted mid-read with a copy in a later root: the next call hashes the copy", () => {
    const first = tempFolder();
    const second = tempFolder();
    const file = put(join(first, "app.js"), bigContent(1));
    put(join(second, "app.js"), "foo");
    const files = new StaticFiles({ roots: [first, second], watch: true });
    const reads = duringReads(file, () => fs.unlinkSync(file));
    expect(files.hash("app.js")).toBe(h6(bigContent(1)));
    reads.restore();
    expect(files.url("app.js")).toBe("/static/app.js?0beec7");
  });

  test("truncated mid-read: the hash is the truncated content's, never a mix", () => {
    const root = tempFolder();
    const file = put(join(root, "app.css"), bigContent(2));
    const files = new StaticFiles({ roots: [root], watch: true });
    const reads = duringReads(file, () => fs.truncateSync(file, 3));
    const url = files.url("app.css");
    reads.restore();
    const now = fs.readFileSync(file);
    expect(now.length).toBe(3);
    expect(url).toBe(`/static/app.css?${h6(now)}`);
    expect(files.url("app.css")).toBe(url);
  });

  test("replaced by a rename mid-read: the old bytes are hashed whole, the next call hashes the new file", () => {
    const root = tempFolder();
    const file = put(join(root, "app.css"), bigContent(3));
    const files = new StaticFiles({ roots: [root], watch: true });
    const reads = duringReads(file, () => {
      put(join(root, ".app.css.tmp"), "foo");
      fs.renameSync(join(root, ".app.css.tmp"), file);
    });
    expect(files.hash("app.css")).toBe(h6(bigContent(3)));
    reads.restore();
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    expect(files.integrity("app.css")).toBe(integrityOf("foo"));
  });

  test("rewritten in place mid-read (same size): the hash is the new content's", () => {
    const root = tempFolder();
    const file = put(join(root, "app.js"), bigContent(4));
    const files = new StaticFiles({ roots: [root], watch: true });
    const reads = duringReads(file, () => fs.writeFileSync(file, bigContent(5)));
    const url = files.url("app.js");
    reads.restore();
    expect(url).toBe(`/static/app.js?${h6(bigContent(5))}`);
  });

  test("appended to mid-read: the hash covers the whole grown file", () => {
    const root = tempFolder();
    const file = put(join(root, "log.txt"), bigContent(6));
    const files = new StaticFiles({ roots: [root], watch: true });
    const reads = duringReads(file, () => fs.appendFileSync(file, "tail"), { after: 2 });
    const hash = files.hash("log.txt");
    reads.restore();
    expect(hash).toBe(h6(Buffer.concat([bigContent(6), Buffer.from("tail")])));
  });

  test("changed during every read: a clear EBUSY error, never a hash of a mix; settled, the new content's hash", () => {
    const root = tempFolder();
    const file = put(join(root, "busy.bin"), bigContent(7));
    let version = 100;
    const files = new StaticFiles({ roots: [root], watch: true });
    const lenient = new StaticFiles({ roots: [root], watch: true, missing: "ignore" });
    const reads = duringReads(file, () => fs.writeFileSync(file, bigContent(version++)), { every: true });
    const error = thrown(() => files.url("busy.bin"));
    expect(lenient.url("busy.bin")).toBe("/static/busy.bin");
    reads.restore();
    expect(reads.reads).toBeGreaterThan(8);
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toContain("EBUSY");
    expect(error.message).toContain(file);
    // Once the file settles, the URL is the settled content's: no mixed read is kept.
    expect(files.url("busy.bin")).toBe(`/static/busy.bin?${h6(fs.readFileSync(file))}`);
    expect(lenient.url("busy.bin")).toBe(`/static/busy.bin?${h6(fs.readFileSync(file))}`);
  });

  describe.each(["rename", "in place"] as const)("another process rewriting a %s big file over and over", (how) => {
    test("every URL carries the hash of a version that was on disk, and the last one the final version's", { timeout: 120_000 }, async () => {
      const root = tempFolder();
      const file = put(join(root, "bundle.js"), bigContent(0, 2 * 1024 * 1024));
      const versions = LONG ? 400 : 60;
      const known = new Set(Array.from({ length: 2 }, (_, v) => h6(bigContent(v, 2 * 1024 * 1024))));
      const started = join(root, "..started");
      const done = join(root, "..done");
      // The writer alternates two versions of 2 MB: by rename (atomic) or by rewriting the file in place.
      const writer = spawn(
        process.execPath,
        [
          "-e",
          `
          const fs = require("fs");
          const [file, started, done, versions, how] = process.argv.slice(1);
          const size = 2 * 1024 * 1024;
          const content = (version) => {
            const bytes = Buffer.alloc(size);
            for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((i * 2654435761 + version * 40503) >>> 0, Math.min(i, size - 4));
            return bytes;
          };
          const both = [content(0), content(1)];
          fs.writeFileSync(started, "");
          for (let i = 1; i <= Number(versions); i++) {
            if (how === "rename") { fs.writeFileSync(file + ".tmp", both[i % 2]); fs.renameSync(file + ".tmp", file); }
            else fs.writeFileSync(file, both[i % 2]);
          }
          fs.writeFileSync(done, "");
          `,
          file,
          started,
          done,
          String(versions),
          how,
        ],
        { stdio: "inherit" },
      );
      const exited = new Promise((resolve) => writer.on("exit", resolve));
      while (!fs.existsSync(started)) await new Promise((resolve) => setTimeout(resolve, 5));
      const files = new StaticFiles({ roots: [root], watch: true });
      const seen = new Map<string, number>();
      let calls = 0;
      let errors = 0;
      // Synchronous hashing while the writer runs; counted, not timed.
      while (!fs.existsSync(done)) {
        calls++;
        try {
          const hash = files.hash("bundle.js");
          seen.set(hash, (seen.get(hash) ?? 0) + 1);
        } catch (error) {
          // In place, a reader may land between truncate and write; that is a missing file at worst.
          expect(error).toBeInstanceOf(StaticFileError);
          errors++;
        }
      }
      await exited;
      faults += versions;
      expect(calls).toBeGreaterThan(0);
      if (how === "rename") {
        expect(errors).toBe(0);
        for (const hash of seen.keys()) expect(known.has(hash), `hash ${hash} is of no version written`).toBe(true);
      }
      const final = fs.readFileSync(file);
      expect(files.hash("bundle.js")).toBe(h6(final));
      expect(known.has(h6(final))).toBe(true);
    });
  });
});

describe("files and folders that cannot be read", () => {
  // Root reads everything: the checks run under an unprivileged effective uid, switched back after.
  const asUnprivileged = <T>(call: () => T): T => {
    if (process.getuid?.() !== 0) return call();
    process.setegid!(65534);
    process.seteuid!(65534);
    try {
      return call();
    } finally {
      process.seteuid!(0);
      process.setegid!(0);
    }
  };
  const openTemp = () => {
    const dir = tempFolder();
    fs.chmodSync(dir, 0o755);
    return dir;
  };

  test("EACCES on the file: STATIC_NOT_FOUND that says to fix the permissions; after a cached hash too", () => {
    const root = openTemp();
    const file = put(join(root, "secret.css"), "foo");
    fs.chmodSync(file, 0o644);
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(asUnprivileged(() => files.url("secret.css"))).toBe("/static/secret.css?0beec7");
    fs.chmodSync(file, 0o000);
    faults++;
    const error = asUnprivileged(() => thrown(() => files.url("secret.css")));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toContain("EACCES");
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/read access|permission/);
    const fresh = new StaticFiles({ roots: [root], watch: true, missing: "ignore" });
    expect(asUnprivileged(() => fresh.url("secret.css"))).toBe("/static/secret.css");
  });

  test("EACCES on the folder above a cached file: the cached hash is not reused", () => {
    const root = openTemp();
    put(join(root, "css/app.css"), "foo");
    fs.chmodSync(join(root, "css"), 0o755);
    fs.chmodSync(join(root, "css/app.css"), 0o644);
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(asUnprivileged(() => files.url("css/app.css"))).toBe("/static/css/app.css?0beec7");
    fs.chmodSync(join(root, "css"), 0o000);
    faults++;
    try {
      const error = asUnprivileged(() => thrown(() => files.url("css/app.css")));
      expect(error.code).toBe("STATIC_NOT_FOUND");
      expect(error.message).toContain("EACCES");
    } finally {
      fs.chmodSync(join(root, "css"), 0o755);
    }
    fs.writeFileSync(join(root, "css/app.css"), "bar");
    expect(asUnprivileged(() => files.url("css/app.css"))).toBe(`/static/css/app.css?${h6("bar")}`);
  });

  test("a FIFO in the roots is refused at once, never waited on", () => {
    const root = tempFolder();
    const fifo = join(root, "pipe.css");
    const made = spawn("mkfifo", [fifo]);
    return new Promise<void>((resolve, reject) => {
      made.on("error", reject);
      made.on("exit", (code) => {
        try {
          if (code !== 0) throw new Error("mkfifo failed");
          faults++;
          const error = thrown(() => new StaticFiles({ roots: [root] }).url("pipe.css"));
          expect(error.code).toBe("STATIC_NOT_FOUND");
          expect(error.message).toContain("EINVAL");
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
  });
});

describe("roots, links and folders that change under a running instance", () => {
  test("a root removed between calls: STATIC_NOT_FOUND naming the missing root; back again, the new content", () => {
    const base = tempFolder();
    const root = join(base, "static");
    put(join(root, "app.css"), "foo");
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    fs.rmSync(root, { recursive: true, force: true });
    faults++;
    const error = thrown(() => files.url("app.css"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toContain(`${root} (does not exist)`);
    put(join(root, "app.css"), "bar");
    expect(files.url("app.css")).toBe(`/static/app.css?${h6("bar")}`);
  });

  test("without watch a removed root keeps its cached URLs until invalidateCache(), then errors", () => {
    const base = tempFolder();
    const root = join(base, "static");
    put(join(root, "app.css"), "foo");
    const files = new StaticFiles({ roots: [root], watch: false });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    fs.rmSync(root, { recursive: true, force: true });
    faults++;
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    files.invalidateCache();
    expect(thrown(() => files.url("app.css")).code).toBe("STATIC_NOT_FOUND");
  });

  test("the first of two roots removed: the second root's copy takes over", () => {
    const first = join(tempFolder(), "static");
    const second = tempFolder();
    put(join(first, "app.css"), "foo");
    put(join(second, "app.css"), "bar");
    const files = new StaticFiles({ roots: [first, second], watch: true });
    expect(files.hash("app.css")).toBe("0beec7");
    fs.rmSync(first, { recursive: true, force: true });
    faults++;
    expect(files.hash("app.css")).toBe(h6("bar"));
  });

  test("a symlink loop is an error that names the loop, under every missing policy", () => {
    const root = tempFolder();
    fs.symlinkSync("b.css", join(root, "a.css"));
    fs.symlinkSync("a.css", join(root, "b.css"));
    faults++;
    const error = thrown(() => new StaticFiles({ roots: [root] }).url("a.css"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toContain("ELOOP");
    expect(error.message).toContain("a.css");
    expect(new StaticFiles({ roots: [root], missing: "ignore" }).url("a.css")).toBe("/static/a.css");
  });

  test("a folder linked to itself: a deep name through it gives ELOOP as a StaticFileError, a short one the file", () => {
    const root = tempFolder();
    put(join(root, "x.css"), "foo");
    fs.symlinkSync(".", join(root, "loop"));
    faults++;
    const files = new StaticFiles({ roots: [root] });
    expect(files.url("loop/loop/x.css")).toBe("/static/loop/loop/x.css?0beec7");
    const error = thrown(() => files.url("loop/".repeat(60) + "x.css"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toContain("ELOOP");
  });

  test("a cached file replaced by a symlink loop, or its folder by a file: errors, never the old hash", () => {
    const root = tempFolder();
    put(join(root, "a.css"), "foo");
    put(join(root, "d/b.css"), "foo");
    const files = new StaticFiles({ roots: [root], watch: true });
    expect(files.hash("a.css")).toBe("0beec7");
    expect(files.hash("d/b.css")).toBe("0beec7");
    fs.rmSync(join(root, "a.css"));
    fs.symlinkSync("a.css", join(root, "a.css"));
    fs.rmSync(join(root, "d"), { recursive: true });
    put(join(root, "d"), "now a file");
    faults += 2;
    expect(thrown(() => files.hash("a.css")).message).toContain("ELOOP");
    expect(thrown(() => files.hash("d/b.css")).code).toBe("STATIC_NOT_FOUND");
  });
});

describe("a manifest cut short, swapped or removed while the site runs", () => {
  function site() {
    const out = tempFolder();
    const manifest = join(out, "staticfiles.json");
    put(join(out, "css/app.0beec7.css"), "foo");
    put(join(out, `css/app.${h6("bar")}.css`), "bar");
    const write = (hash: string) =>
      JSON.stringify({ paths: { "css/app.css": `css/app.${hash}.css` }, version: "1.0", hash: "x" });
    fs.writeFileSync(manifest, write("0beec7"));
    const swap = (text: string) => {
      fs.writeFileSync(manifest + ".tmp", text);
      fs.renameSync(manifest + ".tmp", manifest);
      faults++;
    };
    return { out, manifest, write, swap };
  }

  test("with watch: truncated is STATIC_MANIFEST, swapped or restored is read again", () => {
    const { manifest, write, swap } = site();
    const files = new StaticFiles({ manifest, watch: true });
    expect(files.url("css/app.css")).toBe("/static/css/app.0beec7.css");
    const text = fs.readFileSync(manifest, "utf8");
    fs.truncateSync(manifest, Math.floor(text.length / 2));
    faults++;
    const error = thrown(() => files.url("css/app.css"));
    expect(error.code).toBe("STATIC_MANIFEST");
    expect(error.message).toContain(manifest);
    expect(thrown(() => files.url("css/app.css")).code).toBe("STATIC_MANIFEST");
    swap(write(h6("bar")));
    expect(files.url("css/app.css")).toBe(`/static/css/app.${h6("bar")}.css`);
    expect(files.integrity("css/app.css")).toBe(integrityOf("bar"));
    swap(write("0beec7"));
    expect(files.url("css/app.css")).toBe("/static/css/app.0beec7.css");
    expect(files.integrity("css/app.css")).toBe(integrityOf("foo"));
  });

  test("with watch: removed, or its folder turned into a file, is STATIC_MANIFEST; back again, it is read", () => {
    const { out, manifest, write } = site();
    const files = new StaticFiles({ manifest, watch: true });
    expect(files.hash("css/app.css")).toBe("0beec7");
    fs.rmSync(manifest);
    faults++;
    expect(thrown(() => files.url("css/app.css")).code).toBe("STATIC_MANIFEST");
    fs.renameSync(out, out + ".moved");
    put(out, "not a folder");
    faults++;
    expect(thrown(() => files.url("css/app.css")).code).toBe("STATIC_MANIFEST");
    fs.rmSync(out);
    fs.renameSync(out + ".moved", out);
    fs.writeFileSync(manifest, write(h6("bar")));
    expect(files.hash("css/app.css")).toBe(h6("bar"));
  });

  test("without watch: the manifest read at start is kept until invalidateCache(), which reads the current one", () => {
    const { manifest, write, swap } = site();
    const files = new StaticFiles({ manifest, watch: false });
    expect(files.hash("css/app.css")).toBe("0beec7");
    swap(write(h6("bar")));
    expect(files.hash("css/app.css")).toBe("0beec7");
    files.invalidateCache();
    expect(files.hash("css/app.css")).toBe(h6("bar"));
    fs.truncateSync(manifest, 10);
    faults++;
    files.invalidateCache();
    expect(thrown(() => files.url("css/app.css")).code).toBe("STATIC_MANIFEST");
    swap(write("0beec7"));
    expect(files.hash("css/app.css")).toBe("0beec7");
  });

  test("changed between the stat and the read of the manifest: the next call reads it again", () => {
    const { manifest, write } = site();
    const files = new StaticFiles({ manifest, watch: true });
    expect(files.hash("css/app.css")).toBe("0beec7");
    // Swap it once as the core reads it: what the core read does not match the stat it took before.
    const readFileSync = fs.readFileSync;
    let swapped = false;
    vi.spyOn(fs, "readFileSync").mockImplementation(((path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (!swapped && String(path) === manifest) {
        swapped = true;
        faults++;
        fs.writeFileSync(manifest, JSON.stringify({ paths: {}, version: "1.0" }));
      }
      return (readFileSync as (...args: unknown[]) => unknown)(path, ...rest);
    }) as typeof fs.readFileSync);
    syncBuiltinESMExports();
    fs.writeFileSync(manifest, write(h6("bar")) + " ");
    const first = (() => {
      try {
        return files.hash("css/app.css");
      } catch (error) {
        return (error as StaticFileError).code;
      }
    })();
    expect(swapped).toBe(true);
    // What was read holds no css/app.css: the core went by the content it read, not the stat before it.
    expect(first).toBe("STATIC_NOT_FOUND");
    vi.restoreAllMocks();
    syncBuiltinESMExports();
    expect(thrown(() => files.hash("css/app.css")).code).toBe("STATIC_NOT_FOUND");
    fs.writeFileSync(manifest, write(h6("bar")));
    expect(files.hash("css/app.css")).toBe(h6("bar"));
  });

  test("a stored copy deleted or rewritten: integrity() follows the bytes on disk with watch", () => {
    const { out, manifest } = site();
    const files = new StaticFiles({ manifest, watch: true });
    expect(files.integrity("css/app.css")).toBe(integrityOf("foo"));
    fs.writeFileSync(join(out, "css/app.0beec7.css"), "tampered");
    faults++;
    expect(files.integrity("css/app.css")).toBe(integrityOf("tampered"));
    fs.rmSync(join(out, "css/app.0beec7.css"));
    faults++;
    expect(thrown(() => files.integrity("css/app.css")).code).toBe("STATIC_NOT_FOUND");
  });
});

describe("symlink policy (documented in docs/security.md)", () => {
  test("a link inside a root is followed wherever it points; a name can still never climb out", () => {
    const base = tempFolder();
    const root = join(base, "static");
    put(join(base, "vendor/lib.js"), "foo");
    put(join(root, "app.css"), "bar");
    fs.symlinkSync(join(base, "vendor/lib.js"), join(root, "lib.js"));
    fs.symlinkSync(join(base, "vendor"), join(root, "vendor"));
    const files = new StaticFiles({ roots: [root] });
    expect(files.url("lib.js")).toBe("/static/lib.js?0beec7");
    expect(files.url("vendor/lib.js")).toBe("/static/vendor/lib.js?0beec7");
    // Through a linked folder, `..` is resolved in the name first: it climbs back into the root, not out of vendor/.
    expect(files.url("vendor/../app.css")).toBe(`/static/app.css?${h6("bar")}`);
    expect(thrown(() => files.url("vendor/../../vendor/lib.js")).code).toBe("STATIC_OUTSIDE_ROOT");
  });
});

describe("collect over roots with broken links", () => {
  test("a file link loop fails the run with a problem naming it, not a stack trace; the old manifest stays", async () => {
    const base = tempFolder();
    const root = join(base, "static");
    const out = join(base, "out");
    put(join(root, "app.css"), "foo");
    expect((await collect({ roots: [root], out, quiet: true })).ok).toBe(true);
    const manifest = fs.readFileSync(join(out, "staticfiles.json"));
    fs.symlinkSync("b.css", join(root, "a.css"));
    fs.symlinkSync("a.css", join(root, "b.css"));
    faults++;
    const result = await collect({ roots: [root], out, quiet: true });
    expect(result.ok).toBe(false);
    const problem = result.problems.find((found) => found.message.includes("ELOOP"));
    expect(problem?.severity).toBe("error");
    expect(problem?.message).toContain(join(root, "a.css"));
    expect(fs.readFileSync(join(out, "staticfiles.json")).equals(manifest)).toBe(true);
  });
});
