import fs, { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { serveStatic, type ServeStaticOptions } from "../src/express.js";
import { StaticFiles, type StaticFilesOptions } from "../src/index.js";
import { hashBytes } from "../src/core/hash.js";
import { close, listen, rawRequest } from "./serve/http-client.js";

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
    expect(() => serveStatic({ roots: [site.root] }, { dotfiles: "allow" } as ServeStaticOptions)).toThrow(/does not know the option `dotfiles`; it takes `fallthrough`, `maxAge`, `index`/);
    expect(() => serveStatic({ roots: [site.root] }, { index: "index.html" } as unknown as ServeStaticOptions)).toThrow(/never serves directories/);
    expect(serveStatic({ roots: [site.root] }, { index: false })).toBeTypeOf("function");
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
