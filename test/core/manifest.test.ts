// `manifest`: URLs from a staticfiles.json (ours in both modes, Django's 1.0 and 1.1), with no file read
// while rendering; integrity() from the stored copy; every way a manifest can be broken.
import { createHash } from "node:crypto";
import fs, { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { StaticFileError, StaticFiles, type StaticFilesOptions } from "../../src/index.js";
import { createManifest, MANIFEST_NAME, MANIFEST_VERSIONS, parseManifest, serializeManifest, storedName } from "../../src/core/manifest.js";
import { removeTempFolders, settle, tempFolder, thrown, writeTree } from "../temp-folders.js";

afterAll(removeTempFolders);
afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

const SHA384_FOO = "sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7";

/** A collected folder: `staticfiles.json` with `text`, and the stored copies in `files`. */
function collected(text: string, files: Record<string, string> = {}): { dir: string; manifest: string } {
  const dir = writeTree(tempFolder("manifest"), files);
  const manifest = join(dir, "staticfiles.json");
  writeFileSync(manifest, text);
  return { dir, manifest };
}

function withManifest(manifest: string, options: StaticFilesOptions = {}): StaticFiles {
  // Roots that do not exist: a manifest-backed instance must never need them.
  return new StaticFiles({ roots: [join(manifest, "..", "no-such-root")], manifest, watch: false, ...options });
}

// Written by hand as Django's ManifestStaticFilesStorage writes them: json.dumps(payload), so ", " and
// ": " separators and non-ASCII escaped. Django 3.2 writes version "1.0"; 4.2+ write "1.1" and a "hash",
// md5 of json.dumps(sorted(paths.items())) cut to 12.
const DJANGO_PATHS =
  '{"css/app.css": "css/app.acbd18db4cc2.css", "fonts/f.eot": "fonts/f.acbd18db4cc2.eot", "js/jquery.min.js": "js/jquery.min.acbd18db4cc2.js", "Makefile": "Makefile.acbd18db4cc2", "caf\\u00e9.css": "caf\\u00e9.acbd18db4cc2.css"}';
const DJANGO_SORTED_ITEMS =
  '[["Makefile", "Makefile.acbd18db4cc2"], ["caf\\u00e9.css", "caf\\u00e9.acbd18db4cc2.css"], ["css/app.css", "css/app.acbd18db4cc2.css"], ["fonts/f.eot", "fonts/f.acbd18db4cc2.eot"], ["js/jquery.min.js", "js/jquery.min.acbd18db4cc2.js"]]';
const DJANGO_HASH = createHash("md5").update(DJANGO_SORTED_ITEMS).digest("hex").slice(0, 12);
const DJANGO_1_0 = `{"paths": ${DJANGO_PATHS}, "version": "1.0"}`;
const DJANGO_1_1 = `{"paths": ${DJANGO_PATHS}, "version": "1.1", "hash": "${DJANGO_HASH}"}`;

test("the hand-written Django manifests hold what Django's hold", () => {
  expect(JSON.parse(DJANGO_1_1)).toEqual({
    paths: {
      "css/app.css": "css/app.acbd18db4cc2.css",
      "fonts/f.eot": "fonts/f.acbd18db4cc2.eot",
      "js/jquery.min.js": "js/jquery.min.acbd18db4cc2.js",
      Makefile: "Makefile.acbd18db4cc2",
      "café.css": "café.acbd18db4cc2.css",
    },
    version: "1.1",
    hash: DJANGO_HASH,
  });
  expect(DJANGO_1_0).toContain('"caf\\u00e9.css"');
});

describe.each([
  ["Django 1.0 (Django 3.2)", DJANGO_1_0],
  ["Django 1.1 (Django 4.2+)", DJANGO_1_1],
])("a %s manifest", (_label, text) => {
  const { dir, manifest } = collected(text, { "css/app.acbd18db4cc2.css": "foo", "css/app.css": "foo" });

  test.each(["query", "filename"] as const)("gives the stored names whatever `mode` says (%s)", (mode) => {
    const files = withManifest(manifest, { mode });
    expect(files.url("css/app.css")).toBe("/static/css/app.acbd18db4cc2.css");
    expect(files.hash("css/app.css")).toBe("acbd18db4cc2");
    expect(files.url("/css/./app.css")).toBe("/static/css/app.acbd18db4cc2.css");
    expect(files.url("js/jquery.min.js")).toBe("/static/js/jquery.min.acbd18db4cc2.js");
    expect(files.url("Makefile")).toBe("/static/Makefile.acbd18db4cc2");
    expect(files.hash("Makefile")).toBe("acbd18db4cc2");
    expect(files.url("café.css")).toBe("/static/caf%C3%A9.acbd18db4cc2.css");
    expect(files.filePath("css/app.css")).toBe(join(dir, "css/app.acbd18db4cc2.css"));
  });

  test("merges the name's query and fragment", () => {
    const files = withManifest(manifest);
    expect(files.url("css/app.css?v=1#x")).toBe("/static/css/app.acbd18db4cc2.css?v=1#x");
    expect(files.url("fonts/f.eot?#iefix")).toBe("/static/fonts/f.acbd18db4cc2.eot?#iefix");
    expect(files.url("css/app.css?a b#<x>")).toBe("/static/css/app.acbd18db4cc2.css?a%20b#%3Cx%3E");
    expect(files.url("css/")).toBe("/static/css/");
  });

  test("with a CDN baseUrl", () => {
    expect(withManifest(manifest, { baseUrl: "https://cdn.example.com/s" }).url("css/app.css")).toBe("https://cdn.example.com/s/css/app.acbd18db4cc2.css");
  });

  test("integrity() is of the stored copy next to the manifest", () => {
    expect(withManifest(manifest).integrity("css/app.css")).toBe(SHA384_FOO);
  });

  test("exposes what it read", () => {
    const files = withManifest(manifest);
    expect(files.manifest!.paths.get("café.css")).toBe("café.acbd18db4cc2.css");
    expect(files.manifest!.version).toBe(text.includes('"1.1"') ? "1.1" : "1.0");
    expect(files.manifest!.hash).toBe(text.includes('"1.1"') ? DJANGO_HASH : undefined);
  });
});

describe("our own manifests", () => {
  test("filename mode: values are hashed names; extra keys are allowed", () => {
    const { manifest } = collected(JSON.stringify({ paths: { "css/app.css": "css/app.0beec7.css", ".htaccess": ".htaccess.0beec7" }, version: "1.0", hash: "abc", tool: "static-hash" }), {
      "css/app.0beec7.css": "foo",
    });
    const files = withManifest(manifest);
    expect(files.url("css/app.css")).toBe("/static/css/app.0beec7.css");
    expect(files.url("css/app.css?v=1#x")).toBe("/static/css/app.0beec7.css?v=1#x");
    expect(files.hash("css/app.css")).toBe("0beec7");
    expect(files.url(".htaccess")).toBe("/static/.htaccess.0beec7");
    expect(files.hash(".htaccess")).toBe("0beec7");
    expect(files.integrity("css/app.css", "sha256")).toBe("sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=");
  });

  test("query mode: values are name?hash, merged with the name's own query by the rules", () => {
    const { manifest } = collected(JSON.stringify({ paths: { "css/app.css": "css/app.css?0beec7", "fonts/f.eot": "fonts/f.eot?0beec7", "a b.css": "a b.css?0beec7" }, version: "1.0" }), {
      "css/app.css": "foo",
    });
    for (const mode of ["query", "filename"] as const) {
      const files = withManifest(manifest, { mode });
      expect(files.url("css/app.css")).toBe("/static/css/app.css?0beec7");
      expect(files.url("css/app.css?v=1#x")).toBe("/static/css/app.css?v=1&0beec7#x");
      expect(files.url("fonts/f.eot?#iefix")).toBe("/static/fonts/f.eot?0beec7#iefix");
      expect(files.url("a b.css")).toBe("/static/a%20b.css?0beec7");
      expect(files.hash("css/app.css")).toBe("0beec7");
      expect(files.integrity("css/app.css", "sha512")).toBe(
        "sha512-9/u6bgY2+JDlb7vzKD5STG+jIErimDgtYkdB0NxmODJuKCxBvl5CVNiCB3LFUYosWowMf37aGVlKfrU5RT4e1w==",
      );
    }
  });

  test("a manifest starting with a byte order mark is read", () => {
    const { manifest } = collected('\ufeff{"paths": {"a.css": "a.0beec7.css"}, "version": "1.0"}');
    expect(withManifest(manifest).url("a.css")).toBe("/static/a.0beec7.css");
  });
});

describe("rendering reads no file", () => {
  const { dir, manifest } = collected(DJANGO_1_1);

  test("url() and hash() open and read nothing (spied on node:fs)", async () => {
    // A manifest read within a timestamp tick of being written is read again: let it age first.
    await settle();
    const files = withManifest(manifest, { watch: true });
    const reads = [vi.spyOn(fs, "openSync"), vi.spyOn(fs, "readSync"), vi.spyOn(fs, "readFileSync"), vi.spyOn(fs, "readdirSync")];
    syncBuiltinESMExports();
    for (let i = 0; i < 3; i++) {
      expect(files.url("css/app.css?v=1")).toBe("/static/css/app.acbd18db4cc2.css?v=1");
      expect(files.hash("js/jquery.min.js")).toBe("acbd18db4cc2");
      expect(files.lookup("Makefile").url).toBe("/static/Makefile.acbd18db4cc2");
    }
    for (const read of reads) expect(read).not.toHaveBeenCalled();
    // The spies do see reads: an instance hashing from its roots opens the file.
    const root = writeTree(tempFolder(), { "css/app.css": "foo" });
    expect(new StaticFiles({ roots: [root] }).url("css/app.css")).toBe("/static/css/app.css?0beec7");
    expect(reads[0]).toHaveBeenCalledTimes(1);
  });

  test("the roots and stored copies need not exist, and without watch not even the manifest after loading", () => {
    const files = withManifest(manifest);
    rmSync(manifest);
    expect(files.url("css/app.css")).toBe("/static/css/app.acbd18db4cc2.css");
    expect(files.url("fonts/f.eot?#iefix")).toBe("/static/fonts/f.acbd18db4cc2.eot?#iefix");
    expect(files.filePath("css/app.css")).toBe(join(dir, "css/app.acbd18db4cc2.css"));
    writeFileSync(manifest, DJANGO_1_1);
  });
});

describe("a name missing from the manifest follows `missing`", () => {
  const { manifest } = collected(DJANGO_1_0);

  test("error", () => {
    const error = thrown(() => withManifest(manifest).url("js/gone.js?v=1"));
    expect(error).toBeInstanceOf(StaticFileError);
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.asset).toBe("js/gone.js?v=1");
    expect(error.message).toBe(`Static file "js/gone.js" is not in the manifest ${manifest}: run \`static-hash collect\` again after adding it, or check the name.`);
  });

  test("warn: the URL without a hash, one warning", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const files = withManifest(manifest, { missing: "warn" });
    expect(files.url("js/gone.js?v=1#x")).toBe("/static/js/gone.js?v=1#x");
    expect(files.url("js/gone.js")).toBe("/static/js/gone.js");
    expect(files.hash("js/gone.js")).toBe("");
    expect(files.integrity("js/gone.js")).toBe("");
    expect(warn).toHaveBeenCalledTimes(1);
  });

  test("ignore: silently", () => {
    const warn = vi.spyOn(process, "emitWarning");
    const files = withManifest(manifest, { missing: "ignore" });
    expect(files.url("js/gone.js")).toBe("/static/js/gone.js");
    expect(files.integrity("js/gone.js")).toBe("");
    expect(warn).not.toHaveBeenCalled();
  });

  test("a stored copy that is missing makes integrity() follow `missing` too", () => {
    const error = thrown(() => withManifest(manifest).integrity("css/app.css"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toMatch(/is in the manifest .* as .*css\/app\.acbd18db4cc2\.css, which does not exist: run `static-hash collect` again\./);
    expect(withManifest(manifest, { missing: "ignore" }).integrity("css/app.css")).toBe("");
  });
});

describe("keeping up with a new manifest", () => {
  test("watch: a rewritten manifest is read again on the next call", () => {
    const { manifest } = collected('{"paths": {"a.css": "a.0beec7.css"}, "version": "1.0"}');
    const files = withManifest(manifest, { watch: true });
    expect(files.url("a.css")).toBe("/static/a.0beec7.css");
    writeFileSync(manifest, '{"paths": {"a.css": "a.62cdb7.css"}, "version": "1.1"}');
    expect(files.url("a.css")).toBe("/static/a.62cdb7.css");
  });

  test("no watch: the manifest is kept until invalidateCache()", () => {
    const { manifest } = collected('{"paths": {"a.css": "a.0beec7.css"}, "version": "1.0"}');
    const files = withManifest(manifest);
    expect(files.url("a.css")).toBe("/static/a.0beec7.css");
    writeFileSync(manifest, '{"paths": {"a.css": "a.62cdb7.css"}, "version": "1.0"}');
    expect(files.url("a.css")).toBe("/static/a.0beec7.css");
    files.invalidateCache();
    expect(files.url("a.css")).toBe("/static/a.62cdb7.css");
  });

  test("watch: a manifest that breaks while in use is STATIC_MANIFEST, and a repaired one is read again", () => {
    const { manifest } = collected('{"paths": {"a.css": "a.0beec7.css"}, "version": "1.0"}');
    const files = withManifest(manifest, { watch: true });
    expect(files.url("a.css")).toBe("/static/a.0beec7.css");
    writeFileSync(manifest, '{"paths": {"a.css": ');
    expect(thrown(() => files.url("a.css")).code).toBe("STATIC_MANIFEST");
    rmSync(manifest);
    expect(thrown(() => files.url("a.css")).code).toBe("STATIC_MANIFEST");
    writeFileSync(manifest, '{"paths": {"a.css": "a.bbe960.css"}, "version": "1.0"}');
    expect(files.url("a.css")).toBe("/static/a.bbe960.css");
  });
});

describe("a manifest that cannot be used: STATIC_MANIFEST naming the file and the fix", () => {
  const CASES: Array<[string, string, RegExp]> = [
    ["not JSON", '{"paths": {', /is not valid JSON \(.*\): run `static-hash collect` \(or Django's collectstatic\) again to rewrite it\./],
    ["empty", "", /is not valid JSON/],
    ["a JSON array", "[]", /is not a JSON object with "paths" and "version": run `static-hash collect` again\./],
    ["JSON null", "null", /is not a JSON object with "paths" and "version"/],
    ["no version", '{"paths": {}}', /has no "version"; static-hash reads versions 1\.0 and 1\.1: rewrite it with `static-hash collect`\./],
    ["an unknown version", '{"paths": {}, "version": "2.0"}', /has version "2\.0"; static-hash reads versions 1\.0 and 1\.1/],
    ["a numeric version", '{"paths": {}, "version": 1.0}', /has version 1; static-hash reads versions 1\.0 and 1\.1/],
    ["no paths", '{"version": "1.0"}', /has no "paths" object: run `static-hash collect` again\./],
    ["paths an array", '{"paths": [], "version": "1.0"}', /has no "paths" object/],
    ["a value not a string", '{"paths": {"a.css": 5}, "version": "1.0"}', /maps "a\.css" to 5, not a file name: run `static-hash collect` again\./],
    ["an empty value", '{"paths": {"a.css": ""}, "version": "1.0"}', /maps "a\.css" to "", not a file name/],
  ];
  test.each(CASES)("%s", (_what, text, message) => {
    const { manifest } = collected(text);
    const error = thrown(() => withManifest(manifest));
    expect(error).toBeInstanceOf(StaticFileError);
    expect(error.code).toBe("STATIC_MANIFEST");
    expect(error.message).toContain(`The manifest ${manifest} `);
    expect(error.message).toMatch(message);
  });

  test("a manifest that does not exist", () => {
    const manifest = join(tempFolder(), "staticfiles.json");
    const error = thrown(() => withManifest(manifest));
    expect(error.code).toBe("STATIC_MANIFEST");
    expect(error.message).toBe(`The manifest ${manifest} cannot be read (ENOENT): check the \`manifest\` option, or run \`static-hash collect\` to create it.`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  test("a manifest path that is a directory", () => {
    const manifest = join(tempFolder(), "staticfiles.json");
    mkdirSync(manifest);
    const error = thrown(() => withManifest(manifest));
    expect(error.code).toBe("STATIC_MANIFEST");
    expect(error.message).toMatch(/cannot be read \(EISDIR\)/);
  });

  test.each([
    ["../../etc/passwd", /maps "evil\.css" to "\.\.\/\.\.\/etc\/passwd", which is not a file inside its folder/],
    ["css/", /maps "evil\.css" to "css\/", which is not a file name/],
    ["a\0b", /maps "evil\.css" to "a\\u0000b", which is not a file inside its folder/],
  ])("a value %j is refused when used, never followed", (value, message) => {
    const { manifest } = collected(JSON.stringify({ paths: { "evil.css": value, "good.css": "good.0beec7.css" }, version: "1.0" }));
    const files = withManifest(manifest);
    expect(files.url("good.css")).toBe("/static/good.0beec7.css");
    const error = thrown(() => files.url("evil.css"));
    expect(error.code).toBe("STATIC_MANIFEST");
    expect(error.asset).toBe("evil.css");
    expect(error.message).toMatch(message);
  });
});

describe("the manifest module: what collect writes, and what a stored value means", () => {
  const signature = { size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0 };

  test("createManifest sorts the names and hashes the paths; serializeManifest writes Django's layout", () => {
    const manifest = createManifest({ "js/app.js": "js/app.js?0beec7", "css/app.css": "css/app.css?62cdb7" }, "sha1", 6);
    const sorted = { "css/app.css": "css/app.css?62cdb7", "js/app.js": "js/app.js?0beec7" };
    const hash = createHash("sha1").update(JSON.stringify(sorted)).digest("hex").slice(0, 6);
    expect(manifest).toEqual({ paths: sorted, version: "1.0", hash });
    expect(Object.keys(manifest.paths)).toEqual(["css/app.css", "js/app.js"]);
    expect(serializeManifest(manifest)).toBe(
      `{\n  "paths": {\n    "css/app.css": "css/app.css?62cdb7",\n    "js/app.js": "js/app.js?0beec7"\n  },\n  "version": "1.0",\n  "hash": "${hash}"\n}\n`,
    );
    expect(MANIFEST_NAME).toBe("staticfiles.json");
    expect(MANIFEST_VERSIONS).toEqual(["1.0", "1.1"]);
  });

  test("what is written is read back as it was", () => {
    const written = createManifest({ "css/app.css": "css/app.4e1243.css", Makefile: "Makefile.0beec7" }, "md5", 12);
    const read = parseManifest(serializeManifest(written), "staticfiles.json", signature);
    expect(Object.fromEntries(read.paths)).toEqual(written.paths);
    expect([read.version, read.hash, read.source]).toEqual(["1.0", written.hash, "staticfiles.json"]);
  });

  test("storedName takes a query-mode and a filename-mode value apart", () => {
    const manifest = parseManifest(
      JSON.stringify({
        paths: {
          "css/app.css": "css/app.css?4e1243",
          "css/v.css": "css/v.css?v=1&4e1243",
          "js/jquery.min.js": "js/jquery.min.4e1243.js",
          Makefile: "Makefile.4e1243",
          "old/plain.txt": "old/plain.txt",
          "x/../y.css": "/x/./../y.4e1243.css",
          "up.css": "../up.4e1243.css",
          "dir.css": "css/",
        },
        version: "1.1",
      }),
      "/site/staticfiles.json",
      signature,
    );
    expect(storedName(manifest, "css/app.css")).toEqual({ file: "css/app.css", query: "4e1243", hash: "4e1243" });
    expect(storedName(manifest, "css/v.css")).toEqual({ file: "css/v.css", query: "v=1&4e1243", hash: "4e1243" });
    expect(storedName(manifest, "js/jquery.min.js")).toEqual({ file: "js/jquery.min.4e1243.js", query: undefined, hash: "4e1243" });
    expect(storedName(manifest, "Makefile")).toEqual({ file: "Makefile.4e1243", query: undefined, hash: "4e1243" });
    expect(storedName(manifest, "old/plain.txt")).toEqual({ file: "old/plain.txt", query: undefined, hash: "" });
    expect(storedName(manifest, "x/../y.css")).toEqual({ file: "y.4e1243.css", query: undefined, hash: "4e1243" });
    expect(storedName(manifest, "css/missing.css")).toBeUndefined();
    const outside = thrown(() => storedName(manifest, "up.css", "/up.css?x"));
    expect([outside.code, outside.asset, outside.message]).toEqual([
      "STATIC_MANIFEST",
      "/up.css?x",
      'The manifest /site/staticfiles.json maps "up.css" to "../up.4e1243.css", which is not a file inside its folder: rewrite it with `static-hash collect`.',
    ]);
    expect(thrown(() => storedName(manifest, "dir.css")).message).toBe(
      'The manifest /site/staticfiles.json maps "dir.css" to "css/", which is not a file name: rewrite it with `static-hash collect`.',
    );
  });

  test("StaticFiles.storedName answers from the manifest in use, and nothing without one", () => {
    const { manifest } = collected(JSON.stringify({ paths: { "css/app.css": "css/app.css?4e1243" }, version: "1.0" }));
    const files = withManifest(manifest);
    expect(files.storedName("/css/./app.css?v=2#top")).toEqual({ file: "css/app.css", query: "4e1243", hash: "4e1243" });
    expect(files.storedName("css/other.css")).toBeUndefined();
    expect(new StaticFiles({ roots: [tempFolder("roots")] }).storedName("css/app.css")).toBeUndefined();
  });
});
