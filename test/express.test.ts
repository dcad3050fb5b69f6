/**
 * The Express adapter over real HTTP on 127.0.0.1: serving from the roots (on Express and on a plain
 * `http` listener), its options and errors, traversal in every encoding, `collect` output through the
 * manifest, and the shared server conformance suite on Express 5 and Express 4.
 */
import { spawn } from "node:child_process";
import fs, { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import express4 from "express4";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { collect } from "../src/collect/index.js";
import { serveStatic, type ServeStaticOptions } from "../src/express.js";
import { StaticFiles, type StaticFilesOptions } from "../src/index.js";
import { optionOf } from "../src/core/check-options.js";
import { hashBytes } from "../src/core/hash.js";
import { testServer } from "./conformance/servers.js";
import { close, listen, rawRequest, type RawResponse } from "./serve/http-client.js";
import { ATTEMPTS, CANARY } from "./serve/traversal-attempts.js";
import { thrown } from "./temp-folders.js";

/** sha1("foo") and sha1("bar") cut to 6: the original tag's test vectors. */
const FOO = "0beec7";
const BAR = "62cdb7";
const IMMUTABLE = "public, max-age=31536000, immutable";
const hashOf = (content: string) => hashBytes(content).slice(0, 6);

interface Site {
  dir: string;
  root: string;
}

function makeSite(): Site {
  const dir = mkdtempSync(join(tmpdir(), "static-hash-express-"));
  const root = join(dir, "static");
  for (const sub of ["css", "img", "empty-dir"]) mkdirSync(join(root, sub), { recursive: true });
  writeFileSync(join(root, "css/app.css"), "foo");
  writeFileSync(join(root, "app.js"), "bar");
  writeFileSync(join(root, "img/logo.cafe.png"), "a real file whose name looks hashed");
  writeFileSync(join(root, "a b&c.css"), "foo");
  writeFileSync(join(root, ".env"), "SECRET=1");
  writeFileSync(join(root, "digits.txt"), "0123456789");
  writeFileSync(join(dir, "secret.txt"), "CANARY");
  return { dir, root };
}

/** Rewrites a file as an editor save does: new bytes and a later mtime. */
function edit(file: string, content: string): void {
  writeFileSync(file, content);
  const later = new Date(statSync(file).mtimeMs + 5_000);
  utimesSync(file, later, later);
}

type Kind = "express" | "http";

/** An Express 5 app with the middleware at /static, or a plain http server that strips /static itself. */
function makeServer(kind: Kind, files: StaticFiles | StaticFilesOptions, options?: ServeStaticOptions): Server {
  const serve = serveStatic(files, options);
  if (kind === "express") {
    const app = express();
    app.use("/static", serve);
    app.use((_req, res) => void res.status(404).type("text/plain").send("app 404"));
    return createServer(app);
  }
  return createServer((req, res) => {
    if (req.url?.startsWith("/static/")) {
      req.url = req.url.slice("/static".length);
      return serve(req, res);
    }
    res.statusCode = 404;
    res.end("outside /static");
  });
}

describe.each<Kind>(["express", "http"])("serveStatic on %s", (kind) => {
  let site: Site;
  let server: Server | undefined;
  const start = async (files: StaticFiles | StaticFilesOptions, options?: ServeStaticOptions) => {
    server = makeServer(kind, files, options);
    return listen(server);
  };
  beforeEach(() => {
    site = makeSite();
  });
  afterEach(async () => {
    if (server) await close(server);
    server = undefined;
    rmSync(site.dir, { recursive: true, force: true });
  });

  test("a matching query hash is immutable; the body and type are the file's", async () => {
    const files = new StaticFiles({ roots: [site.root] });
    expect(files.url("css/app.css")).toBe(`/static/css/app.css?${FOO}`);
    const origin = await start(files);
    const res = await rawRequest(origin, files.url("css/app.css"));
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("foo");
    expect(res.headers["cache-control"]).toBe(IMMUTABLE);
    expect(res.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(res.headers["content-length"]).toBe("3");
  });

  test("no hash, a stale hash or a hash of the wrong length get no-cache with ETag and Last-Modified", async () => {
    const origin = await start({ roots: [site.root] });
    for (const path of ["/static/css/app.css", `/static/css/app.css?${BAR}`, "/static/css/app.css?0beec", "/static/css/app.css?0beec7a", "/static/css/app.css?"]) {
      const res = await rawRequest(origin, path);
      expect(res.status, path).toBe(200);
      expect(res.body.toString()).toBe("foo");
      expect(res.headers["cache-control"], path).toBe("no-cache");
      expect(res.headers.etag).toMatch(/^W\/"3-/);
      expect(res.headers["last-modified"]).toBe(statSync(join(site.root, "css/app.css")).mtime.toUTCString());
    }
  });

  test("an empty file has the empty digest's hash and an empty body", async () => {
    writeFileSync(join(site.root, "empty.txt"), "");
    const files = new StaticFiles({ roots: [site.root] });
    expect(files.url("empty.txt")).toBe("/static/empty.txt?da39a3");
    const res = await rawRequest(await start(files), files.url("empty.txt"));
    expect([res.status, res.body.length, res.headers["content-length"], res.headers["cache-control"]]).toEqual([200, 0, "0", IMMUTABLE]);
  });

  test("the hash is the last &-separated part of the query", async () => {
    const origin = await start({ roots: [site.root] });
    expect((await rawRequest(origin, `/static/css/app.css?v=1&${FOO}`)).headers["cache-control"]).toBe(IMMUTABLE);
    expect((await rawRequest(origin, `/static/css/app.css?${FOO}&v=1`)).headers["cache-control"]).toBe("no-cache");
  });

  test("percent-encoded names are decoded once", async () => {
    const files = new StaticFiles({ roots: [site.root] });
    expect(files.url("a b&c.css")).toBe(`/static/a%20b%26c.css?${FOO}`);
    const res = await rawRequest(await start(files), files.url("a b&c.css"));
    expect([res.status, res.body.toString(), res.headers["cache-control"]]).toEqual([200, "foo", IMMUTABLE]);
  });

  test("conditional requests get 304 with the same cache rule", async () => {
    const origin = await start({ roots: [site.root] });
    const first = await rawRequest(origin, `/static/css/app.css?${FOO}`);
    const etag = String(first.headers.etag);
    const byEtag = await rawRequest(origin, `/static/css/app.css?${FOO}`, { headers: { "If-None-Match": etag } });
    expect([byEtag.status, byEtag.body.length, byEtag.headers["cache-control"]]).toEqual([304, 0, IMMUTABLE]);
    const plain = await rawRequest(origin, "/static/css/app.css", { headers: { "If-None-Match": etag } });
    expect([plain.status, plain.headers["cache-control"]]).toEqual([304, "no-cache"]);
    const byDate = await rawRequest(origin, "/static/css/app.css", { headers: { "If-Modified-Since": String(first.headers["last-modified"]) } });
    expect(byDate.status).toBe(304);
    const changed = await rawRequest(origin, "/static/css/app.css", { headers: { "If-None-Match": 'W/"3-nope"' } });
    expect([changed.status, changed.body.toString()]).toEqual([200, "foo"]);
  });

  test("HEAD sends the headers and no body", async () => {
    const origin = await start({ roots: [site.root] });
    const res = await rawRequest(origin, `/static/css/app.css?${FOO}`, { method: "HEAD" });
    expect([res.status, res.body.length, res.headers["content-length"], res.headers["cache-control"]]).toEqual([200, 0, "3", IMMUTABLE]);
  });

  test("range requests get 206 with the part asked for, and 416 beyond the end", async () => {
    const files = new StaticFiles({ roots: [site.root] });
    const origin = await start(files);
    const url = files.url("digits.txt");
    const part = await rawRequest(origin, url, { headers: { Range: "bytes=2-4" } });
    expect([part.status, part.body.toString(), part.headers["content-range"], part.headers["cache-control"]]).toEqual([206, "234", "bytes 2-4/10", IMMUTABLE]);
    const stale = await rawRequest(origin, "/static/digits.txt?000000", { headers: { Range: "bytes=-3" } });
    expect([stale.status, stale.body.toString(), stale.headers["cache-control"]]).toEqual([206, "789", "no-cache"]);
    const beyond = await rawRequest(origin, url, { headers: { Range: "bytes=20-30" } });
    expect([beyond.status, beyond.headers["content-range"]]).toEqual([416, "bytes */10"]);
  });

  test("after an edit the old hash is served as no-cache and the new hash as immutable", async () => {
    const files = new StaticFiles({ roots: [site.root], watch: true });
    const origin = await start(files);
    const old = files.url("css/app.css");
    expect((await rawRequest(origin, old)).headers["cache-control"]).toBe(IMMUTABLE);
    edit(join(site.root, "css/app.css"), "bar");
    const stale = await rawRequest(origin, old);
    expect([stale.body.toString(), stale.headers["cache-control"]]).toEqual(["bar", "no-cache"]);
    expect(files.url("css/app.css")).toBe(`/static/css/app.css?${BAR}`);
    const fresh = await rawRequest(origin, files.url("css/app.css"));
    expect([fresh.body.toString(), fresh.headers["cache-control"]]).toEqual(["bar", IMMUTABLE]);
  });

  test("the server checks the content even when the StaticFiles instance does not watch", async () => {
    const files = new StaticFiles({ roots: [site.root], watch: false });
    const origin = await start(files);
    const url = files.url("css/app.css");
    edit(join(site.root, "css/app.css"), "bar");
    expect(files.url("css/app.css")).toBe(url);
    const res = await rawRequest(origin, url);
    expect([res.body.toString(), res.headers["cache-control"]]).toEqual(["bar", "no-cache"]);
  });

  test("filename mode: x.<h>.ext is served from x.ext, immutable only while the hash matches", async () => {
    const files = new StaticFiles({ roots: [site.root], mode: "filename" });
    const origin = await start(files);
    expect(files.url("css/app.css")).toBe(`/static/css/app.${FOO}.css`);
    const hashed = await rawRequest(origin, files.url("css/app.css"));
    expect([hashed.status, hashed.body.toString(), hashed.headers["cache-control"], hashed.headers["content-type"]]).toEqual([200, "foo", IMMUTABLE, "text/css; charset=utf-8"]);
    const stale = await rawRequest(origin, `/static/css/app.${BAR}.css`);
    expect([stale.status, stale.body.toString(), stale.headers["cache-control"]]).toEqual([200, "foo", "no-cache"]);
    const plain = await rawRequest(origin, "/static/css/app.css");
    expect([plain.status, plain.headers["cache-control"]]).toEqual([200, "no-cache"]);
    expect((await rawRequest(origin, `/static/css/gone.${FOO}.css`)).status).toBe(404);
  });

  test("a real file whose name looks hashed is served as itself", async () => {
    const origin = await start({ roots: [site.root], mode: "filename" });
    const res = await rawRequest(origin, "/static/img/logo.cafe.png");
    expect([res.status, res.body.toString(), res.headers["cache-control"]]).toEqual([200, "a real file whose name looks hashed", "no-cache"]);
  });

  test("the first root that has the file wins", async () => {
    const second = join(site.dir, "second");
    mkdirSync(join(second, "css"), { recursive: true });
    writeFileSync(join(second, "css/app.css"), "bar");
    writeFileSync(join(second, "only-here.txt"), "bar");
    const origin = await start({ roots: [site.root, second] });
    expect((await rawRequest(origin, `/static/css/app.css?${FOO}`)).body.toString()).toBe("foo");
    const other = await rawRequest(origin, `/static/only-here.txt?${BAR}`);
    expect([other.body.toString(), other.headers["cache-control"]]).toEqual(["bar", IMMUTABLE]);
  });

  test("maxAge sets max-age of immutable responses only", async () => {
    const origin = await start({ roots: [site.root] }, { maxAge: 60_000 });
    expect((await rawRequest(origin, `/static/css/app.css?${FOO}`)).headers["cache-control"]).toBe("public, max-age=60, immutable");
    expect((await rawRequest(origin, "/static/css/app.css")).headers["cache-control"]).toBe("no-cache");
  });

  test("missing files, dotfiles and directories are 404; other methods are not served", async () => {
    const origin = await start({ roots: [site.root] });
    const expected404 = kind === "express" ? "app 404" : "Not Found\n";
    for (const path of ["/static/nope.css", "/static/.env", "/static/empty-dir", "/static/empty-dir/", "/static/css/", "/static/"]) {
      const res = await rawRequest(origin, path);
      expect([res.status, res.body.toString()], path).toEqual([404, expected404]);
    }
    const post = await rawRequest(origin, "/static/css/app.css", { method: "POST" });
    if (kind === "express") expect([post.status, post.body.toString()]).toEqual([404, "app 404"]);
    else expect([post.status, post.headers.allow]).toEqual([405, "GET, HEAD"]);
  });
});

describe("serveStatic where nothing strips the mount path", () => {
  let site: Site;
  let server: Server | undefined;
  beforeEach(() => {
    site = makeSite();
  });
  afterEach(async () => {
    if (server) await close(server);
    server = undefined;
    rmSync(site.dir, { recursive: true, force: true });
  });

  test.each(["http", "express at /"])("%s: the URLs files.url() prints are served under the path of baseUrl", async (kind) => {
    const files = new StaticFiles({ roots: [site.root], baseUrl: "/assets/v1/" });
    let handler = serveStatic(files) as (req: IncomingMessage, res: ServerResponse) => void;
    if (kind !== "http") {
      const app = express();
      app.use(serveStatic(files));
      handler = app;
    }
    server = createServer(handler);
    const origin = await listen(server);
    expect(files.url("css/app.css")).toBe(`/assets/v1/css/app.css?${FOO}`);
    const hashed = await rawRequest(origin, files.url("css/app.css"));
    expect([hashed.status, hashed.body.toString(), hashed.headers["cache-control"]]).toEqual([200, "foo", IMMUTABLE]);
    // Paths outside baseUrl are read as they are, and traversal is refused after the prefix too.
    expect((await rawRequest(origin, "/css/app.css")).body.toString()).toBe("foo");
    expect((await rawRequest(origin, "/assets/v1/%2e%2e/%2e%2e/secret.txt")).status).toBe(kind === "http" ? 400 : 404);
  });

  test("a CDN baseUrl serves under its path", async () => {
    const files = new StaticFiles({ roots: [site.root], baseUrl: "https://cdn.example.com/s/", mode: "filename" });
    server = createServer(serveStatic(files));
    const origin = await listen(server);
    expect(files.url("css/app.css")).toBe(`https://cdn.example.com/s/css/app.${FOO}.css`);
    expect((await rawRequest(origin, `/s/css/app.${FOO}.css`)).headers["cache-control"]).toBe(IMMUTABLE);
  });
});

describe("serveStatic options and Express errors", () => {
  let site: Site;
  let server: Server | undefined;
  beforeAll(() => {
    site = makeSite();
  });
  afterAll(async () => {
    if (server) await close(server);
    rmSync(site.dir, { recursive: true, force: true });
  });

  test("fallthrough: false hands Express an error with the status", async () => {
    const app = express();
    app.use("/static", serveStatic({ roots: [site.root] }, { fallthrough: false }));
    app.use((error: { status?: number; message: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(error.status ?? 500).type("text/plain").send(`handled ${error.status}`);
    });
    server = createServer(app);
    const origin = await listen(server);
    expect(await rawRequest(origin, "/static/nope.css").then((r) => [r.status, r.body.toString()])).toEqual([404, "handled 404"]);
    expect(await rawRequest(origin, "/static/%2e%2e/secret.txt").then((r) => [r.status, r.body.toString()])).toEqual([400, "handled 400"]);
    expect(await rawRequest(origin, "/static/css/app.css", { method: "DELETE" }).then((r) => [r.status, r.body.toString()])).toEqual([405, "handled 405"]);
    expect((await rawRequest(origin, `/static/css/app.css?${FOO}`)).headers["cache-control"]).toBe(IMMUTABLE);
  });

  test("bad options fail with STATIC_CONFIG and say what to fix", () => {
    expect(() => serveStatic({ roots: [site.root] }, { maxAge: -1 })).toThrow(expect.objectContaining({ code: "STATIC_CONFIG", message: expect.stringContaining("milliseconds") }));
    expect(() => serveStatic({ roots: [site.root] }, { fallthrough: "yes" as unknown as boolean })).toThrow(/true or false/);
    expect(() => serveStatic({ roots: [site.root] }, { dotfiles: "allow" } as ServeStaticOptions)).toThrow(/^Unknown serveStatic option `dotfiles`; the options are fallthrough, maxAge, index, compression\.$/);
    expect(() => serveStatic({ roots: [site.root] }, { index: "index.html" } as unknown as ServeStaticOptions)).toThrow(/never serves directories/);
    expect(serveStatic({ roots: [site.root] }, { index: false })).toBeTypeOf("function");
  });

  test("options go through the core's option checker: an unknown one suggests the nearest, a wrongly typed one says what it must be", () => {
    const roots = [site.root];
    expect(thrown(() => serveStatic({ roots }, { maxage: 60_000 } as ServeStaticOptions))).toMatchObject({ code: "STATIC_CONFIG", message: "Unknown serveStatic option `maxage`: did you mean `maxAge`?" });
    expect(thrown(() => serveStatic({ roots }, { fall_through: false } as ServeStaticOptions)).message).toBe("Unknown serveStatic option `fall_through`: did you mean `fallthrough`?");
    const wrongType = thrown(() => serveStatic({ roots }, { maxAge: "1y" as unknown as number }));
    expect([wrongType.code, wrongType.message]).toEqual(["STATIC_CONFIG", 'serveStatic option `maxAge` must be a number of milliseconds, 0 to one year; got "1y".']);
    expect(optionOf(wrongType)).toEqual({ option: "maxAge", rule: 'must be a number of milliseconds, 0 to one year; got "1y".' });
    expect(thrown(() => serveStatic({ roots }, { fallthrough: 0 as unknown as boolean })).message).toBe("serveStatic option `fallthrough` must be true or false; got 0.");
    expect(thrown(() => serveStatic({ roots }, { index: "index.html" } as unknown as ServeStaticOptions)).message).toBe(
      'serveStatic option `index` can only be false, as it never serves directories or index files; got "index.html". Add a route for the page instead.',
    );
  });
});

describe("a file replaced by rename between the core's stat and its read", () => {
  let site: Site;
  let server: Server | undefined;
  beforeEach(() => {
    site = makeSite();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    syncBuiltinESMExports();
    if (server) await close(server);
    server = undefined;
    rmSync(site.dir, { recursive: true, force: true });
  });

  /** Serves the site; the first time the core stats `name`, `content` is renamed over it before the core sees the result. */
  async function startWithRenameAfterStat(name: string, content: string): Promise<string> {
    const file = join(site.root, name);
    const realStat = fs.promises.stat;
    let renamed = false;
    vi.spyOn(fs.promises, "stat").mockImplementation((async (path: fs.PathLike, ...rest: unknown[]) => {
      const stats = await (realStat as (...args: unknown[]) => Promise<fs.Stats>)(path, ...rest);
      if (String(path) === file && !renamed) {
        renamed = true;
        writeFileSync(file + ".tmp", content);
        renameSync(file + ".tmp", file);
      }
      return stats;
    }) as typeof fs.promises.stat);
    // The core imports stat from node:fs/promises: make the ESM binding see the spy.
    syncBuiltinESMExports();
    server = createServer(serveStatic({ roots: [site.root] }));
    return listen(server);
  }

  test.each([
    ["same size", "bar"],
    ["larger", "barbaz"],
    ["smaller", "ba"],
  ])("%s: the new file arrives whole, as no-cache, with its own length and validators", async (_case, content) => {
    const origin = await startWithRenameAfterStat("css/app.css", content);
    const res = await rawRequest(origin, `/static/css/app.css?${FOO}`);
    expect([res.status, res.complete, res.body.toString(), res.headers["content-length"], res.headers["cache-control"]]).toEqual([200, true, content, String(content.length), "no-cache"]);
    // The validators are the new file's: a later 304 blesses only these bytes.
    const now = statSync(join(site.root, "css/app.css"));
    expect(res.headers.etag).toBe(`W/"${now.size.toString(16)}-${Math.trunc(now.mtimeMs).toString(16)}"`);
    const fresh = await rawRequest(origin, `/static/css/app.css?${hashOf(content)}`);
    expect([fresh.status, fresh.body.toString(), fresh.headers["cache-control"]]).toEqual([200, content, IMMUTABLE]);
  });
});

// Traversal in every encoding against the real middleware over real HTTP: each attempt is refused
// (400 or 404) and no response ever carries a canary file placed outside the root.
type TraversalKind = "express" | "express-no-fallthrough" | "http";

describe.each<TraversalKind>(["express", "express-no-fallthrough", "http"])("traversal on %s", (kind) => {
  let dir: string;
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "static-hash-traversal-"));
    const root = join(dir, "site", "static");
    mkdirSync(join(root, "css"), { recursive: true });
    writeFileSync(join(root, "css/app.css"), "foo");
    // Canaries one and two levels above the root, and a file whose literal name is an encoded dot pair.
    writeFileSync(join(dir, "site", "secret.txt"), CANARY);
    writeFileSync(join(dir, "secret.txt"), CANARY);
    const serve = serveStatic({ roots: [root] }, { fallthrough: kind !== "express-no-fallthrough" });
    if (kind === "http") {
      server = createServer((req, res) => serve(req, res));
    } else {
      const app = express();
      app.use(serve);
      app.use((_req, res) => void res.status(404).type("text/plain").send("app 404"));
      app.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(error.status ?? 500).type("text/plain").send(`refused ${error.status}`);
      });
      server = createServer(app);
    }
    origin = await listen(server);
  });
  afterAll(async () => {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  test("the served file is reachable, so refusals below are real", async () => {
    const res = await rawRequest(origin, "/css/app.css?0beec7");
    expect([res.status, res.body.toString()]).toEqual([200, "foo"]);
  });

  test(`${ATTEMPTS.length} traversal attempts are all refused with 400 or 404 and never leak the canary`, async () => {
    expect(ATTEMPTS.length).toBeGreaterThanOrEqual(20);
    const statuses: Record<string, number> = {};
    for (const path of ATTEMPTS) {
      const res = await rawRequest(origin, path);
      statuses[path] = res.status;
      expect(res.body.toString(), path).not.toContain(CANARY);
      expect(res.body.toString(), path).not.toContain("root:");
      expect([400, 404], path).toContain(res.status);
    }
    // Without fallthrough the middleware's own status shows: encoded dot pairs and separators are 400.
    if (kind !== "express") {
      for (const path of ["/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%5csecret.txt", "/..\\secret.txt", "/%00/../secret.txt", "/%c0%ae%c0%ae/secret.txt", "/%2e%2e%2"]) {
        expect(statuses[path], path).toBe(400);
      }
      expect(statuses["//etc/passwd"]).toBe(404);
      expect(statuses["/%252e%252e/secret.txt"]).toBe(404);
    }
  });

  test("generated paths of dots, separators and encodings never leak the canary", async () => {
    const token = fc.constantFrom("..", ".", "%2e", "%2E", "%252e", "/", "%2f", "%5c", "\\", "%00", "%c0%ae", "%c0%af", "secret.txt", "css", "site", "%", "%25");
    const runs = process.env.STATIC_HASH_LONG_TESTS ? 2000 : 150;
    await fc.assert(
      fc.asyncProperty(fc.array(token, { minLength: 1, maxLength: 8 }), async (tokens) => {
        const path = "/" + tokens.join("");
        const res = await rawRequest(origin, path);
        expect(res.body.toString(), path).not.toContain(CANARY);
        expect([200, 400, 404], path).toContain(res.status);
      }),
      { numRuns: runs },
    );
  });
});

describe("serveStatic over `collect` output (hashed names through the manifest), and the rewrite race", () => {
  let dir: string;
  let server: Server | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "static-hash-express-collect-"));
    mkdirSync(join(dir, "static/css"), { recursive: true });
    mkdirSync(join(dir, "static/img"), { recursive: true });
    writeFileSync(join(dir, "static/img/dot.png"), "foo");
    writeFileSync(join(dir, "static/css/app.css"), 'body { background: url("../img/dot.png"); }\n');
  });
  afterEach(async () => {
    if (server) await close(server);
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function collectAndServe(mode: "query" | "filename"): Promise<{ files: StaticFiles; origin: string; out: string }> {
    const out = join(dir, "dist");
    const result = await collect({ roots: [join(dir, "static")], out, mode });
    expect(result.problems).toEqual([]);
    const files = new StaticFiles({ manifest: result.manifestFile, watch: true });
    const app = express();
    app.use("/static", serveStatic(files));
    server = createServer(app);
    return { files, origin: await listen(server), out };
  }

  async function get(origin: string, path: string): Promise<[number, string, string | undefined]> {
    const res = await rawRequest(origin, path);
    return [res.status, res.body.toString(), res.headers["cache-control"]];
  }

  describe("serving collect output in filename mode", () => {
    test("hashed names from the manifest are immutable; the original names are revalidated", async () => {
      const { files, origin, out } = await collectAndServe("filename");
      expect(files.url("img/dot.png")).toBe(`/static/img/dot.${FOO}.png`);
      expect(await get(origin, files.url("img/dot.png"))).toEqual([200, "foo", IMMUTABLE]);
      const css = files.url("css/app.css");
      const rewritten = readFileSync(join(out, css.slice("/static/".length)), "utf8");
      expect(rewritten).toBe(`body { background: url("../img/dot.${FOO}.png"); }\n`);
      expect(await get(origin, css)).toEqual([200, rewritten, IMMUTABLE]);
      expect(await get(origin, "/static/css/app.css")).toEqual([200, 'body { background: url("../img/dot.png"); }\n', "no-cache"]);
    });

    test("a stale hashed name gets the current version, revalidated; a copy left by an older collect is never immutable", async () => {
      const { files, origin } = await collectAndServe("filename");
      expect(await get(origin, `/static/img/dot.${BAR}.png`)).toEqual([200, "foo", "no-cache"]);
      writeFileSync(join(dir, "static/img/dot.png"), "bar");
      await collect({ roots: [join(dir, "static")], out: join(dir, "dist"), mode: "filename" });
      expect(files.url("img/dot.png")).toBe(`/static/img/dot.${BAR}.png`);
      expect(await get(origin, `/static/img/dot.${BAR}.png`)).toEqual([200, "bar", IMMUTABLE]);
      expect(await get(origin, `/static/img/dot.${FOO}.png`)).toEqual([200, "foo", "no-cache"]);
      expect(await get(origin, `/static/img/dot.abcdef.png`)).toEqual([200, "bar", "no-cache"]);
      expect((await rawRequest(origin, "/static/staticfiles.json")).status).toBe(200);
      expect((await rawRequest(origin, "/static/img/nope.0beec7.png")).status).toBe(404);
    });

    test("CSS files in a cycle keep their combined-hash names immutable", async () => {
      writeFileSync(join(dir, "static/css/a.css"), '@import "b.css";\n');
      writeFileSync(join(dir, "static/css/b.css"), '@import "a.css";\n');
      const { files, origin } = await collectAndServe("filename");
      const a = files.url("css/a.css");
      expect(a).toMatch(/^\/static\/css\/a\.[0-9a-f]{6}\.css$/);
      const [status, body, cacheControl] = await get(origin, a);
      expect([status, cacheControl]).toEqual([200, IMMUTABLE]);
      expect(body).toBe(`@import "${files.url("css/b.css").slice("/static/css/".length)}";\n`);
    });
  });

  describe("serving collect output in query mode", () => {
    test("the manifest's hash is immutable when the stored copy's digest carries it", async () => {
      const { files, origin } = await collectAndServe("query");
      expect(files.url("img/dot.png")).toBe(`/static/img/dot.png?${FOO}`);
      expect(await get(origin, files.url("img/dot.png"))).toEqual([200, "foo", IMMUTABLE]);
      expect(await get(origin, `/static/img/dot.png?${BAR}`)).toEqual([200, "foo", "no-cache"]);
      expect(await get(origin, "/static/img/dot.png")).toEqual([200, "foo", "no-cache"]);
      const css = files.url("css/app.css");
      const [status, body, cacheControl] = await get(origin, css);
      expect([status, body, cacheControl]).toEqual([200, `body { background: url("../img/dot.png?${FOO}"); }\n`, IMMUTABLE]);
      expect(css).toBe(`/static/css/app.css?${hashBytes(body).slice(0, 6)}`);
    });

    test("a manifest hash that the copy's bytes do not carry is served no-cache", async () => {
      const out = join(dir, "hand");
      mkdirSync(out);
      writeFileSync(join(out, "x.txt"), "foo");
      writeFileSync(join(out, "staticfiles.json"), JSON.stringify({ version: "1.0", paths: { "x.txt": `x.txt?${BAR}` } }));
      const files = new StaticFiles({ manifest: join(out, "staticfiles.json") });
      server = createServer(serveStatic(files));
      const origin = await listen(server);
      expect(files.url("x.txt")).toBe(`/static/x.txt?${BAR}`);
      expect(await get(origin, `/x.txt?${BAR}`)).toEqual([200, "foo", "no-cache"]);
      expect(await get(origin, `/x.txt?${FOO}`)).toEqual([200, "foo", "no-cache"]);
    });
  });

  describe("a manifest that cannot be read", () => {
    test("is a 500 that names it, never a file served without its rules", async () => {
      const out = join(dir, "hand");
      mkdirSync(out);
      writeFileSync(join(out, "x.txt"), "foo");
      const manifest = join(out, "staticfiles.json");
      writeFileSync(manifest, JSON.stringify({ version: "1.0", paths: { "x.txt": "x.0beec7.txt" } }));
      const files = new StaticFiles({ manifest, watch: true });
      const app = express();
      app.use(serveStatic(files));
      const seen: string[] = [];
      app.use((error: Error & { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        seen.push(error.message);
        res.status(error.status ?? 500).end();
      });
      server = createServer(app);
      const origin = await listen(server);
      expect(await get(origin, "/x.txt")).toEqual([200, "foo", "no-cache"]);
      writeFileSync(manifest, "{ not json");
      expect((await rawRequest(origin, "/x.txt")).status).toBe(500);
      expect(seen).toEqual([expect.stringContaining(`The manifest ${manifest} is not valid JSON`)]);
    });
  });

  describe("a file rewritten while it is served", () => {
    test("in place, mid-body: the response is cut short instead of finishing as immutable", async () => {
      // Larger than every socket buffer: the server cannot have read it all while the client does not read.
      const size = 32 * 1024 * 1024;
      const file = join(dir, "static/big.bin");
      writeFileSync(file, Buffer.alloc(size, "a"));
      const files = new StaticFiles({ roots: [join(dir, "static")] });
      server = createServer(serveStatic(files));
      const origin = await listen(server);
      const outcome = await new Promise<{ cacheControl: string | undefined; received: number; complete: boolean }>((resolve, reject) => {
        const req = request(`${origin}${files.url("big.bin").slice("/static".length)}`, { agent: false }, (res) => {
          res.pause();
          // Same size, same inode, new bytes: only the digest of the streamed body can tell.
          const fd = openSync(file, "r+");
          writeSync(fd, Buffer.alloc(size, "b"), 0, size, 0);
          closeSync(fd);
          let received = 0;
          res.on("data", (chunk: Buffer) => (received += chunk.length));
          res.on("error", () => undefined);
          res.on("close", () => resolve({ cacheControl: res.headers["cache-control"], received, complete: res.complete }));
          res.resume();
        });
        req.on("error", reject);
        req.end();
      });
      expect(outcome.cacheControl).toBe(IMMUTABLE);
      expect(outcome.complete).toBe(false);
      expect(outcome.received).toBeLessThan(size);
    });

    test("is never sent as immutable with bytes other than the hashed ones", async () => {
      const size = 300_000; // several read chunks
      const file = join(dir, "static/big.bin");
      const a = Buffer.alloc(size, "a");
      writeFileSync(file, a);
      const files = new StaticFiles({ roots: [join(dir, "static")] });
      const url = files.url("big.bin").slice("/static".length);
      server = createServer(serveStatic(files));
      const origin = await listen(server);
      const requests = process.env.STATIC_HASH_LONG_TESTS ? 1500 : 150;
      // A separate process flips the file between two same-size contents, in place and by rename.
      const writer = spawn(process.execPath, [
        "-e",
        `const fs = require("fs"); const f = ${JSON.stringify(file)}; const bufs = [Buffer.alloc(${size}, "a"), Buffer.alloc(${size}, "b")];
       const pause = new Int32Array(new SharedArrayBuffer(4)); let i = 0; process.stdout.write("ready\\n");
       for (;;) { Atomics.wait(pause, 0, 0, 2); const b = bufs[i++ % 2]; if (i % 4 < 2) fs.writeFileSync(f, b); else { fs.writeFileSync(f + ".tmp", b); fs.renameSync(f + ".tmp", f); } }`,
      ]);
      await new Promise((resolve) => writer.stdout.once("data", resolve));
      const seen = { immutableA: 0, revalidated: 0, cutShort: 0 };
      try {
        for (let i = 0; i < requests; i++) {
          let res: RawResponse | undefined;
          try {
            res = await rawRequest(origin, url);
          } catch {
            seen.cutShort++; // connection ended before any response: nothing cacheable
            continue;
          }
          if (!res.complete || res.body.length !== Number(res.headers["content-length"])) {
            seen.cutShort++;
            continue;
          }
          if (res.headers["cache-control"] === IMMUTABLE) {
            expect(res.body.equals(a), `immutable response ${i} carries other bytes`).toBe(true);
            seen.immutableA++;
          } else {
            expect(res.headers["cache-control"]).toBe("no-cache");
            seen.revalidated++;
          }
        }
      } finally {
        writer.kill();
      }
      expect(seen.immutableA + seen.revalidated + seen.cutShort).toBe(requests);
      console.log(`rewrite race over ${requests} requests: ${JSON.stringify(seen)}`);
    });
  });
});

// The server conformance suite (test/conformance/servers.ts) on Express 5 and on Express 4 (the `express4` alias), mounted at /static.
for (const [name, expressVersion] of [
  ["Express 5", express],
  ["Express 4", express4 as unknown as typeof express],
] as const) {
  testServer({
    name,
    otherMethodStatus: 404,
    async start(files, options) {
      const app = expressVersion();
      app.use("/static", serveStatic(files, options));
      app.use((_req, res) => void res.status(404).type("text/plain").send("app 404"));
      app.use((error: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(error.status ?? 500).type("text/plain").send(`refused ${error.status}`);
      });
      const server = createServer(app);
      const origin = await listen(server);
      return { origin, close: () => close(server) };
    },
  });
}
