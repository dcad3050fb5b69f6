// integrity(): Subresource Integrity values of the bytes the browser receives, pinned two ways:
// literal values (as `openssl dgst -binary | base64` prints them) and node:crypto in the test.
import { createHash } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { StaticFileError, StaticFiles } from "../../src/index.js";
import { INTEGRITY_ALGORITHMS, integrityOf } from "../../src/core/hash.js";
import { removeTempFolders, tempRoot, thrown } from "../temp-folders.js";

afterAll(removeTempFolders);

const BINARY = Buffer.from(Array.from({ length: 700_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const root = tempRoot({ "js/app.js": "foo", "empty.js": "", "big.bin": BINARY, "css/a b.css": "foo" });

const PINNED: Array<[name: string, algorithm: "sha256" | "sha384" | "sha512", value: string]> = [
  ["js/app.js", "sha384", "sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7"],
  ["js/app.js", "sha256", "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="],
  ["js/app.js", "sha512", "sha512-9/u6bgY2+JDlb7vzKD5STG+jIErimDgtYkdB0NxmODJuKCxBvl5CVNiCB3LFUYosWowMf37aGVlKfrU5RT4e1w=="],
  ["empty.js", "sha384", "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb"],
  ["empty.js", "sha256", "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="],
];

describe.each([
  ["cached, no watch", { watch: false }],
  ["cached, watch", { watch: true }],
  ["no cache", { cache: false as const }],
  ["filename mode", { mode: "filename" as const }],
  ["sha384 as the URL algorithm", { algorithm: "sha384" as const }],
])("%s", (_label, options) => {
  test.each(PINNED)("%s %s is pinned", (name, algorithm, value) => {
    const files = new StaticFiles({ roots: [root], ...options });
    expect(files.integrity(name, algorithm)).toBe(value);
    // Twice: the cached value is the same.
    expect(files.integrity(name, algorithm)).toBe(value);
  });

  test.each(INTEGRITY_ALGORITHMS)("%s of every file matches node:crypto", (algorithm) => {
    const files = new StaticFiles({ roots: [root], ...options });
    const expected = (bytes: string | Buffer) => `${algorithm}-${createHash(algorithm).update(bytes).digest("base64")}`;
    expect(files.integrity("big.bin", algorithm)).toBe(expected(BINARY));
    expect(files.integrity("js/app.js", algorithm)).toBe(expected("foo"));
    expect(files.integrity("empty.js", algorithm)).toBe(expected(""));
    expect(integrityOf(BINARY, algorithm)).toBe(expected(BINARY));
  });

  test("the default is sha384, and hash() still works alongside", () => {
    const files = new StaticFiles({ roots: [root], ...options });
    expect(files.integrity("js/app.js")).toBe("sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7");
    expect(files.hash("js/app.js")).toBe((options as { algorithm?: string }).algorithm === "sha384" ? "98c11f" : "0beec7");
    expect(files.integrity("js/app.js", "sha256")).toBe("sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=");
  });
});

test("the name's query and fragment do not change the file, and names are normalised", () => {
  const files = new StaticFiles({ roots: [root] });
  const value = "sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7";
  expect(files.integrity("js/app.js?v=1#x")).toBe(value);
  expect(files.integrity("/js/../js/app.js")).toBe(value);
  expect(files.integrity("css/a b.css")).toBe(value);
});

test("a bad algorithm is a STATIC_CONFIG error naming the ones browsers accept", () => {
  const files = new StaticFiles({ roots: [root] });
  const error = thrown(() => files.integrity("js/app.js", "sha1" as never));
  expect(error).toBeInstanceOf(StaticFileError);
  expect(error.code).toBe("STATIC_CONFIG");
  expect(error.asset).toBe("js/app.js");
  expect(error.message).toBe('Integrity algorithm must be one of sha256, sha384, sha512 (what browsers accept); got "sha1".');
});
