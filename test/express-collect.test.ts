/** serveStatic over `collect` output (hashed names through the manifest), and the rewrite race. */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { collect } from "../src/collect/index.js";
import { serveStatic } from "../src/express.js";
import { StaticFiles } from "../src/index.js";
import { hashBytes } from "../src/core/hash.js";
import { close, listen, rawRequest, type RawResponse } from "./serve/http-client.js";

const FOO = "0beec7";
const BAR = "62cdb7";
const IMMUTABLE = "public, max-age=31536000, immutable";

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
