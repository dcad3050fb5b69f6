// The one option checker behind StaticFiles, collect and the servers: one "did you mean", one error shape.
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { StaticFileError } from "../../src/index.js";
import { collect } from "../../src/collect/index.js";
import { checkOptionNames, didYouMean, optionOf, show } from "../../src/core/check-options.js";
import { resolveOptions } from "../../src/core/options.js";
import { removeTempFolders, tempFolder, thrown, writeTree } from "../temp-folders.js";

afterAll(removeTempFolders);

const CORE = ["roots", "baseUrl", "accuracy", "algorithm", "mode", "manifest", "cache", "keyPrefix", "watch", "missing"];

describe("didYouMean", () => {
  test.each([
    ["root", "roots"],
    ["baseURL", "baseUrl"],
    ["base_url", "baseUrl"],
    ["key-prefix", "keyPrefix"],
    ["accur", "accuracy"],
    ["algo", "algorithm"],
    ["rootDirs", "roots"],
    ["keyprefx", "keyPrefix"],
    ["watcher", "watch"],
    ["missingPolicy", "missing"],
  ])("%s -> %s", (typed, meant) => {
    expect(didYouMean(typed, CORE)).toBe(meant);
  });

  test.each(["maxAge", "frobnicate", "", "q", "x1"])("nothing near %j", (typed) => {
    expect(didYouMean(typed, CORE)).toBeUndefined();
  });

  test("flags and commands use the same rule", () => {
    expect(didYouMean("rot", ["root", "out", "mode"])).toBe("root");
    expect(didYouMean("colect", ["collect", "publish"])).toBe("collect");
    expect(didYouMean("build", ["collect", "publish"])).toBeUndefined();
  });
});

describe("checkOptionNames", () => {
  test("names the unknown key and the nearest known one, or lists them all", () => {
    expect(thrown(() => checkOptionNames({ fallthrough: true, maxage: 1 }, ["fallthrough", "maxAge", "index"], "serveStatic")).message).toBe(
      "Unknown serveStatic option `maxage`: did you mean `maxAge`?",
    );
    const error = thrown(() => checkOptionNames({ dotfiles: "allow" }, ["fallthrough", "maxAge", "index"], "serveStatic"));
    expect(error).toBeInstanceOf(StaticFileError);
    expect([error.code, error.message]).toEqual(["STATIC_CONFIG", "Unknown serveStatic option `dotfiles`; the options are fallthrough, maxAge, index."]);
    expect(() => checkOptionNames({ index: false }, ["fallthrough", "maxAge", "index"])).not.toThrow();
  });

  test("collect() suggests as StaticFiles does", async () => {
    const root = writeTree(tempFolder("root"), { "a.txt": "" });
    const out = join(tempFolder("out"), "static");
    await expect(collect({ roots: [root], outDir: out } as never)).rejects.toThrow(/^Unknown collect option `outDir`: did you mean `out`\?$/);
    await expect(collect({ roots: [root], out, base_url: "/s/" } as never)).rejects.toThrow(/^Unknown collect option `base_url`: did you mean `baseUrl`\?$/);
    await expect(collect({ roots: [root], out, clear: "yes" } as never)).rejects.toThrow(/^Option `clear` must be true or false; got "yes"\.$/);
    await expect(collect({ roots: [root], out, missing: "ignore" } as never)).rejects.toThrow(/^Option `missing` must be one of "error", "warn"; got "ignore"\.$/);
  });
});

describe("an error about one option says which, for the command line to spell it as a flag", () => {
  test("optionOf gives the option and its rule; the error keeps its shape", () => {
    const error = thrown(() => resolveOptions({ baseUrl: "/static/?v=1" }));
    expect(error.message).toBe(
      'Option `baseUrl` must be a plain URL prefix such as "/static/" or "https://cdn.example.com/static/", without a query, fragment, quote or space; got "/static/?v=1".',
    );
    expect(optionOf(error)).toEqual({
      option: "baseUrl",
      rule: 'must be a plain URL prefix such as "/static/" or "https://cdn.example.com/static/", without a query, fragment, quote or space; got "/static/?v=1".',
    });
    expect(Object.keys(error).sort()).toEqual(Object.keys(new StaticFileError("STATIC_CONFIG", "x")).sort());
    expect(optionOf(thrown(() => resolveOptions({ roots: [] })))).toBeUndefined();
    expect(optionOf(new Error("x"))).toBeUndefined();
  });

  test("show prints any value briefly", () => {
    expect([show("x"), show(5), show(1n), show(() => 1), show(Symbol("s")), show("y".repeat(100))]).toEqual([
      '"x"',
      "5",
      "1n",
      "a function",
      "a symbol",
      `"${"y".repeat(76)}...`,
    ]);
  });
});
