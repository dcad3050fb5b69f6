// serveStatic under load on 127.0.0.1 while another process rewrites the files in a loop (by rename, in
// place with and without truncation, and by delete/recreate): no 5xx, and every response sent as
// immutable (200 or 206) holds exactly the bytes its URL's hash names.
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { request as httpRequest, Agent } from "node:http";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { serveStatic } from "../../src/express.js";
import { StaticFiles } from "../../src/index.js";
import { hashBytes } from "../../src/core/hash.js";
import { unhashPath } from "../../src/core/names.js";
import { rawRequest, type RawResponse } from "../serve/http-client.js";

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);
const REQUESTS = LONG ? 4_000 : 2_000;
const CONCURRENCY = 50;
const VERSIONS = 3;
const made: string[] = [];
const report: string[] = [];

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  for (const line of report) console.info(line);
});

/** Version `v` of file `i`: sizes from 1 KB to about 600 KB, so some reads span many chunks. */
function content(i: number, v: number): Buffer {
  const size = 1024 * (1 + ((i * 97) % 600));
  return Buffer.alloc(size, `file ${i} version ${v}\n`);
}

const FILES = 12;
// Paths that try to leave the root or smuggle a name: each must be 400 or 404, never a file.
const HOSTILE_PATHS: Array<(name: string) => string> = [
  (name) => "/../" + name,
  () => "/%2e%2e/%2e%2e/etc/passwd",
  (name) => "/..%5c" + name,
  (name) => `/${name}%00.png`,
  (name) => "/" + name + "/",
  (name) => "//" + name,
  () => "/%2e%2e%2f..%2fsecret.txt",
  () => "/..\\secret.txt",
];
// How file i changes: replaced by rename (as deploys and collect do), rewritten in place by a truncating
// write (as editors do), overwritten in place (open r+, write, ftruncate), or deleted and recreated.
const CHANGE = ["rename", "truncating write", "in place", "delete/recreate"] as const;
const changeOf = (i: number) => CHANGE[i % CHANGE.length];
const fileName = (i: number) => `asset-${i}${i % 2 === 0 ? ".js" : ".css"}`;

describe.each(["query", "filename"] as const)("serveStatic (%s mode) under load while files are rewritten", (mode) => {
  test(`${REQUESTS} requests, ${CONCURRENCY} at a time: no 5xx, immutable bytes always match the URL's hash`, { timeout: 240_000 }, async () => {
    const root = fs.mkdtempSync(join(tmpdir(), "static-hash-load-"));
    made.push(root);
    for (let i = 0; i < FILES; i++) fs.writeFileSync(join(root, fileName(i)), content(i, 0));
    const versionHashes = Array.from({ length: FILES }, (_, i) => Array.from({ length: VERSIONS }, (_, v) => hashBytes(content(i, v)).slice(0, 6)));

    const files = new StaticFiles({ roots: [root], mode, watch: true });
    const app = express();
    app.use("/static", serveStatic(files));
    const server = createServer(app);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // The writer: rewrites one file after another until told to stop, then prints how many writes it made.
    const writer = spawn(
      process.execPath,
      [
        "-e",
        `
        const fs = require("fs");
        const path = require("path");
        const [root, count, versions] = process.argv.slice(1).map((a, i) => (i ? Number(a) : a));
        const content = (i, v) => Buffer.alloc(1024 * (1 + ((i * 97) % 600)), "file " + i + " version " + v + "\\n");
        const name = (i) => "asset-" + i + (i % 2 === 0 ? ".js" : ".css");
        let writes = 0, stop = false;
        process.on("SIGTERM", () => { stop = true; });
        const pause = new Int32Array(new SharedArrayBuffer(4));
        (async () => {
          while (!stop) {
            const i = writes % count, v = Math.floor(Math.random() * versions), file = path.join(root, name(i));
            const bytes = content(i, v);
            if (i % 4 === 0) { fs.writeFileSync(file + ".tmp", bytes); fs.renameSync(file + ".tmp", file); }
            else if (i % 4 === 1) fs.writeFileSync(file, bytes);
            else if (i % 4 === 2) { const fd = fs.openSync(file, "r+"); fs.writeSync(fd, bytes, 0, bytes.length, 0); fs.ftruncateSync(fd, bytes.length); fs.closeSync(fd); }
            else { fs.unlinkSync(file); fs.writeFileSync(file, bytes); }
            writes++;
            Atomics.wait(pause, 0, 0, 4);
            await new Promise((resolve) => setImmediate(resolve));
          }
          process.stdout.write(String(writes));
        })();
        `,
        root,
        String(FILES),
        String(VERSIONS),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let writerOutput = "";
    writer.stdout!.on("data", (chunk) => (writerOutput += chunk));
    const writerDone = once(writer, "exit");

    const tally = { served: 0, immutable: 0, immutableRanges: 0, revalidate: 0, notFound: 0, notFoundUndeleted: 0, hostile: 0, aborted: 0, abortedRenamed: 0, serverErrors: 0, mismatches: 0 };
    const problems: string[] = [];

    /** A request: the current URL from the core, a URL with any version's hash, or a hostile path. */
    function pickUrl(n: number): string {
      const i = n % FILES;
      const name = fileName(i);
      const choice = n % 10;
      if (choice < 5) {
        try {
          return origin + files.url(name);
        } catch {
          // The core may catch a file between truncate and write: ask with a known version's hash instead.
        }
      }
      if (choice === 9) return origin + "/static" + HOSTILE_PATHS[n % HOSTILE_PATHS.length](name);
      const hash = versionHashes[i][n % VERSIONS];
      return origin + (mode === "query" ? `/static/${name}?${hash}` : `/static/${name.replace(/\.(js|css)$/, `.${hash}.$1`)}`);
    }

    /** The hash a URL carries, as the middleware reads it. */
    function hashInUrl(url: string): string {
      const parsed = new URL(url, origin);
      if (mode === "query") return parsed.search.slice(1).split("&").pop() ?? "";
      return unhashPath(parsed.pathname.slice("/static/".length))?.hash ?? "";
    }

    let next = 0;
    async function client() {
      while (next < REQUESTS) {
        const n = next++;
        const url = pickUrl(n);
        // Sent as written: hostile paths reach the server without a client normalising them.
        const path = url.slice(origin.length);
        // Every third request asks for a part, as media players and resumed downloads do.
        const range = n % 3 === 1 ? { start: (n * 37) % 900, end: ((n * 37) % 900) + 99 } : undefined;
        const renamed = changeOf(n % FILES) === "rename";
        let response: RawResponse;
        try {
          response = await rawRequest(origin, path, range ? { headers: { Range: `bytes=${range.start}-${range.end}` } } : {});
        } catch (error) {
          // Destroyed before its headers (bytes that stopped matching, or more of them than declared): a cut response.
          if (/socket hang up|ECONNRESET/.test((error as Error).message)) {
            tally.served++;
            tally.aborted++;
            if (renamed) tally.abortedRenamed++;
          } else problems.push(`request ${path} failed: ${(error as Error).message}`);
          continue;
        }
        tally.served++;
        if (response.status >= 500) {
          tally.serverErrors++;
          problems.push(`${response.status} for ${path}`);
          continue;
        }
        if (!response.complete) {
          // The middleware cuts a response whose bytes stopped matching mid-stream: no cache keeps a cut response.
          tally.aborted++;
          if (renamed) tally.abortedRenamed++;
          continue;
        }
        if (path.startsWith("/static") && /\.\.|%2e|%00|\/\/|\/$/i.test(path)) {
          tally.hostile++;
          if (response.status !== 400 && response.status !== 404) problems.push(`${response.status} for hostile ${path}`);
          continue;
        }
        if (response.status === 404) {
          tally.notFound++;
          // Only a file being deleted and recreated may be missing for a moment.
          if (changeOf(n % FILES) !== "delete/recreate") tally.notFoundUndeleted++;
        }
        const cacheControl = String(response.headers["cache-control"] ?? "");
        const i = n % FILES;
        if (cacheControl.includes("immutable")) {
          tally.immutable++;
          const expected = hashInUrl(path);
          // The version the URL's hash names, whole, or the part asked for.
          const named = Array.from({ length: VERSIONS }, (_, v) => content(i, v)).find((version) => hashBytes(version).startsWith(expected));
          const wanted = named && (response.status === 206 && range ? named.subarray(range.start, range.end + 1) : named);
          if (response.status === 206) tally.immutableRanges++;
          if (![200, 206].includes(response.status) || expected === "" || !wanted || !wanted.equals(response.body) || (response.status === 206) !== Boolean(range)) {
            tally.mismatches++;
            problems.push(`immutable ${response.status} for ${path}${range ? ` (bytes ${range.start}-${range.end})` : ""} holds ${response.body.length} bytes hashing to ${hashBytes(response.body).slice(0, 6)}`);
          }
        } else if (response.status === 200) {
          tally.revalidate++;
          // A file replaced by rename is read from one inode: a revalidated response too holds one whole version.
          if (changeOf(i) === "rename" && !Array.from({ length: VERSIONS }, (_, v) => content(i, v)).some((version) => version.equals(response.body))) {
            problems.push(`no-cache 200 for ${path} holds bytes of no single version`);
          }
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, client));

    writer.kill("SIGTERM");
    await writerDone;
    server.close();
    await once(server, "close");
    const writes = Number(writerOutput);

    report.push(
      `server-load (${mode} mode): ${REQUESTS} requests, ${CONCURRENCY} concurrent, ${writes} rewrites meanwhile; ` +
        `${tally.served} answered (${tally.immutable} immutable of which ${tally.immutableRanges} 206, ${tally.revalidate} no-cache 200, ${tally.notFound} 404, ${tally.hostile} hostile paths refused), ` +
        `${tally.aborted} cut mid-stream (${tally.abortedRenamed} of files replaced by rename), ${tally.serverErrors} 5xx, ${tally.mismatches} immutable mismatches`,
    );
    expect(problems).toEqual([]);
    expect(tally.serverErrors).toBe(0);
    expect(tally.mismatches).toBe(0);
    // A rename gives a whole version of the same size: it may cost immutability, never the response.
    expect(tally.abortedRenamed).toBe(0);
    expect(tally.served).toBe(REQUESTS);
    // The run proves something only if files changed under it and immutable responses were checked.
    expect(writes).toBeGreaterThan(FILES);
    expect(tally.immutable).toBeGreaterThan(REQUESTS / 20);
    expect(tally.hostile).toBeGreaterThan(REQUESTS / 20);
    expect(tally.immutableRanges).toBeGreaterThan(0);
    expect(tally.notFoundUndeleted).toBe(0);
  });
});

/**
 * serveStatic over plain http on a new root holding `files`, with `onStat` run on every file the serving
 * core stats, after the stat and before the core sees it: the moment an editor's save can land.
 */
async function serveWithStatHook(files: Record<string, string>, onStat: (file: string, stats: fs.Stats) => void) {
  const root = fs.mkdtempSync(join(tmpdir(), "static-hash-stat-hook-"));
  made.push(root);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(join(root, name), content);
  const serve = serveStatic(new StaticFiles({ roots: [root] }));
  const server = createServer((req, res) => serve(req, res));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const stat = fs.promises.stat;
  vi.spyOn(fs.promises, "stat").mockImplementation((async (path: fs.PathLike, ...rest: unknown[]) => {
    const stats = await (stat as (...args: unknown[]) => Promise<fs.Stats>)(path, ...rest);
    onStat(String(path), stats);
    return stats;
  }) as typeof fs.promises.stat);
  // The core imports stat from node:fs/promises: make the ESM binding see the spy.
  syncBuiltinESMExports();
  return { server, port: (server.address() as AddressInfo).port };
}

describe("a file rewritten in place between the core's stat and its read", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    syncBuiltinESMExports();
  });

  test("empty when stat'ed, full when read: never more bytes than Content-Length, the next response on the socket intact", async () => {
    // The editor's save lands right after the core's stat of the empty file (send and serve-static then read one byte past Content-Length).
    const { server, port } = await serveWithStatHook({ "app.css": "", "other.css": "foo" }, (file, stats) => {
      if (file.endsWith("app.css") && stats.size === 0) fs.writeFileSync(file, "now full");
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status: number; length: number; body: string } | Error>((resolve) => {
        const req = httpRequest({ host: "127.0.0.1", port, path, agent }, (res) => {
          let body = "";
          res.setEncoding("latin1");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, length: Number(res.headers["content-length"]), body }));
          res.on("error", resolve);
        });
        req.on("error", resolve);
        req.end();
      });
    try {
      const first = await get("/app.css");
      // Either no response at all or an empty one: a byte beyond Content-Length would be read as the next response.
      if (!(first instanceof Error)) expect(first.body.length).toBe(first.length);
      else expect(first.message).not.toMatch(/Parse Error/);
      const second = await get("/other.css");
      expect(second).toMatchObject({ status: 200, body: "foo", length: 3 });
    } finally {
      agent.destroy();
      server.closeAllConnections();
      server.close();
    }
  });

  test("full when stat'ed, shorter when read: the version read is sent whole with its own length, the next response intact", async () => {
    // The editor's save truncates the file right after the core's stat: the headers come from the descriptor read.
    const { server, port } = await serveWithStatHook({ "app.css": "foo", "other.css": "bar" }, (file, stats) => {
      if (file.endsWith("app.css") && stats.size === 3) fs.writeFileSync(file, "f");
    });
    try {
      // Two pipelined requests on one connection: a short first body would swallow the start of the second response.
      const socket = connect(port, "127.0.0.1");
      socket.write("GET /app.css HTTP/1.1\r\nHost: x\r\n\r\nGET /other.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      let raw = "";
      socket.setEncoding("latin1");
      socket.on("data", (chunk: string) => (raw += chunk));
      await once(socket, "close");
      const [head, ...rest] = raw.split("\r\n\r\n");
      expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 1\r\n/i);
      expect(head).toMatch(/\r\nCache-Control: no-cache\r\n/i);
      // The byte read, then the second response, whole.
      expect(rest[0]).toMatch(/^fHTTP\/1\.1 200 OK\r\n/);
      expect(rest.at(-1)).toBe("bar");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
