import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { signatureOf } from "../../src/fs/signature.js";
import { ContentDigests, digestFileAsync } from "../../src/serve/content-digest.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "static-hash-digest-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("digests a file's bytes with its signature; the empty file too", async () => {
  writeFileSync(join(dir, "foo"), "foo");
  writeFileSync(join(dir, "empty"), "");
  const foo = await digestFileAsync(join(dir, "foo"), "sha1");
  expect(foo).toEqual({ hex: "0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33", signature: signatureOf(statSync(join(dir, "foo"))) });
  expect((await digestFileAsync(join(dir, "empty"), "sha1")).hex).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  expect((await digestFileAsync(join(dir, "foo"), "md5")).hex).toBe("acbd18db4cc2f85cedef654fccc4a4d8");
});

test("reads across chunk boundaries", async () => {
  writeFileSync(join(dir, "big"), Buffer.alloc(600_000, "x"));
  const { createHash } = await import("node:crypto");
  expect((await digestFileAsync(join(dir, "big"), "sha256")).hex).toBe(createHash("sha256").update(Buffer.alloc(600_000, "x")).digest("hex"));
});

test("a known version is not read again; a new version is", async () => {
  const file = join(dir, "a.css");
  writeFileSync(file, "foo");
  const digests = new ContentDigests("sha1", 10);
  const first = digests.of(file, signatureOf(statSync(file)));
  expect(digests.of(file, signatureOf(statSync(file)))).toBe(first);
  expect((await first).hex.slice(0, 6)).toBe("0beec7");
  writeFileSync(file, "bar");
  const later = new Date(statSync(file).mtimeMs + 5_000);
  utimesSync(file, later, later);
  const second = await digests.of(file, signatureOf(statSync(file)));
  expect(second.hex.slice(0, 6)).toBe("62cdb7");
});

test("a missing file rejects with the file system's error", async () => {
  await expect(digestFileAsync(join(dir, "nope"), "sha1")).rejects.toMatchObject({ code: "ENOENT" });
});
