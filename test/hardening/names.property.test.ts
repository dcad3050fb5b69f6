// Property tests over hostile names: every name either gives a URL that parses, stays under baseUrl and
// leads to a file inside the roots, or a StaticFileError with a documented code. Nothing outside the
// roots is ever touched: every path handed to the file system is checked, and canaries sit next door.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { StaticFiles, StaticFileError, type StaticFilesOptions } from "../../src/index.js";
import { hashBytes, integrityOf } from "../../src/core/hash.js";
import { hashedPath, parseName, unhashPath } from "../../src/core/names.js";

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);
const NUM_RUNS = LONG ? 20_000 : 500;
// url() is checked under nine configurations: each gets a share of the runs.
const NUM_RUNS_PER_CONFIG = LONG ? 4_000 : 300;
const TIMEOUT = LONG ? 300_000 : 60_000;
const NAME_CODES = new Set(["STATIC_NOT_FOUND", "STATIC_OUTSIDE_ROOT", "STATIC_INVALID_NAME"]);
const CANARY = "canary: this file lies outside the static roots and must never be read";

let base: string;
let roots: string[];
let tried = 0;
// How url() answered, so a run shows the names reached files and not only errors.
const outcomes = { hashed: 0, directory: 0, missing: 0, refused: 0 };

beforeAll(() => {
  base = fs.mkdtempSync(join(tmpdir(), "static-hash-names-"));
  const main = join(base, "static");
  const vendor = join(base, "vendor");
  roots = [main, vendor];
  const put = (file: string, content: string) => {
    fs.mkdirSync(join(file, ".."), { recursive: true });
    fs.writeFileSync(file, content);
  };
  put(join(main, "css/app.css"), "foo");
  put(join(main, "a b.css"), "space");
  put(join(main, "it's.css"), "quote");
  put(join(main, "%2e%2e"), "percent dots");
  put(join(main, "%2e%2e%2fcanary.txt"), "percent traversal lookalike");
  put(join(main, "é/ü.css"), "unicode");
  put(join(main, "q&r.js"), "ampersand");
  put(join(main, '"><script>alert(1)<'), "markup");
  put(join(main, "..a"), "dots");
  put(join(main, "..."), "three dots");
  put(join(main, "emptyfile"), "");
  put(join(main, "jquery.min.js"), "jquery");
  put(join(main, "Makefile"), "make");
  fs.mkdirSync(join(main, "sub/deeper"), { recursive: true });
  put(join(vendor, "lib.js"), "vendor lib");
  put(join(vendor, "css/app.css"), "shadowed by the first root");
  put(join(vendor, "css/vendor.css"), "vendor css");
  // Canaries: a sibling whose name starts like the root's, and the root's parent.
  put(join(base, "static-secret/canary.txt"), CANARY);
  put(join(base, "canary.txt"), CANARY);
  put(join(base, "staticcanary.txt"), CANARY);
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
  console.info(
    `names.property: ${tried} inputs tried (numRuns ${NUM_RUNS_PER_CONFIG} per url() configuration, ${NUM_RUNS} per other property${LONG ? ", STATIC_HASH_LONG_TESTS" : ""}); ` +
      `url(): ${outcomes.hashed} hashed, ${outcomes.directory} directories, ${outcomes.missing} missing (ignored), ${outcomes.refused} refused`,
  );
});

// --- what the file system is asked for ---

const PATH_FUNCTIONS = ["openSync", "statSync", "lstatSync", "existsSync", "readFileSync", "readdirSync", "realpathSync", "accessSync", "opendirSync"] as const;

/** Spies on node:fs (named ESM imports included) and collects every path the core hands it. */
function watchFileSystem() {
  const touched: string[] = [];
  const spies = PATH_FUNCTIONS.map((fn) => {
    const original = (fs as unknown as Record<string, (...args: unknown[]) => unknown>)[fn];
    return vi.spyOn(fs as unknown as Record<string, (...args: unknown[]) => unknown>, fn).mockImplementation((...args: unknown[]) => {
      const target = args[0];
      if (typeof target === "string" || Buffer.isBuffer(target)) touched.push(String(target));
      else if (target instanceof URL) touched.push(target.pathname);
      return original(...args);
    });
  });
  syncBuiltinESMExports();
  return {
    touched,
    restore() {
      for (const spy of spies) spy.mockRestore();
      syncBuiltinESMExports();
    },
  };
}

/** True for a root itself or a path below one, once `..` and `.` are resolved. */
function insideRoots(path: string): boolean {
  const absolute = resolve(path);
  return roots.some((root) => absolute === root || absolute.startsWith(root + sep));
}

function canaries(): string[] {
  return ["static-secret/canary.txt", "canary.txt", "staticcanary.txt"].map((name) => join(base, name));
}

// --- the names ---

const pieces = fc.oneof(
  fc.constantFrom(
    "..", ".", "", "...", "..a", "css", "app.css", "a b.css", "it's.css", "%2e%2e", "%2e%2e%2fcanary.txt", "%2e", "%2f", "%5c", "%00", "%",
    "é", "ü.css", "q&r.js", "lib.js", "vendor.css", "jquery.min.js", "Makefile", "emptyfile", "sub", "deeper",
    "canary.txt", "static-secret", "static", "staticcanary.txt", "vendor", '"><script>alert(1)<', "\0", "\uD800", "\uDC00x", "\uFFFD",
    "javascript:alert(1)", "//evil.example", "http://evil.example/", "C:", "~", " ", "\t", "\n", "\u202E", "\uFEFF",
  ),
  fc.string({ unit: "binary", maxLength: 10 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  // UTF-16 code units, so lone surrogates show up too.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 6 }),
);
const joints = fc.constantFrom("/", "\\", "//", "/./", "/../", "?", "#", "?#", "&", "%2F", "%5C", "/%2e%2e/", "");
const composed = fc.array(fc.tuple(joints, pieces), { minLength: 1, maxLength: 8 }).map((parts) => parts.map(([a, b]) => a + b).join(""));
const veryLong = fc
  .tuple(fc.constantFrom("a", "../", "é", "%", "/", "a/", "\uD83D\uDE00", "css/app.css"), fc.integer({ min: 100, max: 6000 }))
  .map(([unit, times]) => unit.repeat(times));
const EXISTING = ["css/app.css", "a b.css", "it's.css", "%2e%2e", "%2e%2e%2fcanary.txt", "é/ü.css", "q&r.js", '"><script>alert(1)<', "..a", "...", "emptyfile", "jquery.min.js", "Makefile", "lib.js", "css/vendor.css", "sub/", "sub/deeper"];
// Names of real files, dressed up: leading slashes, detours through `..`, backslashes, queries and fragments.
const existing = fc
  .tuple(
    fc.constantFrom("", "/", "./", "sub/../", "sub/deeper/../../", "\\", "//", "css/./../"),
    fc.constantFrom(...EXISTING),
    fc.boolean(),
    fc.constantFrom("", "?", "?v=1", "#x", "?#iefix", '?"><script>', "#'onload='x", "?a&b#c", "?%00", "?\u00e9#\u{1F600}"),
  )
  .map(([prefix, name, backslashes, suffix]) => prefix + (backslashes ? name.replace(/\//g, "\\") : name) + suffix);
const names = fc.oneof(
  { arbitrary: existing, weight: 4 },
  { arbitrary: composed, weight: 6 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 2 },
  { arbitrary: fc.string({ unit: "binary-ascii", maxLength: 60 }), weight: 2 },
  { arbitrary: veryLong, weight: 1 },
);

// --- the oracle ---

/** The first root holding `path` as a regular file, found independently of the core. */
function fileOnDisk(path: string): string | undefined {
  for (const root of roots) {
    const candidate = join(root, path);
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here: ENOENT, ENOTDIR, ENAMETOOLONG
    }
  }
  return undefined;
}

/** The path part of a URL after baseUrl, each segment decoded, and the hash it carries. */
function decodeUrl(url: string, options: Required<Pick<StaticFilesOptions, "baseUrl" | "mode">>) {
  const parsed = new URL(url, "http://x/");
  const baseParsed = new URL(options.baseUrl, "http://x/");
  expect(parsed.origin).toBe(baseParsed.origin);
  expect(parsed.pathname.startsWith(baseParsed.pathname)).toBe(true);
  const rawPath = url.replace(/[?#].*$/s, "");
  // The URL parser must see exactly the path the core wrote: no dot segments, no re-encoding.
  expect(new URL(rawPath, "http://x/").pathname).toBe(parsed.pathname);
  const segments = parsed.pathname.slice(baseParsed.pathname.length).split("/");
  const decoded = segments.map((segment) => decodeURIComponent(segment));
  for (const segment of decoded) expect(segment === "." || segment === ".." || segment.includes("/") || segment.includes("\\")).toBe(false);
  let path = decoded.join("/");
  let hash = "";
  if (options.mode === "filename") {
    const unhashed = unhashPath(path);
    if (unhashed) ({ path, hash } = unhashed);
  } else {
    hash = parsed.search.slice(1).split("&").pop() ?? "";
  }
  return { path, hash, directory: path === "" || path.endsWith("/") };
}

const CONFIGS: Array<Required<Pick<StaticFilesOptions, "baseUrl" | "mode" | "missing">> & { cache: false | undefined }> = [];
for (const baseUrl of ["/static/", "https://cdn.example.com/s/"]) {
  for (const mode of ["query", "filename"] as const) {
    for (const missing of ["error", "ignore"] as const) CONFIGS.push({ baseUrl, mode, missing, cache: undefined });
  }
}
CONFIGS.push({ baseUrl: "", mode: "query", missing: "ignore", cache: false });

function expectNameError(error: unknown, name: unknown) {
  if (!(error instanceof StaticFileError)) throw new Error(`${JSON.stringify(name)} threw a non-StaticFileError: ${String(error)}`, { cause: error });
  expect(NAME_CODES.has(error.code), `${error.code} for ${JSON.stringify(name)}`).toBe(true);
  expect(error.message.length).toBeGreaterThan(20);
}

describe.each(CONFIGS)("url() of arbitrary names (baseUrl $baseUrl, $mode mode, missing $missing)", (config) => {
  test("is a URL under baseUrl leading to a file inside the roots, or a documented StaticFileError", { timeout: TIMEOUT }, () => {
    const files = new StaticFiles({ roots, ...config, cache: config.cache, watch: true });
    const fsWatch = watchFileSystem();
    try {
      // The spy must see the core's reads, or this test proves nothing.
      expect(files.hash("css/app.css")).toBe("0beec7");
      expect(fsWatch.touched.length).toBeGreaterThan(0);
      fc.assert(
        fc.property(names, (name) => {
          tried++;
          let url: string;
          try {
            url = files.url(name);
          } catch (error) {
            expectNameError(error, name);
            outcomes.refused++;
            const code = (error as StaticFileError).code;
            if (code === "STATIC_OUTSIDE_ROOT") expect(name.replace(/[?#].*$/s, "").split(/[/\\]/)).toContain("..");
            if (code === "STATIC_NOT_FOUND") {
              expect(config.missing).toBe("error");
              expect(fileOnDisk(parseName(name).path)).toBeUndefined();
            }
            return;
          }
          expect(url.startsWith(config.baseUrl)).toBe(true);
          // Markup characters never appear raw; a backslash may stay in a query or fragment, never in the path.
          expect(url).not.toMatch(/[ \t\n\r\f\v"'<>`\u0000-\u001f\u007f]/);
          expect(url.replace(/[?#].*$/s, "")).not.toContain("\\");
          const { path, hash, directory } = decodeUrl(url, config);
          if (directory) {
            outcomes.directory++;
            expect(files.lookup(name).hash).toBe("");
            return;
          }
          const found = files.lookup(name);
          // `...` hashes to `....<h>` (as Django's splitext has it), which no parser can split again.
          if (config.mode === "filename" && found.hash !== "" && /(^|\/)\.+$/.test(found.name.path)) {
            expect(path).toBe(hashedPath(found.name.path, found.hash));
            outcomes.hashed++;
            return;
          }
          const expected = fileOnDisk(path);
          if (found.hash === "") {
            outcomes.missing++;
            expect(config.missing).toBe("ignore");
            expect(expected).toBeUndefined();
            return;
          }
          outcomes.hashed++;
          expect(found.file).toBe(expected);
          expect(insideRoots(found.file!)).toBe(true);
          expect(hash).toBe(found.hash);
          expect(found.hash).toBe(hashBytes(fs.readFileSync(expected!)).slice(0, 6));
        }),
        { numRuns: NUM_RUNS_PER_CONFIG },
      );
    } finally {
      fsWatch.restore();
    }
    for (const path of fsWatch.touched) expect(insideRoots(path), `the core touched ${path}`).toBe(true);
    for (const canary of canaries()) expect(fsWatch.touched.map((path) => resolve(path))).not.toContain(canary);
  });
});

describe("hash() and integrity() of arbitrary names", () => {
  test("agree with url() and with the bytes on disk, or throw a documented StaticFileError", { timeout: TIMEOUT }, () => {
    const strict = new StaticFiles({ roots, watch: true });
    const lenient = new StaticFiles({ roots, watch: true, missing: "ignore", mode: "filename" });
    const fsWatch = watchFileSystem();
    try {
      fc.assert(
        fc.property(names, fc.constantFrom("sha256", "sha384", "sha512") as fc.Arbitrary<"sha256" | "sha384" | "sha512">, (name, algorithm) => {
          tried++;
          for (const files of [strict, lenient]) {
            let hash: string;
            try {
              hash = files.hash(name);
            } catch (error) {
              expectNameError(error, name);
              expect(() => files.integrity(name, algorithm)).toThrow(StaticFileError);
              continue;
            }
            const found = files.lookup(name);
            expect(hash).toBe(found.hash);
            if (found.name.directory) {
              expect(hash).toBe("");
              expect(() => files.integrity(name, algorithm)).toThrow(expect.objectContaining({ code: "STATIC_INVALID_NAME" }));
              continue;
            }
            if (hash === "") {
              expect(files.integrity(name, algorithm)).toBe("");
              continue;
            }
            expect(hash).toMatch(/^[0-9a-f]{6}$/);
            expect(insideRoots(found.file!)).toBe(true);
            const bytes = fs.readFileSync(found.file!);
            expect(hash).toBe(hashBytes(bytes).slice(0, 6));
            expect(files.integrity(name, algorithm)).toBe(integrityOf(bytes, algorithm));
          }
        }),
        { numRuns: NUM_RUNS },
      );
    } finally {
      fsWatch.restore();
    }
    for (const path of fsWatch.touched) expect(insideRoots(path), `the core touched ${path}`).toBe(true);
  });

  test("anything that is not a string is STATIC_INVALID_NAME, never another exception", { timeout: TIMEOUT }, () => {
    const files = new StaticFiles({ roots, missing: "ignore" });
    fc.assert(
      fc.property(
        fc.anything().filter((value) => typeof value !== "string"),
        (value) => {
          tried++;
          for (const call of [() => files.url(value as string), () => files.hash(value as string), () => files.integrity(value as string), () => files.lookup(value as string)]) {
            expect(call).toThrow(expect.objectContaining({ name: "StaticFileError", code: "STATIC_INVALID_NAME" }));
          }
        },
      ),
      { numRuns: Math.min(NUM_RUNS, 2_000) },
    );
  });

  test("the same name gives the same URL in both modes, hash for hash", { timeout: TIMEOUT }, () => {
    const query = new StaticFiles({ roots, watch: false });
    const filename = new StaticFiles({ roots, watch: false, mode: "filename" });
    fc.assert(
      fc.property(names, (name) => {
        tried++;
        let q: string | undefined;
        let qError: unknown;
        try {
          q = query.hash(name);
        } catch (error) {
          qError = error;
        }
        if (qError) {
          expect(() => filename.hash(name)).toThrow(expect.objectContaining({ code: (qError as StaticFileError).code }));
          return;
        }
        expect(filename.hash(name)).toBe(q);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe.each(["query", "filename"] as const)("url() of arbitrary names against a %s-mode manifest", (mode) => {
  test("is the manifest's stored name under baseUrl, or a documented StaticFileError; only the manifest is read", { timeout: TIMEOUT }, () => {
    // A collected folder by hand: every real file under its stored name, and the manifest listing them.
    const out = join(base, `collected-${mode}`);
    const paths: Record<string, string> = {};
    for (const name of EXISTING.filter((name) => !name.endsWith("/") && name !== "sub/deeper")) {
      const source = fileOnDisk(name)!;
      const hash = hashBytes(fs.readFileSync(source)).slice(0, 6);
      const stored = mode === "query" ? `${name}?${hash}` : hashedPath(name, hash);
      paths[name] = stored;
      fs.mkdirSync(dirname(join(out, stored.split("?")[0])), { recursive: true });
      fs.copyFileSync(source, join(out, stored.split("?")[0]));
    }
    const manifest = join(out, "staticfiles.json");
    fs.writeFileSync(manifest, JSON.stringify({ paths, version: "1.1", hash: "x" }));
    const storedNames = new Set(Object.values(paths).map((stored) => stored.split("?")[0]));
    const files = new StaticFiles({ manifest, watch: true, missing: "ignore" });
    const fsWatch = watchFileSystem();
    try {
      expect(files.url("css/app.css")).toBe(mode === "query" ? "/static/css/app.css?0beec7" : "/static/css/app.0beec7.css");
      fc.assert(
        fc.property(names, (name) => {
          tried++;
          let found;
          try {
            found = files.lookup(name);
          } catch (error) {
            expectNameError(error, name);
            return;
          }
          const url = files.url(name);
          expect(url).toBe(found.url);
          expect(url).not.toMatch(/[ \t\n\r\f\v"'<>`\u0000-\u001f\u007f]/);
          const parsed = new URL(url, "http://x/");
          expect(parsed.pathname.startsWith("/static/")).toBe(true);
          if (found.hash === "") return;
          const stored = parsed.pathname.slice("/static/".length).split("/").map(decodeURIComponent).join("/");
          expect(storedNames.has(stored), `${url} is not a stored name`).toBe(true);
          expect(found.file).toBe(join(out, stored));
        }),
        { numRuns: NUM_RUNS_PER_CONFIG },
      );
    } finally {
      fsWatch.restore();
    }
    // Rendering from a manifest reads no file: the only path touched is the manifest (stat'ed for watch).
    expect(new Set(fsWatch.touched.map((path) => resolve(path)))).toEqual(new Set([manifest]));
  });
});

test("pinned: traversal, NUL, lone surrogates and the canaries' names are refused with their codes", () => {
  const files = new StaticFiles({ roots, missing: "ignore" });
  const cases: Array<[string, string]> = [
    ["../canary.txt", "STATIC_OUTSIDE_ROOT"],
    ["../static-secret/canary.txt", "STATIC_OUTSIDE_ROOT"],
    ["..\\canary.txt", "STATIC_OUTSIDE_ROOT"],
    ["css/../../canary.txt", "STATIC_OUTSIDE_ROOT"],
    ["/../canary.txt", "STATIC_OUTSIDE_ROOT"],
    ["css/app.css\0.png", "STATIC_INVALID_NAME"],
    ["\uD800.css", "STATIC_INVALID_NAME"],
    ["css/\uDC00", "STATIC_INVALID_NAME"],
    ["?x", "STATIC_INVALID_NAME"],
    ["", "STATIC_INVALID_NAME"],
  ];
  for (const [name, code] of cases) {
    tried++;
    expect(() => files.url(name), name).toThrow(expect.objectContaining({ code }));
  }
  // Percent-escapes are file name characters, never decoded into a climb.
  expect(files.url("%2e%2e%2fcanary.txt")).toBe(`/static/%252e%252e%252fcanary.txt?${hashBytes("percent traversal lookalike").slice(0, 6)}`);
  expect(files.url("%2e%2e")).toBe(`/static/%252e%252e?${hashBytes("percent dots").slice(0, 6)}`);
  // Extensionless names carry the hash as an extension, and it can be taken off again.
  expect(new StaticFiles({ roots, mode: "filename" }).url("Makefile")).toBe(`/static/Makefile.${hashBytes("make").slice(0, 6)}`);
  expect(unhashPath(`Makefile.${hashBytes("make").slice(0, 6)}`)).toEqual({ path: "Makefile", hash: hashBytes("make").slice(0, 6) });
  expect(unhashPath("css/.bashrc.0beec7")).toEqual({ path: "css/.bashrc", hash: "0beec7" });
  // A well-formed astral character is fine.
  expect(files.url("\uD83D\uDE00.css")).toBe("/static/%F0%9F%98%80.css");
});
