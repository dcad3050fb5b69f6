// Every rule of DESIGN.md "Names and URLs", in both modes, against real files in a temp folder.
// Every file holds "foo", so every hash below is sha1("foo") cut to 6: 0beec7.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LRUCache } from "lru-cache";
import { afterAll, describe, expect, test } from "vitest";
import { StaticFiles, type Mode } from "../../src/index.js";
import { removeTempFolders, tempFolder, tempRoot, writeTree } from "../temp-folders.js";

afterAll(removeTempFolders);

const FOO = "foo";
const root = tempRoot({
  "css/app.css": FOO,
  "fonts/f.eot": FOO,
  "js/jquery.min.js": FOO,
  Makefile: FOO,
  ".htaccess": FOO,
  "a b.css": FOO,
  "a&b.css": FOO,
  "it's.css": FOO,
  "café.css": FOO,
  "日本/図.css": FOO,
  "x(1)!*~.css": FOO,
  "100%.css": FOO,
  "archive.tar.gz": FOO,
});

function files(mode: Mode, options: ConstructorParameters<typeof StaticFiles>[0] = {}): StaticFiles {
  return new StaticFiles({ roots: [root], mode, watch: false, ...options });
}

// [name, query-mode URL, filename-mode URL]
const RULES: Array<[rule: string, name: string, query: string, filename: string]> = [
  ["a plain name", "css/app.css", "/static/css/app.css?0beec7", "/static/css/app.0beec7.css"],
  ["a leading / is ignored", "/css/app.css", "/static/css/app.css?0beec7", "/static/css/app.0beec7.css"],
  ["several leading / are ignored", "///css/app.css", "/static/css/app.css?0beec7", "/static/css/app.0beec7.css"],
  [". segments are dropped", "./css/./app.css", "/static/css/app.css?0beec7", "/static/css/app.0beec7.css"],
  [".. segments are resolved", "css/../js/../css/app.css", "/static/css/app.css?0beec7", "/static/css/app.0beec7.css"],
  ["empty segments collapse", "css//app.css", "/static/css/app.css?0beec7", "/static/css/app.0beec7.css"],
  ["a backslash counts as /", "css\\app.css", "/static/css/app.css?0beec7", "/static/css/app.0beec7.css"],
  ["a query is kept, joined with &", "css/app.css?v=1", "/static/css/app.css?v=1&0beec7", "/static/css/app.0beec7.css?v=1"],
  ["a query with & is kept whole", "css/app.css?a=1&b=2", "/static/css/app.css?a=1&b=2&0beec7", "/static/css/app.0beec7.css?a=1&b=2"],
  ["query and fragment", "css/app.css?v=1#x", "/static/css/app.css?v=1&0beec7#x", "/static/css/app.0beec7.css?v=1#x"],
  ["a fragment alone", "css/app.css#top", "/static/css/app.css?0beec7#top", "/static/css/app.0beec7.css#top"],
  ["an empty fragment is kept", "css/app.css#", "/static/css/app.css?0beec7#", "/static/css/app.0beec7.css#"],
  ["the old-IE ?#iefix hack", "fonts/f.eot?#iefix", "/static/fonts/f.eot?0beec7#iefix", "/static/fonts/f.0beec7.eot?#iefix"],
  ["an empty query counts as none", "css/app.css?", "/static/css/app.css?0beec7", "/static/css/app.0beec7.css?"],
  ["a ? inside the fragment belongs to it", "css/app.css#a?b", "/static/css/app.css?0beec7#a?b", "/static/css/app.0beec7.css#a?b"],
  ["a space is %20", "a b.css", "/static/a%20b.css?0beec7", "/static/a%20b.0beec7.css"],
  ["& in a path is %26", "a&b.css", "/static/a%26b.css?0beec7", "/static/a%26b.0beec7.css"],
  ["' in a path is %27", "it's.css", "/static/it%27s.css?0beec7", "/static/it%27s.0beec7.css"],
  ["% in a path is %25", "100%.css", "/static/100%25.css?0beec7", "/static/100%25.0beec7.css"],
  ["unicode is UTF-8 percent-encoded", "café.css", "/static/caf%C3%A9.css?0beec7", "/static/caf%C3%A9.0beec7.css"],
  ["unicode folders too", "日本/図.css", "/static/%E6%97%A5%E6%9C%AC/%E5%9B%B3.css?0beec7", "/static/%E6%97%A5%E6%9C%AC/%E5%9B%B3.0beec7.css"],
  ["encodeURIComponent's safe marks stay", "x(1)!*~.css", "/static/x(1)!*~.css?0beec7", "/static/x(1)!*~.0beec7.css"],
  ["the hash goes before the last extension", "js/jquery.min.js", "/static/js/jquery.min.js?0beec7", "/static/js/jquery.min.0beec7.js"],
  ["and only the last", "archive.tar.gz", "/static/archive.tar.gz?0beec7", "/static/archive.tar.0beec7.gz"],
  ["a name without extension", "Makefile", "/static/Makefile?0beec7", "/static/Makefile.0beec7"],
  ["a dotfile has no extension", ".htaccess", "/static/.htaccess?0beec7", "/static/.htaccess.0beec7"],
  [
    "unsafe characters in query and fragment are encoded",
    "css/app.css?a b\"c'd<e>f`g#h i\"<>`'",
    "/static/css/app.css?a%20b%22c%27d%3Ce%3Ef%60g&0beec7#h%20i%22%3C%3E%60%27",
    "/static/css/app.0beec7.css?a%20b%22c%27d%3Ce%3Ef%60g#h%20i%22%3C%3E%60%27",
  ],
  ["a tab or newline in a query is encoded", "css/app.css?a\tb\nc", "/static/css/app.css?a%09b%0Ac&0beec7", "/static/css/app.0beec7.css?a%09b%0Ac"],
  ["% and unicode in a query stay as written", "css/app.css?q=%41é", "/static/css/app.css?q=%41é&0beec7", "/static/css/app.0beec7.css?q=%41é"],
  ["a directory: no hash, no lookup", "css/", "/static/css/", "/static/css/"],
  ["a directory that does not exist: still no lookup", "nowhere/at/all/", "/static/nowhere/at/all/", "/static/nowhere/at/all/"],
  ["a directory keeps its query and fragment", "css/?v=1#x", "/static/css/?v=1#x", "/static/css/?v=1#x"],
  ["a directory name is encoded", "a b/", "/static/a%20b/", "/static/a%20b/"],
  ["the root itself", "/", "/static/", "/static/"],
  ["a name that normalises to the root", "css/..", "/static/", "/static/"],
  ["a trailing . is a directory", "css/.", "/static/css/", "/static/css/"],
];

describe.each(["query", "filename"] as const)("%s mode", (mode) => {
  test.each(RULES)("%s: %j", (_rule, name, queryUrl, filenameUrl) => {
    const expected = mode === "query" ? queryUrl : filenameUrl;
    const site = files(mode);
    expect(site.url(name)).toBe(expected);
    // A second call (memoised when watch is off) gives the same URL.
    expect(site.url(name)).toBe(expected);
    // And so does an instance that revalidates by stat.
    expect(files(mode, { watch: true }).url(name)).toBe(expected);
    expect(files(mode, { cache: false }).url(name)).toBe(expected);
  });

  test("hash() is the hash inside url(), and lookup() agrees with both", () => {
    const site = files(mode);
    expect(site.hash("js/jquery.min.js?v=2#x")).toBe("0beec7");
    const found = site.lookup("/js/./jquery.min.js?v=2#x");
    expect(found).toEqual({
      name: { raw: "/js/./jquery.min.js?v=2#x", path: "js/jquery.min.js", directory: false, query: "v=2", fragment: "x" },
      file: join(root, "js/jquery.min.js"),
      hash: "0beec7",
      url: mode === "query" ? "/static/js/jquery.min.js?v=2&0beec7#x" : "/static/js/jquery.min.0beec7.js?v=2#x",
    });
    expect(site.hash("css/")).toBe("");
    expect(site.filePath("css/")).toBeUndefined();
    expect(site.filePath("css\\app.css")).toBe(join(root, "css/app.css"));
  });

  test("a CDN baseUrl is the prefix of every URL", () => {
    const site = files(mode, { baseUrl: "https://cdn.example.com/s/" });
    expect(site.url("css/app.css?v=1#x")).toBe(
      mode === "query" ? "https://cdn.example.com/s/css/app.css?v=1&0beec7#x" : "https://cdn.example.com/s/css/app.0beec7.css?v=1#x",
    );
    expect(site.url("fonts/")).toBe("https://cdn.example.com/s/fonts/");
  });

  test.each([
    ["https://cdn.example.com/s", "https://cdn.example.com/s/"],
    ["/assets", "/assets/"],
    ["//cdn.example.com", "//cdn.example.com/"],
    ["/", "/"],
  ])("baseUrl %j without a trailing slash gets one", (baseUrl, prefix) => {
    const site = files(mode, { baseUrl });
    expect(site.baseUrl).toBe(prefix);
    expect(site.url("Makefile")).toBe(mode === "query" ? `${prefix}Makefile?0beec7` : `${prefix}Makefile.0beec7`);
  });

  test('baseUrl "" gives URLs relative to the page', () => {
    expect(files(mode, { baseUrl: "" }).url("css/app.css")).toBe(mode === "query" ? "css/app.css?0beec7" : "css/app.0beec7.css");
  });
});

describe("roots", () => {
  const first = tempRoot({ "css/app.css": "foo", "only-first.txt": "foo" });
  const second = tempRoot({ "css/app.css": "", "only-second.txt": "", "late.txt": "" });

  test("are searched in order, and the first root that has the file wins", () => {
    const site = new StaticFiles({ roots: [first, second], watch: false });
    expect(site.url("css/app.css")).toBe("/static/css/app.css?0beec7");
    expect(site.filePath("css/app.css")).toBe(join(first, "css/app.css"));
    expect(site.url("only-second.txt")).toBe("/static/only-second.txt?da39a3");
    expect(site.filePath("only-second.txt")).toBe(join(second, "only-second.txt"));
    expect(site.url("only-first.txt")).toBe("/static/only-first.txt?0beec7");

    const reversed = new StaticFiles({ roots: [second, first], watch: false });
    expect(reversed.url("css/app.css")).toBe("/static/css/app.css?da39a3");
    expect(reversed.filePath("css/app.css")).toBe(join(second, "css/app.css"));
  });

  test("a directory in an earlier root is skipped for the file of a later root", () => {
    mkdirSync(join(first, "late.txt"));
    const site = new StaticFiles({ roots: [first, second], watch: false });
    expect(site.url("late.txt")).toBe("/static/late.txt?da39a3");
    expect(site.filePath("late.txt")).toBe(join(second, "late.txt"));
  });

  test("a root that does not exist is skipped", () => {
    const site = new StaticFiles({ roots: [join(first, "no-such-folder"), second], watch: false });
    expect(site.url("css/app.css")).toBe("/static/css/app.css?da39a3");
  });

  test("a single root may be given as a string, and relative roots resolve against the working directory", () => {
    expect(new StaticFiles({ roots: first }).roots).toEqual([first]);
    expect(new StaticFiles().roots).toEqual([join(process.cwd(), "static")]);
    expect(new StaticFiles({ roots: ["x/../assets"] }).roots).toEqual([join(process.cwd(), "assets")]);
  });

  test("with watch, a file added to an earlier root takes over from the later root's copy", () => {
    const a = tempFolder();
    const b = tempRoot({ "shadow.css": "" });
    const site = new StaticFiles({ roots: [a, b], watch: true });
    expect(site.url("shadow.css")).toBe("/static/shadow.css?da39a3");
    writeTree(a, { "shadow.css": "foo" });
    expect(site.url("shadow.css")).toBe("/static/shadow.css?0beec7");
  });
});

describe("cache keys", () => {
  test("use the normalised path, without query or fragment", () => {
    const cache = new LRUCache<string, object>({ max: 100 });
    const site = new StaticFiles({ roots: [root], cache, watch: false });
    for (const name of ["css/app.css", "/css/app.css", "./css/../css/app.css?v=1", "css\\app.css#x", "css/app.css?#iefix"]) {
      expect(site.hash(name)).toBe("0beec7");
    }
    expect([...cache.keys()]).toEqual(["staticfiles_hash:0:css/app.css"]);
  });
});
