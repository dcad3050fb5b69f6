// Bad input of every kind gives a StaticFileError with the documented code and a message that says what
// to fix; nothing the file system can throw escapes raw.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { StaticFileError, StaticFiles, type MissingPolicy, type StaticFilesOptions } from "../../src/index.js";
import { removeTempFolders, tempFolder, tempRoot, thrown, writeTree } from "../temp-folders.js";

afterAll(removeTempFolders);
afterEach(() => vi.restoreAllMocks());

const POLICIES: MissingPolicy[] = ["error", "warn", "ignore"];
const root = tempRoot({ "css/app.css": "foo", "js/app.js": "foo" });

function site(options: StaticFilesOptions = {}): StaticFiles {
  return new StaticFiles({ roots: [root], watch: false, ...options });
}

/** Every public call that takes a name. */
const CALLS: Array<[string, (files: StaticFiles, name: unknown) => unknown]> = [
  ["url", (files, name) => files.url(name as string)],
  ["hash", (files, name) => files.hash(name as string)],
  ["integrity", (files, name) => files.integrity(name as string)],
  ["filePath", (files, name) => files.filePath(name as string)],
  ["lookup", (files, name) => files.lookup(name as string)],
];

describe("names that leave the roots: STATIC_OUTSIDE_ROOT whatever `missing` says", () => {
  const NAMES = ["../secret.txt", "css/../../secret.txt", "/../secret.txt", "..", "../", "..\\secret.txt", "a/b/../../../c.css", "./../x?v=1#y"];
  for (const missing of POLICIES) {
    test.each(NAMES)(`missing: ${missing}, %j`, (name) => {
      const files = site({ missing });
      for (const [, call] of CALLS) {
        const error = thrown(() => call(files, name));
        expect(error).toBeInstanceOf(StaticFileError);
        expect(error.name).toBe("StaticFileError");
        expect(error.code).toBe("STATIC_OUTSIDE_ROOT");
        expect(error.asset).toBe(name);
        expect(error.message).toContain(JSON.stringify(name));
        expect(error.message).toMatch(/leaves the static roots: remove the "\.\." segments/);
      }
    });
  }

  test("invalidateCache(name) refuses them too", () => {
    expect(thrown(() => site().invalidateCache("../x")).code).toBe("STATIC_OUTSIDE_ROOT");
  });
});

describe("names that are no names: STATIC_INVALID_NAME whatever `missing` says", () => {
  const CASES: Array<[unknown, RegExp]> = [
    ["", /must not be empty: pass a path such as "css\/app\.css"/],
    [123, /must be a string, got a number\./],
    [true, /must be a string, got a boolean\./],
    [null, /must be a string, got null/],
    [undefined, /must be a string, got undefined/],
    [{ name: "css/app.css" }, /must be a string, got an object\./],
    [["css/app.css"], /must be a string, got an array/],
    [Symbol("x"), /must be a string, got a symbol/],
    [() => "css/app.css", /must be a string, got a function/],
    [10n, /must be a string, got a bigint/],
    ["css/app\0.css", /contains a NUL byte: remove it/],
    ["\0", /contains a NUL byte/],
    ["?v=1", /has no path before its query or fragment/],
    ["#top", /has no path before its query or fragment/],
    ["\ud800.css", /not well-formed Unicode/],
  ];
  for (const missing of POLICIES) {
    test.each(CASES)(`missing: ${missing}, %s`, (name, message) => {
      const files = site({ missing });
      for (const [, call] of CALLS) {
        const error = thrown(() => call(files, name));
        expect(error).toBeInstanceOf(StaticFileError);
        expect(error.code).toBe("STATIC_INVALID_NAME");
        expect(error.message).toMatch(message);
        expect(error.asset).toBe(typeof name === "string" ? name : undefined);
      }
    });
  }

  test("integrity() of a directory name is refused: it needs a file", () => {
    const error = thrown(() => site({ missing: "ignore" }).integrity("css/"));
    expect(error.code).toBe("STATIC_INVALID_NAME");
    expect(error.message).toBe('"css/" names a directory; integrity needs a file name such as "js/app.js".');
  });
});

describe("bad options: STATIC_CONFIG in the constructor, saying what to fix", () => {
  const CASES: Array<[string, unknown, RegExp]> = [
    ["options not an object", "static", /StaticFiles options must be an object such as \{ roots: \["static"\] \}; got "static"/],
    ["options an array", ["static"], /must be an object/],
    ["options a function", () => 1, /must be an object.*got a function/],
    ["unknown option, near a real one", { root: "static" }, /^Unknown option `root`: did you mean `roots`\?$/],
    ["unknown option, other case", { baseURL: "/s/" }, /^Unknown option `baseURL`: did you mean `baseUrl`\?$/],
    ["unknown option, snake case", { key_prefix: "x" }, /^Unknown option `key_prefix`: did you mean `keyPrefix`\?$/],
    ["unknown option, nothing near", { maxAge: 1 }, /^Unknown option `maxAge`; the options are roots, baseUrl, accuracy, algorithm, mode, manifest, cache, keyPrefix, watch, missing, vite\.$/],
    ["unknown option, empty key", { "": 1 }, /^Unknown option ``; the options are roots/],
    ["roots not an array", { roots: 5 }, /Option `roots` must be an array of folder paths such as \["static"\]; got 5/],
    ["roots empty", { roots: [] }, /Option `roots` is empty: give at least one folder/],
    ["a root not a string", { roots: ["static", 7] }, /Option `roots` must hold folder paths \(non-empty strings\); got 7/],
    ["a root empty", { roots: [""] }, /Option `roots` must hold folder paths.*got ""/],
    ["a root with NUL", { roots: ["st\0atic"] }, /Option `roots` must hold folder paths/],
    ["a root a BigInt", { roots: [1n] }, /Option `roots` must hold folder paths.*got 1n/],
    ["baseUrl not a string", { baseUrl: 1 }, /Option `baseUrl` must be a string such as "\/static\/"; got 1/],
    ["baseUrl with a query", { baseUrl: "/static/?v=1" }, /Option `baseUrl` must be a plain URL prefix.*without a query, fragment, quote or space; got "\/static\/\?v=1"/],
    ["baseUrl with a fragment", { baseUrl: "/static/#x" }, /Option `baseUrl` must be a plain URL prefix/],
    ["baseUrl with a quote", { baseUrl: '/static"/' }, /Option `baseUrl` must be a plain URL prefix/],
    ["baseUrl with markup", { baseUrl: "/<script>/" }, /Option `baseUrl` must be a plain URL prefix/],
    ["baseUrl with a space", { baseUrl: "/my static/" }, /Option `baseUrl` must be a plain URL prefix/],
    ["accuracy 0", { accuracy: 0 }, /Option `accuracy` must be a positive integer \(the number of hash characters in the URL, default 6\); got 0/],
    ["accuracy negative", { accuracy: -6 }, /Option `accuracy` must be a positive integer.*got -6/],
    ["accuracy fractional", { accuracy: 6.5 }, /Option `accuracy` must be a positive integer.*got 6\.5/],
    ["accuracy NaN", { accuracy: NaN }, /Option `accuracy` must be a positive integer.*got null/],
    ["accuracy a string", { accuracy: "6" }, /Option `accuracy` must be a positive integer.*got "6"/],
    ["accuracy a BigInt", { accuracy: 6n }, /Option `accuracy` must be a positive integer.*got 6n/],
    ["algorithm unknown", { algorithm: "sha3" }, /Option `algorithm` must be one of "sha1", "md5", "sha256", "sha384", "sha512"; got "sha3"/],
    ["algorithm in capitals", { algorithm: "SHA1" }, /Option `algorithm` must be one of .*got "SHA1"/],
    ["mode unknown", { mode: "path" }, /Option `mode` must be one of "query", "filename"; got "path"/],
    ["missing unknown", { missing: "throw" }, /Option `missing` must be one of "error", "warn", "ignore"; got "throw"/],
    ["missing a boolean", { missing: false }, /Option `missing` must be one of .*got false/],
    ["manifest empty", { manifest: "" }, /Option `manifest` must be the path of a staticfiles.json; got ""/],
    ["manifest not a string", { manifest: { paths: {} } }, /Option `manifest` must be the path of a staticfiles.json; got \{"paths":\{\}\}/],
    ["keyPrefix not a string", { keyPrefix: 1 }, /Option `keyPrefix` must be a string; got 1/],
    ["watch not a boolean", { watch: "yes" }, /Option `watch` must be true or false; got "yes"/],
    ["cache true", { cache: true }, /Option `cache` must be \{ max: <number> \}, false, or an LRUCache instance; got true/],
    ["cache a number", { cache: 100 }, /Option `cache` must be \{ max: <number> \}, false, or an LRUCache instance; got 100/],
    ["cache an array", { cache: [] }, /Option `cache` must be .*got \[\]/],
    ["cache.max zero", { cache: { max: 0 } }, /Option `cache.max` must be a positive integer \(how many hashes to keep\); got 0\. Use `cache: false` to turn caching off\./],
    ["cache.max fractional", { cache: { max: 2.5 } }, /Option `cache.max` must be a positive integer.*got 2\.5/],
    ["cache.max a string", { cache: { max: "100" } }, /Option `cache.max` must be a positive integer.*got "100"/],
    ["cache settings lru-cache refuses", { cache: { max: 5, ttl: -1 } }, /Option `cache` holds settings lru-cache refuses \(ttl must be a positive integer if specified\): fix them, or pass only \{ max \}\./],
  ];
  test.each(CASES)("%s", (_what, options, message) => {
    const error = thrown(() => new StaticFiles(options as StaticFilesOptions));
    expect(error).toBeInstanceOf(StaticFileError);
    expect(error.code).toBe("STATIC_CONFIG");
    expect(error.message).toMatch(message);
    expect(error.asset).toBeUndefined();
  });

  test("a cyclic value is described without crashing", () => {
    const cache: Record<string, unknown> = { max: "x" };
    cache.self = cache;
    const error = thrown(() => new StaticFiles({ cache: cache as never }));
    expect(error.code).toBe("STATIC_CONFIG");
    expect(error.message).toMatch(/Option `cache.max` must be a positive integer.*got "x"/);
  });

  test("undefined and null options mean every default", () => {
    for (const options of [undefined, null, {}]) {
      const files = new StaticFiles(options as never);
      expect(files.options).toMatchObject({ baseUrl: "/static/", accuracy: 6, algorithm: "sha1", mode: "query", keyPrefix: "staticfiles_hash", missing: "error", cacheMax: 10_000, manifest: undefined });
    }
  });

  test("an option set to undefined takes its default", () => {
    expect(new StaticFiles({ baseUrl: undefined, accuracy: undefined, mode: undefined }).options).toMatchObject({ baseUrl: "/static/", accuracy: 6, mode: "query" });
  });

  test("integrity() with an algorithm browsers do not accept", () => {
    for (const algorithm of ["sha1", "md5", "SHA384", "", "sha3-256"]) {
      const error = thrown(() => site().integrity("js/app.js", algorithm as never));
      expect(error.code).toBe("STATIC_CONFIG");
      expect(error.message).toBe(`Integrity algorithm must be one of sha256, sha384, sha512 (what browsers accept); got ${JSON.stringify(algorithm)}.`);
    }
  });
});

describe("a missing file", () => {
  const missingRoot = join(root, "does-not-exist");

  test("missing: error throws STATIC_NOT_FOUND naming the asset and every root searched", () => {
    const other = tempRoot({});
    const files = new StaticFiles({ roots: [root, other, missingRoot] });
    for (const [name, call] of CALLS) {
      const error = thrown(() => call(files, "/css/gone.css?v=1#x"));
      expect(error, name).toBeInstanceOf(StaticFileError);
      expect(error.code).toBe("STATIC_NOT_FOUND");
      expect(error.asset).toBe("/css/gone.css?v=1#x");
      expect(error.message).toBe(
        `Static file "css/gone.css" was not found; searched ${root}, ${other}, ${missingRoot} (does not exist). Check the name, or add the folder that holds it to \`roots\`.`,
      );
    }
  });

  test("missing: warn gives the URL without a hash and warns once per asset per StaticFiles", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const files = site({ missing: "warn" });
    expect(files.url("css/gone.css")).toBe("/static/css/gone.css");
    expect(files.url("/css/./gone.css?v=1#x")).toBe("/static/css/gone.css?v=1#x");
    expect(files.url("css/gone.css")).toBe("/static/css/gone.css");
    expect(files.hash("css/gone.css")).toBe("");
    expect(files.integrity("css/gone.css")).toBe("");
    expect(files.filePath("css/gone.css")).toBeUndefined();
    expect(files.lookup("css/gone.css")).toMatchObject({ file: undefined, hash: "", url: "/static/css/gone.css" });
    expect(files.url("fonts/f.eot?#iefix")).toBe("/static/fonts/f.eot?#iefix");
    expect(new StaticFiles({ roots: [root], missing: "warn", mode: "filename" }).url("fonts/f.eot?#iefix")).toBe("/static/fonts/f.eot?#iefix");
    // One warning for css/gone.css, one for fonts/f.eot here, one for fonts/f.eot in the filename-mode instance.
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn.mock.calls[0]).toEqual([
      `Static file "css/gone.css" was not found; searched ${root}. Check the name, or add the folder that holds it to \`roots\`.`,
      { type: "StaticFileWarning", code: "STATIC_NOT_FOUND" },
    ]);
    // Another StaticFiles warns again, once.
    const second = site({ missing: "warn" });
    second.url("css/gone.css");
    second.url("css/gone.css");
    expect(warn).toHaveBeenCalledTimes(4);
  });

  test("missing: warn with cache: false still warns once per asset, whatever other assets come between", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const files = site({ missing: "warn", cache: false });
    for (const name of ["css/gone.css", "js/gone.js", "css/gone.css", "js/gone.js"]) files.url(name);
    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      `Static file "css/gone.css" was not found; searched ${root}. Check the name, or add the folder that holds it to \`roots\`.`,
      `Static file "js/gone.js" was not found; searched ${root}. Check the name, or add the folder that holds it to \`roots\`.`,
    ]);
  });

  test("missing: warn, the file appearing later gets its hash", () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const dir = tempRoot({});
    const files = new StaticFiles({ roots: [dir], missing: "warn", watch: false });
    expect(files.url("late.css")).toBe("/static/late.css");
    writeFileSync(join(dir, "late.css"), "foo");
    expect(files.url("late.css")).toBe("/static/late.css?0beec7");
  });

  test("missing: ignore is silent", () => {
    const warn = vi.spyOn(process, "emitWarning");
    const consoleWarn = vi.spyOn(console, "warn");
    const files = site({ missing: "ignore", mode: "filename" });
    expect(files.url("css/gone.css?v=1#x")).toBe("/static/css/gone.css?v=1#x");
    expect(files.hash("css/gone.css")).toBe("");
    expect(files.integrity("css/gone.css", "sha512")).toBe("");
    expect(warn).not.toHaveBeenCalled();
    expect(consoleWarn).not.toHaveBeenCalled();
  });
});

describe("file system trouble: a clear StaticFileError, never a raw error", () => {
  test("a directory given as a file", () => {
    const files = site();
    const error = thrown(() => files.url("css"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.asset).toBe("css");
    expect(error.message).toBe(
      `Static file "css" is a directory (${join(root, "css")}), not a file: end the name with "/" to link to a directory, or name a file in it.`,
    );
    expect(site({ missing: "ignore" }).url("css")).toBe("/static/css");
    expect(thrown(() => files.integrity("css")).code).toBe("STATIC_NOT_FOUND");
  });

  test("a path through a file (ENOTDIR) is simply not found", () => {
    const error = thrown(() => site().url("css/app.css/more.css"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toMatch(/^Static file "css\/app.css\/more.css" was not found; searched /);
  });

  test("a name too long for the file system is not found", () => {
    expect(thrown(() => site().url("x".repeat(5000) + ".css")).code).toBe("STATIC_NOT_FOUND");
  });

  test("a file that vanishes between two calls (watch on)", () => {
    const dir = tempRoot({ "app.css": "foo" });
    const files = new StaticFiles({ roots: [dir], watch: true });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    rmSync(join(dir, "app.css"));
    const error = thrown(() => files.url("app.css"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toMatch(/^Static file "app.css" was not found; searched /);
    expect(thrown(() => files.integrity("app.css")).code).toBe("STATIC_NOT_FOUND");
  });

  test("a file that vanishes between two calls (watch off): the URL stays cached, integrity() says it is gone", () => {
    const dir = tempRoot({ "app.js": "foo" });
    const files = new StaticFiles({ roots: [dir], watch: false });
    expect(files.url("app.js")).toBe("/static/app.js?0beec7");
    rmSync(join(dir, "app.js"));
    expect(files.url("app.js")).toBe("/static/app.js?0beec7");
    const error = thrown(() => files.integrity("app.js"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toBe(`Static file "app.js" disappeared from ${join(dir, "app.js")} while it was read.`);
    files.invalidateCache();
    expect(thrown(() => files.url("app.js")).code).toBe("STATIC_NOT_FOUND");
  });

  test("a file replaced by a directory between two calls", () => {
    const dir = tempRoot({ "app.css": "foo" });
    const files = new StaticFiles({ roots: [dir], watch: true });
    expect(files.url("app.css")).toBe("/static/app.css?0beec7");
    rmSync(join(dir, "app.css"));
    mkdirSync(join(dir, "app.css"));
    expect(thrown(() => files.url("app.css")).message).toMatch(/is a directory/);
  });

  test("a symbolic link that loops", () => {
    const dir = tempRoot({});
    symlinkSync("loop.css", join(dir, "loop.css"));
    const error = thrown(() => new StaticFiles({ roots: [dir] }).url("loop.css"));
    expect(error).toBeInstanceOf(StaticFileError);
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toBe(`Static file "loop.css" cannot be read at ${join(dir, "loop.css")} (ELOOP): it is a symbolic link that loops: fix or remove the link.`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ELOOP");
  });

  test("a character device (a link to /dev/null) is not a static file", () => {
    const dir = tempRoot({});
    symlinkSync("/dev/null", join(dir, "null.css"));
    const error = thrown(() => new StaticFiles({ roots: [dir] }).url("null.css"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toMatch(/\(EINVAL\): it is not a regular file \(a FIFO, socket or device\): static files must be regular files\.$/);
  });

  describe("a FIFO", () => {
    let writer: ChildProcess | undefined;
    afterEach(() => {
      if (writer?.exitCode === null) writer.kill();
    });

    test("is refused at once, never waited on", () => {
      const dir = tempRoot({});
      const fifo = join(dir, "pipe.css");
      const made = spawn("mkfifo", [fifo]);
      return new Promise<void>((resolve, reject) => {
        made.on("exit", (code) => {
          if (code !== 0) return reject(new Error("mkfifo failed"));
          // Safety valve: if the open ever blocks again, a writer comes after 5 s and the assertion below fails.
          writer = spawn("sh", ["-c", `sleep 5; : > '${fifo}'`]);
          try {
            const error = thrown(() => new StaticFiles({ roots: [dir] }).url("pipe.css"));
            expect(error.code).toBe("STATIC_NOT_FOUND");
            expect(error.message).toMatch(/\(EINVAL\): it is not a regular file/);
            expect(new StaticFiles({ roots: [dir], missing: "ignore" }).url("pipe.css")).toBe("/static/pipe.css");
            resolve();
          } catch (failure) {
            reject(failure);
          }
        });
      });
    });
  });

  describe("a socket", () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    test("is refused", async () => {
      const dir = tempRoot({});
      server = createServer();
      await new Promise<void>((resolve) => server!.listen(join(dir, "sock.css"), resolve));
      const error = thrown(() => new StaticFiles({ roots: [dir] }).url("sock.css"));
      expect(error).toBeInstanceOf(StaticFileError);
      expect(error.code).toBe("STATIC_NOT_FOUND");
      expect(error.message).toMatch(/^Static file "sock.css" cannot be read at .*sock\.css \((ENXIO|EINVAL)\)/);
    });
  });
});

// A permission error needs a user the permissions apply to. Tests often run as root, which reads any
// file whatever its mode: then the calls are made with the effective uid switched to `nobody`.
describe("permission errors (EACCES)", () => {
  const NOBODY = 65534;
  const asRoot = process.getuid?.() === 0;
  function asUnprivileged<T>(call: () => T): T {
    if (!asRoot) return call();
    process.seteuid!(NOBODY);
    try {
      return call();
    } finally {
      process.seteuid!(0);
    }
  }
  function openFolder(): string {
    const dir = tempFolder("perm");
    chmodSync(dir, 0o755);
    return dir;
  }

  test.skipIf(process.platform === "win32")("an unreadable file is STATIC_NOT_FOUND with the cause, or follows `missing`", () => {
    const dir = openFolder();
    writeFileSync(join(dir, "secret.css"), "foo");
    chmodSync(join(dir, "secret.css"), 0o000);
    const error = asUnprivileged(() => thrown(() => new StaticFiles({ roots: [dir] }).url("secret.css")));
    expect(error).toBeInstanceOf(StaticFileError);
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.asset).toBe("secret.css");
    expect(error.message).toBe(`Static file "secret.css" cannot be read at ${join(dir, "secret.css")} (EACCES): give the server's user read access to it, or remove it from the roots.`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe("EACCES");

    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    expect(asUnprivileged(() => new StaticFiles({ roots: [dir], missing: "warn" }).url("secret.css"))).toBe("/static/secret.css");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/\(EACCES\)/);
    expect(asUnprivileged(() => new StaticFiles({ roots: [dir], missing: "ignore" }).integrity("secret.css"))).toBe("");
  });

  test.skipIf(process.platform === "win32")("an unreadable file stops the search: a later root's copy is not served instead", () => {
    const dir = openFolder();
    const later = openFolder();
    writeFileSync(join(dir, "secret.css"), "foo");
    writeFileSync(join(later, "secret.css"), "bar");
    chmodSync(join(dir, "secret.css"), 0o000);
    const error = asUnprivileged(() => thrown(() => new StaticFiles({ roots: [dir, later] }).url("secret.css")));
    expect(error.code).toBe("STATIC_NOT_FOUND");
  });

  test.skipIf(process.platform === "win32")("an unreadable manifest is STATIC_MANIFEST with the cause", () => {
    const dir = openFolder();
    const manifest = join(dir, "staticfiles.json");
    writeFileSync(manifest, '{"paths": {}, "version": "1.0"}');
    chmodSync(manifest, 0o000);
    const error = asUnprivileged(() => thrown(() => new StaticFiles({ roots: [dir], manifest })));
    expect(error).toBeInstanceOf(StaticFileError);
    expect(error.code).toBe("STATIC_MANIFEST");
    expect(error.message).toBe(`The manifest ${manifest} cannot be read (EACCES): check the \`manifest\` option, or run \`static-hash collect\` to create it.`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe("EACCES");
  });

  test.skipIf(process.platform === "win32")("a folder that becomes unreadable after the file was cached (watch on)", () => {
    const dir = openFolder();
    writeTree(dir, { "css/app.css": "foo" });
    const files = new StaticFiles({ roots: [dir], watch: true });
    expect(asUnprivileged(() => files.url("css/app.css"))).toBe("/static/css/app.css?0beec7");
    chmodSync(join(dir, "css"), 0o000);
    try {
      const error = asUnprivileged(() => thrown(() => files.url("css/app.css")));
      expect(error).toBeInstanceOf(StaticFileError);
      expect(error.code).toBe("STATIC_NOT_FOUND");
      expect(error.message).toMatch(/\(EACCES\): give the server's user read access to it/);
    } finally {
      chmodSync(join(dir, "css"), 0o755);
    }
  });
});
