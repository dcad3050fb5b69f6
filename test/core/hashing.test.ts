// The hash in the URL: exact digests of real files, every algorithm, every accuracy, and bounded memory.
import { createHash } from "node:crypto";
import { closeSync, createReadStream, ftruncateSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { StaticFiles, type HashAlgorithm } from "../../src/index.js";
import { hashBytes, hashFile, HASH_ALGORITHMS } from "../../src/core/hash.js";
import { digestFile } from "../../src/fs/digest.js";
import { removeTempFolders, tempFolder, tempRoot } from "../temp-folders.js";

afterAll(removeTempFolders);

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);

// Full hex digests of "foo", as `printf foo | openssl dgst -<algorithm>` prints them.
const FOO_DIGESTS: Record<HashAlgorithm, string> = {
  sha1: "0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33",
  md5: "acbd18db4cc2f85cedef654fccc4a4d8",
  sha256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
  sha384: "98c11ffdfdd540676b1a137cb1a22b2a70350c9a44171d6b1180c6be5cbb2ee3f79d532c8a1dd9ef2e8e08e752a3babb",
  sha512: "f7fbba6e0636f890e56fbbf3283e524c6fa3204ae298382d624741d0dc6638326e282c41be5e4254d8820772c5518a2c5a8c0c7f7eda19594a7eb539453e1ed7",
};

const root = tempRoot({ "empty.txt": "", "foo.txt": "foo", "css/app.css": "foo" });

describe("the original tag's vectors", () => {
  test("sha1 of the empty file cut to 6 is da39a3", () => {
    const files = new StaticFiles({ roots: [root] });
    expect(files.hash("empty.txt")).toBe("da39a3");
    expect(files.url("empty.txt")).toBe("/static/empty.txt?da39a3");
  });

  test("sha1 of foo cut to 6 is 0beec7", () => {
    const files = new StaticFiles({ roots: [root] });
    expect(files.hash("foo.txt")).toBe("0beec7");
    expect(files.url("foo.txt")).toBe("/static/foo.txt?0beec7");
  });
});

test("Django's vector: md5('foo') cut to 12 is acbd18db4cc2", () => {
  const files = new StaticFiles({ roots: [root], algorithm: "md5", accuracy: 12, mode: "filename" });
  expect(files.hash("css/app.css")).toBe("acbd18db4cc2");
  expect(files.url("css/app.css")).toBe("/static/css/app.acbd18db4cc2.css");
});

describe.each(HASH_ALGORITHMS)("%s", (algorithm) => {
  const digest = FOO_DIGESTS[algorithm];

  test("default accuracy 6", () => {
    expect(new StaticFiles({ roots: [root], algorithm }).hash("foo.txt")).toBe(digest.slice(0, 6));
  });

  test("accuracy 3", () => {
    const files = new StaticFiles({ roots: [root], algorithm, accuracy: 3 });
    expect(files.hash("foo.txt")).toBe(digest.slice(0, 3));
    expect(files.url("foo.txt")).toBe(`/static/foo.txt?${digest.slice(0, 3)}`);
  });

  test("accuracy 99: the whole digest (all of it up to sha384's 96 characters; sha512's 128 are cut)", () => {
    const files = new StaticFiles({ roots: [root], algorithm, accuracy: 99, mode: "filename" });
    const expected = algorithm === "sha512" ? digest.slice(0, 99) : digest;
    expect(files.hash("foo.txt")).toBe(expected);
    expect(files.hash("foo.txt")).toHaveLength(Math.min(99, digest.length));
    expect(files.url("foo.txt")).toBe(`/static/foo.${expected}.txt`);
  });

  test("accuracy equal to the digest length, and Infinity, are the whole digest", () => {
    expect(new StaticFiles({ roots: [root], algorithm, accuracy: digest.length }).hash("foo.txt")).toBe(digest);
    expect(new StaticFiles({ roots: [root], algorithm, accuracy: Infinity }).hash("foo.txt")).toBe(digest);
  });

  test("accuracy 1", () => {
    expect(new StaticFiles({ roots: [root], algorithm, accuracy: 1 }).hash("foo.txt")).toBe(digest[0]);
  });

  test("hashFile, hashBytes and digestFile agree with the pinned digest", () => {
    expect(hashFile(join(root, "foo.txt"), algorithm)).toBe(digest);
    expect(hashBytes("foo", algorithm)).toBe(digest);
    expect(digestFile(join(root, "foo.txt"), [algorithm]).digests.get(algorithm)!.toString("hex")).toBe(digest);
  });
});

test("every byte value is hashed as is (binary content, no text decoding)", () => {
  const bytes = Buffer.from(Array.from({ length: 256 * 3 }, (_, i) => i % 256));
  const dir = tempRoot({ "bin/all.bin": bytes, "bin/crlf.txt": "a\r\nb\r\n" });
  const files = new StaticFiles({ roots: [dir], accuracy: 40 });
  expect(files.hash("bin/all.bin")).toBe(createHash("sha1").update(bytes).digest("hex"));
  expect(files.hash("bin/crlf.txt")).toBe(createHash("sha1").update(readFileSync(join(dir, "bin/crlf.txt"))).digest("hex"));
  expect(files.hash("bin/crlf.txt")).not.toBe(hashBytes("a\nb\n"));
});

test("files larger than one read chunk hash like the whole", () => {
  // 1 MB + 7 bytes: several 256 KB chunks and a short last one.
  const bytes = Buffer.alloc(1024 * 1024 + 7);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 10)) & 0xff;
  const dir = tempRoot({ "big.bin": bytes });
  for (const algorithm of HASH_ALGORITHMS) {
    const files = new StaticFiles({ roots: [dir], algorithm, accuracy: 200 });
    expect(files.hash("big.bin")).toBe(createHash(algorithm).update(bytes).digest("hex"));
  }
});

/** Peak resident memory since the last reset, in bytes, when Linux can report and reset it. */
function resetPeak(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}
function peakRss(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function streamedDigest(file: string, algorithm: string): Promise<string> {
  const hash = createHash(algorithm);
  for await (const piece of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(piece as Buffer);
  return hash.digest("hex");
}

const SIZE = LONG ? 2 * 1024 ** 3 : 200 * 1024 ** 2;

test(
  `a ${LONG ? "2 GB" : "200 MB"} sparse file is hashed in bounded chunks: memory stays small`,
  async () => {
    const dir = tempFolder("large");
    const file = join(dir, "video.bin");
    // ftruncate makes a sparse file: it reads as zeros and costs no disk.
    const fd = openSync(file, "w");
    ftruncateSync(fd, SIZE);
    closeSync(fd);
    // A few non-zero bytes so the digest is not just "zeros of this length".
    const marker = openSync(file, "r+");
    writeFileSync(marker, "start");
    closeSync(marker);
    const expected = await streamedDigest(file, "sha1");
    const files = new StaticFiles({ roots: [dir], accuracy: 40, cache: false });

    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    const canReset = process.platform === "linux" && resetPeak();
    const rssAtStart = canReset ? Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024 : before.rss;

    expect(files.hash("video.bin")).toBe(expected);

    const after = process.memoryUsage();
    const growth = (canReset ? peakRss() : after.rss) - rssAtStart;
    const buffers = after.arrayBuffers - before.arrayBuffers;
    // Reading the file whole would take SIZE bytes; chunks take 256 KB. 32 MB leaves room for the runtime's own noise.
    expect(growth).toBeLessThan(32 * 1024 ** 2);
    expect(buffers).toBeLessThan(4 * 1024 ** 2);
    console.info(`hashed ${SIZE / 1024 ** 2} MB: peak RSS growth ${(growth / 1024).toFixed(0)} KB, arrayBuffers delta ${(buffers / 1024).toFixed(0)} KB`);
  },
  LONG ? 300_000 : 60_000,
);
