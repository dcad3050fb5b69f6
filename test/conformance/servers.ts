/**
 * The HTTP conformance suite every server adapter passes (plain http, Express 4 and 5, Fastify, Koa,
 * Hono): real files in temp folders, real HTTP on 127.0.0.1. A test file calls `testServer(driver)`
 * with a driver that starts its server, and may add its own tests through `additionalTests`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { connect, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { collect } from "../../src/collect/index.js";
import { StaticFiles, type StaticFilesOptions } from "../../src/index.js";
import { hashBytes } from "../../src/core/hash.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";
import { rawRequest, type RawResponse } from "../serve/http-client.js";
import { ATTEMPTS, CANARY } from "../serve/traversal-attempts.js";

export const IMMUTABLE = "public, max-age=31536000, immutable";
/** sha1("foo") and sha1("bar") cut to 6: the original tag's test vectors. */
export const FOO = "0beec7";
export const BAR = "62cdb7";
const h6 = (content: string | Uint8Array) => hashBytes(content).slice(0, 6);

export interface RunningServer {
  readonly origin: string;
  close(): Promise<void>;
}

export interface ServerDriver {
  readonly name: string;
  /**
   * Serves `files` under `/static/` (the path of their baseUrl), with the adapter's options; every
   * request the adapter passes on gets the app's own plain-text `app 404`.
   */
  start(files: StaticFiles, options?: { fallthrough?: boolean }): Promise<RunningServer>;
  /** The status of a POST under /static/ (405 where the adapter answers it itself, else the app's 404). */
  readonly otherMethodStatus: number;
}

export interface ConformanceContext {
  /** Starts the driver's server; it is closed after the test. */
  start(files: StaticFiles, options?: { fallthrough?: boolean }): Promise<string>;
  /** A temp root holding `files`. */
  root(files: Record<string, string | Uint8Array>): string;
}

/** Runs the suite against `driver`; `additionalTests` adds the server's own tests with the same helpers. */
export function testServer(driver: ServerDriver, additionalTests?: (context: ConformanceContext) => void): void {
  const running: RunningServer[] = [];
  const context: ConformanceContext = {
    async start(files, options) {
      const server = await driver.start(files, options);
      running.push(server);
      return server.origin;
    },
    root(files) {
      const dir = tempFolder("conformance");
      chmodSync(dir, 0o755);
      return writeTree(dir, files);
    },
  };
  const { start, root } = context;
  const site = () => root({ "css/app.css": "foo", "app.js": "bar", "digits.txt": "0123456789", "a b&c.css": "foo", ".env": "SECRET=1", "img/logo.cafe.png": "looks hashed" });
  const files = (options: StaticFilesOptions) => new StaticFiles(options);
  const get = async (origin: string, path: string, headers?: Record<string, string>, method?: string) => {
    const res = await rawRequest(origin, path, { headers, method });
    return res;
  };
  const summary = (res: RawResponse) => [res.status, res.body.toString(), res.headers["cache-control"]];

  describe(`${driver.name}: static-hash server conformance`, () => {
    afterEach(async () => {
      await Promise.all(running.splice(0).map((server) => server.close()));
    });
    afterAll(removeTempFolders);

    test("query mode: a matching hash is immutable, with the file's body, type and length", async () => {
      const staticFiles = files({ roots: [site()] });
      const origin = await start(staticFiles);
      expect(staticFiles.url("css/app.css")).toBe(`/static/css/app.css?${FOO}`);
      const res = await get(origin, staticFiles.url("css/app.css"));
      expect([...summary(res), res.headers["content-type"], res.headers["content-length"]]).toEqual([200, "foo", IMMUTABLE, "text/css; charset=utf-8", "3"]);
      expect((await get(origin, `/static/css/app.css?v=1&${FOO}`)).headers["cache-control"]).toBe(IMMUTABLE);
      const encoded = await get(origin, staticFiles.url("a b&c.css"));
      expect(summary(encoded)).toEqual([200, "foo", IMMUTABLE]);
    });

    test("no hash, a stale hash or a hash of the wrong length: no-cache with ETag and Last-Modified", async () => {
      const dir = site();
      const origin = await start(files({ roots: [dir] }));
      for (const path of ["/static/css/app.css", `/static/css/app.css?${BAR}`, "/static/css/app.css?0beec", `/static/css/app.css?${FOO}&v=1`]) {
        const res = await get(origin, path);
        expect(summary(res), path).toEqual([200, "foo", "no-cache"]);
        expect(res.headers.etag, path).toMatch(/^W\/"3-/);
        expect(res.headers["last-modified"], path).toBe(statSync(join(dir, "css/app.css")).mtime.toUTCString());
      }
    });

    test("filename mode: x.<h>.ext is served from x.ext, immutable only while the hash matches", async () => {
      const staticFiles = files({ roots: [site()], mode: "filename" });
      const origin = await start(staticFiles);
      expect(staticFiles.url("css/app.css")).toBe(`/static/css/app.${FOO}.css`);
      const hashed = await get(origin, staticFiles.url("css/app.css"));
      expect([...summary(hashed), hashed.headers["content-type"]]).toEqual([200, "foo", IMMUTABLE, "text/css; charset=utf-8"]);
      expect(summary(await get(origin, `/static/css/app.${BAR}.css`))).toEqual([200, "foo", "no-cache"]);
      expect(summary(await get(origin, "/static/img/logo.cafe.png"))).toEqual([200, "looks hashed", "no-cache"]);
      expect((await get(origin, `/static/css/gone.${FOO}.css`)).status).toBe(404);
    });

    test("an edit under watch: the old hash is revalidated, the new one immutable", async () => {
      const dir = site();
      const staticFiles = files({ roots: [dir], watch: true });
      const origin = await start(staticFiles);
      const old = staticFiles.url("css/app.css");
      expect((await get(origin, old)).headers["cache-control"]).toBe(IMMUTABLE);
      const file = join(dir, "css/app.css");
      writeFileSync(file, "bar");
      const later = new Date(statSync(file).mtimeMs + 5_000);
      utimesSync(file, later, later);
      expect(summary(await get(origin, old))).toEqual([200, "bar", "no-cache"]);
      expect(staticFiles.url("css/app.css")).toBe(`/static/css/app.css?${BAR}`);
      expect(summary(await get(origin, staticFiles.url("css/app.css")))).toEqual([200, "bar", IMMUTABLE]);
    });

    test.each(["filename", "query"] as const)("a collected folder (%s mode): the manifest's names are immutable, stale ones revalidated", async (mode) => {
      const source = root({ "img/dot.png": "foo", "css/app.css": 'body { background: url("../img/dot.png"); }\n' });
      const out = join(tempFolder("conformance-out"), "static");
      const result = await collect({ roots: [source], out, mode });
      expect(result.problems).toEqual([]);
      const staticFiles = files({ manifest: result.manifestFile });
      const origin = await start(staticFiles);
      const css = staticFiles.url("css/app.css");
      const cssFile = mode === "filename" ? css.slice("/static/".length) : "css/app.css";
      const rewritten = readFileSync(join(out, cssFile), "utf8");
      expect(rewritten).toContain(mode === "filename" ? `dot.${FOO}.png` : `dot.png?${FOO}`);
      expect(summary(await get(origin, css))).toEqual([200, rewritten, IMMUTABLE]);
      expect(summary(await get(origin, staticFiles.url("img/dot.png")))).toEqual([200, "foo", IMMUTABLE]);
      expect((await get(origin, "/static/img/dot.png")).headers["cache-control"]).toBe("no-cache");
      const stale = mode === "filename" ? `/static/img/dot.${BAR}.png` : `/static/img/dot.png?${BAR}`;
      expect(summary(await get(origin, stale))).toEqual([200, "foo", "no-cache"]);
    });

    test("conditional requests: 304 with the same cache rule, 412 for failed preconditions", async () => {
      const origin = await start(files({ roots: [site()] }));
      const first = await get(origin, `/static/css/app.css?${FOO}`);
      const etag = String(first.headers.etag);
      const byEtag = await get(origin, `/static/css/app.css?${FOO}`, { "If-None-Match": etag });
      expect([byEtag.status, byEtag.body.length, byEtag.headers["cache-control"], byEtag.headers.etag]).toEqual([304, 0, IMMUTABLE, etag]);
      const plain = await get(origin, "/static/css/app.css", { "If-None-Match": etag });
      expect([plain.status, plain.headers["cache-control"]]).toEqual([304, "no-cache"]);
      expect((await get(origin, "/static/css/app.css", { "If-Modified-Since": String(first.headers["last-modified"]) })).status).toBe(304);
      expect(summary(await get(origin, "/static/css/app.css", { "If-None-Match": 'W/"3-nope"' }))).toEqual([200, "foo", "no-cache"]);
      expect((await get(origin, "/static/css/app.css", { "If-Match": '"other"' })).status).toBe(412);
      expect((await get(origin, "/static/css/app.css", { "If-Unmodified-Since": new Date(0).toUTCString() })).status).toBe(412);
      expect((await get(origin, "/static/css/app.css", { "If-Match": etag })).status).toBe(200);
    });

    test("range requests: 206 of the part, immutable only when proven; 416 beyond the end", async () => {
      const staticFiles = files({ roots: [site()] });
      const origin = await start(staticFiles);
      const url = staticFiles.url("digits.txt");
      const part = await get(origin, url, { Range: "bytes=2-4" });
      expect([...summary(part), part.headers["content-range"], part.headers["content-length"]]).toEqual([206, "234", IMMUTABLE, "bytes 2-4/10", "3"]);
      expect(summary(await get(origin, "/static/digits.txt?000000", { Range: "bytes=-3" }))).toEqual([206, "789", "no-cache"]);
      const beyond = await get(origin, url, { Range: "bytes=20-30" });
      expect([beyond.status, beyond.headers["content-range"]]).toEqual([416, "bytes */10"]);
      // If-Range with another validator: the whole file.
      expect(summary(await get(origin, url, { Range: "bytes=2-4", "If-Range": '"other"' }))).toEqual([200, "0123456789", IMMUTABLE]);
    });

    test("a file larger than the kept size streams: whole and proven it is immutable, a part of it is revalidated", async () => {
      const big = Buffer.alloc(1_500_000);
      for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
      const staticFiles = files({ roots: [root({ "video.bin": big })] });
      const origin = await start(staticFiles);
      const whole = await get(origin, staticFiles.url("video.bin"));
      expect([whole.status, whole.complete, whole.body.equals(big), whole.headers["cache-control"], whole.headers["content-length"]]).toEqual([200, true, true, IMMUTABLE, "1500000"]);
      const part = await get(origin, staticFiles.url("video.bin"), { Range: "bytes=1000000-1000099" });
      expect([part.status, part.body.equals(big.subarray(1_000_000, 1_000_100)), part.headers["cache-control"], part.headers["content-range"]]).toEqual([206, true, "no-cache", "bytes 1000000-1000099/1500000"]);
    });

    test("HEAD sends the headers without a body; other methods are never served", async () => {
      const staticFiles = files({ roots: [site()] });
      const origin = await start(staticFiles);
      const head = await get(origin, staticFiles.url("css/app.css"), undefined, "HEAD");
      expect([head.status, head.body.length, head.headers["content-length"], head.headers["cache-control"], head.headers["content-type"]]).toEqual([200, 0, "3", IMMUTABLE, "text/css; charset=utf-8"]);
      for (const method of ["POST", "PUT", "DELETE"]) {
        const res = await get(origin, "/static/css/app.css", undefined, method);
        expect(res.status, method).toBe(driver.otherMethodStatus);
        expect(res.body.toString(), method).not.toBe("foo");
      }
    });

    test("missing files, dotfiles and directories are passed on to the app", async () => {
      const origin = await start(files({ roots: [site()] }));
      for (const path of ["/static/nope.css", "/static/.env", "/static/css", "/static/css/", `/static/nope.${FOO}.css`]) {
        const res = await get(origin, path);
        expect([res.status, res.body.toString()], path).toEqual([404, "app 404"]);
      }
    });

    test("without fallthrough the adapter answers 404 and 400 itself", async () => {
      const origin = await start(files({ roots: [site()] }), { fallthrough: false });
      expect((await get(origin, "/static/nope.css")).status).toBe(404);
      // An encoded separator survives every router's normalisation and reaches the adapter.
      expect((await get(origin, "/static/css%2fapp.css")).status).toBe(400);
      expect(summary(await get(origin, `/static/css/app.css?${FOO}`))).toEqual([200, "foo", IMMUTABLE]);
    });

    test(`traversal: ${ATTEMPTS.length} attempts in every encoding are refused and never leak the canary`, async () => {
      const base = tempFolder("conformance-traversal");
      const dir = join(base, "site", "static");
      writeTree(dir, { "css/app.css": "foo" });
      writeFileSync(join(base, "site", "secret.txt"), CANARY);
      writeFileSync(join(base, "secret.txt"), CANARY);
      const origin = await start(files({ roots: [dir] }));
      expect(summary(await get(origin, `/static/css/app.css?${FOO}`))).toEqual([200, "foo", IMMUTABLE]);
      for (const attempt of ATTEMPTS) {
        const path = attempt.startsWith("/") ? "/static" + attempt : attempt;
        const res = await get(origin, path);
        expect(res.body.toString(), path).not.toContain(CANARY);
        expect(res.body.toString(), path).not.toContain("root:");
        expect([400, 404], path).toContain(res.status);
      }
    });

    test("a file that loops or cannot be read is a 4xx without a path", async () => {
      const dir = site();
      symlinkSync("loop.css", join(dir, "css/loop.css"));
      writeFileSync(join(dir, "secret.css"), "foo");
      chmodSync(join(dir, "secret.css"), 0o000);
      const origin = await start(files({ roots: [dir] }));
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        process.setegid!(65534);
        process.seteuid!(65534);
      }
      try {
        for (const path of ["/static/css/loop.css", `/static/css/loop.css?${FOO}`, `/static/secret.css?${FOO}`, "/static/secret.css"]) {
          const res = await get(origin, path);
          expect([403, 404], path).toContain(res.status);
          expect(res.body.toString(), path).not.toContain(dir);
        }
      } finally {
        if (asRoot) {
          process.seteuid!(0);
          process.setegid!(0);
        }
      }
    });

    test("an absolute-form request line is served as its origin form", async () => {
      const staticFiles = files({ roots: [site()] });
      const origin = await start(staticFiles);
      const socket = connect(Number(new URL(origin).port), "127.0.0.1");
      socket.write(`GET http://example.com${staticFiles.url("css/app.css")} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`);
      let raw = "";
      socket.setEncoding("latin1");
      socket.on("data", (chunk: string) => (raw += chunk));
      await once(socket, "close");
      expect(raw).toMatch(/^HTTP\/1\.1 200 /);
      expect(raw).toMatch(/\r\ncache-control: public, max-age=31536000, immutable\r\n/i);
      expect(raw.endsWith("\r\n\r\nfoo")).toBe(true);
    });

    test("races: files rewritten in place and renamed over while served give no 5xx and no immutable response with other bytes", { timeout: 60_000 }, async () => {
      const versions = (i: number) => [Buffer.alloc(20_000 + i * 30_000, `file ${i} first\n`), Buffer.alloc(50_000 + i * 20_000, `file ${i} SECOND\n`)];
      const names = ["a.css", "b.css", "c.js", "d.js"];
      const dir = root(Object.fromEntries(names.map((name, i) => [name, versions(i)[0]])));
      const staticFiles = files({ roots: [dir] });
      const origin = await start(staticFiles);
      const writer = spawn(
        process.execPath,
        [
          "-e",
          `const fs = require("fs"), path = require("path");
          const [dir, ...names] = process.argv.slice(1);
          const versions = (i) => [Buffer.alloc(20000 + i * 30000, "file " + i + " first\\n"), Buffer.alloc(50000 + i * 20000, "file " + i + " SECOND\\n")];
          let n = 0, stop = false; process.on("SIGTERM", () => (stop = true));
          (async () => { while (!stop) { const i = n % names.length, bytes = versions(i)[Math.floor(n / names.length) % 2], file = path.join(dir, names[i]);
            if (i % 2) { fs.writeFileSync(file + ".tmp", bytes); fs.renameSync(file + ".tmp", file); }
            else { const fd = fs.openSync(file, "r+"); fs.writeSync(fd, bytes, 0, bytes.length, 0); fs.ftruncateSync(fd, bytes.length); fs.closeSync(fd); }
            if (++n % 10 === 0) await new Promise((r) => setImmediate(r)); } process.stdout.write(String(n)); })();`,
          dir,
          ...names,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      let writes = "";
      writer.stdout!.on("data", (chunk) => (writes += chunk));
      const exited = once(writer, "exit");
      const tally = { immutable: 0, serverErrors: 0, wrong: 0 };
      const problems: string[] = [];
      let next = 0;
      const REQUESTS = process.env.STATIC_HASH_LONG_TESTS ? 2000 : 300;
      const client = async () => {
        while (next < REQUESTS) {
          const n = next++;
          const i = n % names.length;
          const version = versions(i)[Math.floor(n / names.length) % 2];
          const range = n % 3 === 0 ? { start: 100, end: 199 } : undefined;
          const res = await rawRequest(origin, `/static/${names[i]}?${h6(version)}`, range ? { headers: { Range: `bytes=${range.start}-${range.end}` } } : {}).catch(() => undefined);
          if (!res || !res.complete) continue;
          if (res.status >= 500) {
            tally.serverErrors++;
            problems.push(`${res.status} for ${names[i]}`);
          } else if (String(res.headers["cache-control"]).includes("immutable")) {
            tally.immutable++;
            const expected = res.status === 206 && range ? version.subarray(range.start, range.end + 1) : version;
            if (!res.body.equals(expected)) {
              tally.wrong++;
              problems.push(`immutable ${res.status} for ${names[i]} with other bytes`);
            }
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: 10 }, client));
      } finally {
        writer.kill("SIGTERM");
        await exited;
      }
      expect(Number(writes)).toBeGreaterThan(10);
      expect(problems.slice(0, 5)).toEqual([]);
      expect(tally.immutable).toBeGreaterThan(0);
    });

    if (additionalTests) additionalTests(context);
  });
}

/** The port of a listening node server, as an origin. */
export function originOf(address: AddressInfo | string | null): string {
  return `http://127.0.0.1:${(address as AddressInfo).port}`;
}


/** A page rendered by the server links the stylesheet by its hashed URL, and that URL is served immutable. */
export async function expectPageLinksImmutableCss(origin: string, page: string, expectedHref: string): Promise<void> {
  const res = await rawRequest(origin, page);
  expect(res.status, page).toBe(200);
  expect(String(res.headers["content-type"])).toMatch(/^text\/html/);
  const href = /<link rel="stylesheet" href="([^"]+)">/.exec(res.body.toString())?.[1];
  expect(href).toBe(expectedHref);
  const css = await rawRequest(origin, href!.replaceAll("&amp;", "&"));
  expect([css.status, css.body.toString(), css.headers["cache-control"]]).toEqual([200, "foo", IMMUTABLE]);
}

/** Templates that link css/app.css: Nunjucks (`page.njk`) and Handlebars (`page.hbs`), in a temp folder. */
export function templateFolder(): string {
  return writeTree(tempFolder("conformance-views"), {
    "page.njk": '<!doctype html><title>{{ title }}</title><link rel="stylesheet" href="{% static "css/app.css" %}">\n',
    "page.hbs": '<!doctype html><title>{{title}}</title><link rel="stylesheet" href="{{static "css/app.css"}}">\n',
  });
}
