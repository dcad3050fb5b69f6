import { describe, expect, it } from "vitest";
import { isCompressible, isEffective } from "../../src/core/compressible.js";
import { chooseEncoding, parseAcceptEncoding, refusesIdentity } from "../../src/serve/negotiate.js";

const BOTH = ["br", "gzip"] as const;

describe("chooseEncoding (RFC 9110 section 12.5.3)", () => {
  // [Accept-Encoding, codings on offer, expected choice]
  const table: [string | undefined, readonly ("br" | "gzip")[], string | undefined][] = [
    [undefined, BOTH, "identity"], // no header: the bytes as they are
    ["", BOTH, "identity"], // empty: no coding wanted
    ["br, gzip", BOTH, "br"],
    ["gzip, br", BOTH, "br"], // order in the header does not matter at equal q
    ["gzip, deflate", BOTH, "gzip"],
    ["deflate", BOTH, "identity"],
    ["gzip", ["br"], "identity"],
    ["br", ["gzip"], "identity"],
    ["br;q=0.5, gzip", BOTH, "gzip"],
    ["br;q=0.8, gzip;q=0.8", BOTH, "br"],
    ["br;q=0, gzip", BOTH, "gzip"],
    ["br;q=0, gzip;q=0", BOTH, "identity"],
    ["gzip;q=0.5, identity;q=0.6", BOTH, "identity"],
    ["gzip;q=0.5, identity;q=0.5", BOTH, "gzip"], // identity loses ties
    ["*", BOTH, "br"],
    ["*;q=0.5, gzip", BOTH, "gzip"],
    ["*;q=0", BOTH, undefined], // identity refused too: nothing acceptable
    ["*;q=0", [], undefined],
    ["*;q=0, identity", BOTH, "identity"],
    ["identity;q=0", BOTH, undefined], // br and gzip are not named and there is no *: not acceptable either
    ["br;q=0.1, gzip;q=0.2", BOTH, "gzip"], // implicit identity ranks with the least-wanted coding named
    ["br;q=0", BOTH, "identity"], // refusing br does not refuse identity
    ["gzip, identity;q=0", BOTH, "gzip"],
    ["gzip, identity;q=0", ["br"], undefined],
    ["br, identity;q=0", [], undefined],
    ["BR, GZip", BOTH, "br"], // codings are case-insensitive
    ["br;Q=0.3, gzip;q=0.2", BOTH, "br"],
    ["x-gzip", BOTH, "gzip"],
    ["br;q=1.5, gzip", BOTH, "gzip"], // a q above 1 is not valid: the entry is ignored
    ["br;q=0.0001, gzip;q=0.001", BOTH, "gzip"], // four decimals: ignored
    ["br;q=, gzip", BOTH, "gzip"],
    ["gzip;level=9", BOTH, "gzip"], // unknown parameters carry no meaning
    [" br ; q=0.9 ,gzip;q=0.9 ", BOTH, "br"],
    ["br, br;q=0", BOTH, "br"], // named twice: the first entry counts
    ["compress, zstd", BOTH, "identity"],
    [",,,", BOTH, "identity"],
    ["gz ip", BOTH, "identity"],
  ];
  it.each(table)("Accept-Encoding %j, offering %j -> %j", (header, available, expected) => {
    expect(chooseEncoding(header, available)).toBe(expected);
  });

  it("reads identity;q=0 alone as refusing identity, not the codings", () => {
    // "identity;q=0" does not name br, and there is no "*": br's q is 0, so it is not acceptable either.
    expect(parseAcceptEncoding("identity;q=0")).toEqual(new Map([["identity", 0]]));
    expect(refusesIdentity("identity;q=0")).toBe(true);
    expect(refusesIdentity("*;q=0")).toBe(true);
    expect(refusesIdentity("*;q=0, identity;q=0.1")).toBe(false);
    expect(refusesIdentity("br")).toBe(false);
    expect(refusesIdentity(undefined)).toBe(false);
  });

  it("parses q-values and lowercases codings", () => {
    expect(parseAcceptEncoding("BR;q=0.5, gzip;q=1.000, *;q=0")).toEqual(new Map([["br", 0.5], ["gzip", 1], ["*", 0]]));
  });
});

describe("isCompressible", () => {
  it.each([
    ["css/app.css", true],
    ["js/app.js", true],
    ["js/app.mjs", true],
    ["js/app.js.map", true],
    ["data.json", true],
    ["img/logo.svg", true],
    ["index.html", true],
    ["notes.txt", true],
    ["src/main.ts", true],
    ["scss/_vars.scss", true],
    ["fonts/f.ttf", true],
    ["fonts/f.otf", true],
    ["fonts/f.eot", true],
    ["app.webmanifest", true],
    ["fonts/f.woff", false],
    ["fonts/f.woff2", false],
    ["img/a.png", false],
    ["img/a.JPG", false],
    ["img/a.webp", false],
    ["img/a.avif", false],
    ["img/favicon.ico", false],
    ["a.zip", false],
    ["css/app.css.gz", false],
    ["css/app.css.br", false],
    ["v.mp4", false],
    ["s.mp3", false],
    ["Makefile", false],
    [".hidden", false],
    ["x.unknownext", false],
  ])("%s -> %s", (name, expected) => {
    expect(isCompressible(name)).toBe(expected);
  });

  it("keeps a variant only at 95% of the size or less", () => {
    expect(isEffective(100, 95)).toBe(true);
    expect(isEffective(100, 96)).toBe(false);
    expect(isEffective(0, 0)).toBe(false);
  });
});
