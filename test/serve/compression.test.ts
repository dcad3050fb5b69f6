// Negotiated compression over real HTTP on 127.0.0.1: collect output's precompressed siblings, and roots
// served through the compression cache (compressed once per content, bounded in bytes).
import { createHash } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/index.js";
import { serveStatic, type ServeStaticOptions } from "../../src/express.js";
import { StaticFiles } from "../../src/index.js";
import { COMPRESSION_CHANNEL } from "../../src/serve/compression-cache.js";
import { removeTempFolders, tempFolder, tempRoot, thrown } from "../temp-folders.js";
import { close, listen, rawRequest, type RawResponse } from "./http-client.js";

const IMMUTABLE = "public, max-age=31536000, immutable";
const css = (seed: string) => Array.from({ length: 60 }, (_, i) => `.${seed}-${i} { color: #${(i * 4099).toString(16).padStart(6, "0")}; padding: ${i}px; }\n`).join("");
const APP_CSS = css("app");
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001", "hex");

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
  removeTempFolders();
});

async function serve(files: StaticFiles, options?: ServeStaticOptions): Promise<string> {
  const middleware = serveStatic(files, options);
  const server = createServer((req, res) => middleware(req, res));
  servers.push(server);
  return listen(server);
}

const get = (origin: string, path: string, headers: Record<string, string> = {}, method = "GET") => rawRequest(origin, path, { method, headers });
const decoded = (res: RawResponse) =>
  res.headers["content-encoding"] === "br" ? brotliDecompressSync(res.body) : res.headers["content-encoding"] === "gzip" ? gunzipSync(res.body) : res.body;

/** Counts the compressions the roots-mode cache publishes while `run` runs. */
function compressionEvents() {
  const events: { file: string; cacheBytes: number; maxBytes: number; size: number }[] = [];
  const listener = (message: unknown) => events.push(message as (typeof events)[number]);
  subscribe(COMPRESSION_CHANNEL, listener);
  return {
    events,
    stop: () => unsubscribe(COMPRESSION_CHANNEL, listener),
    /** Resolves once `count` compressions have been published. */
    async until(count: number) {
      for (let i = 0; i < 500 && events.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(events.length).toBeGreaterThanOrEqual(count);
    },
  };
}

describe("serving collect --compress output", () => {
  async function collected(mode: "query" | "filename") {
    const root = tempRoot({ "css/app.css": APP_CSS, "img/dot.png": PNG, "js/app.js": `export const x = ${JSON.stringify(css("js"))};\n` });
    const out = join(tempFolder("out"), "static");
    const result = await collect({ roots: [root], out, mode, compress: true });
    expect(result.problems).toEqual([]);
    const files = new StaticFiles({ manifest: result.manifestFile });
    return { files, out, origin: await serve(files) };
  }

  it("sends the precompressed sibling the client prefers, decoded equal to the file, immutable under a proven hashed name", async () => {
    const { files, out, origin } = await collected("filename");
    const url = files.url("css/app.css");
    const identity = readFileSync(join(out, url.slice("/static/".length)));
    const cases: [string | undefined, string | undefined][] = [
      ["br, gzip", "br"],
      ["gzip, deflate", "gzip"],
      ["br;q=0.5, gzip", "gzip"],
      ["*", "br"],
      ["deflate", undefined],
      [undefined, undefined],
      ["br;q=0, gzip;q=0", undefined],
      ["identity;q=0, gzip", "gzip"],
    ];
    for (const [accept, encoding] of cases) {
      const res = await get(origin, url, accept === undefined ? {} : { "Accept-Encoding": accept });
      expect([accept, res.status, res.headers["content-encoding"]]).toEqual([accept, 200, encoding]);
      expect(res.headers.vary).toBe("Accept-Encoding");
      expect(res.headers["cache-control"]).toBe(IMMUTABLE);
      expect(res.headers["content-type"]).toBe("text/css; charset=utf-8");
      expect(Number(res.headers["content-length"])).toBe(res.body.length);
      expect(decoded(res).equals(identity)).toBe(true);
      if (encoding) expect(res.body.equals(readFileSync(join(out, url.slice("/static/".length) + (encoding === "br" ? ".br" : ".gz"))))).toBe(true);
    }
    // Not compressible: no Vary, no coding.
    const png = await get(origin, files.url("img/dot.png"), { "Accept-Encoding": "br, gzip" });
    expect([png.status, png.headers["content-encoding"], png.headers.vary]).toEqual([200, undefined, undefined]);
    expect(png.body.equals(PNG)).toBe(true);
  });

  it("gives each encoding its own ETag and answers 304 per encoding", async () => {
    const { files, origin } = await collected("filename");
    const url = files.url("css/app.css");
    const br = await get(origin, url, { "Accept-Encoding": "br" });
    const gz = await get(origin, url, { "Accept-Encoding": "gzip" });
    const plain = await get(origin, url);
    const etags = [br.headers.etag, gz.headers.etag, plain.headers.etag];
    expect(new Set(etags).size).toBe(3);
    expect(br.headers.etag).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+-br"$/);

    const notModified = await get(origin, url, { "Accept-Encoding": "br", "If-None-Match": br.headers.etag! });
    expect([notModified.status, notModified.headers.etag, notModified.headers.vary, notModified.headers["cache-control"], notModified.body.length]).toEqual([304, br.headers.etag, "Accept-Encoding", IMMUTABLE, 0]);
    // The br tag does not validate the gzip response, nor the identity one.
    const other = await get(origin, url, { "Accept-Encoding": "gzip", "If-None-Match": br.headers.etag! });
    expect([other.status, other.headers["content-encoding"]]).toEqual([200, "gzip"]);
    const identity = await get(origin, url, { "If-None-Match": br.headers.etag! });
    expect([identity.status, identity.headers["content-encoding"]]).toEqual([200, undefined]);
    const identity304 = await get(origin, url, { "If-None-Match": plain.headers.etag! });
    expect([identity304.status, identity304.headers.vary]).toEqual([304, "Accept-Encoding"]);
    const failed = await get(origin, url, { "Accept-Encoding": "br", "If-Match": gz.headers.etag! });
    expect(failed.status).toBe(412);
    const since = await get(origin, url, { "Accept-Encoding": "br", "If-Modified-Since": br.headers["last-modified"]! });
    expect(since.status).toBe(304);
  });

  it("answers Range from the identity bytes, and HEAD with the variant's headers and no body", async () => {
    const { files, out, origin } = await collected("filename");
    const url = files.url("css/app.css");
    const identity = readFileSync(join(out, url.slice("/static/".length)));
    const range = await get(origin, url, { "Accept-Encoding": "br, gzip", Range: "bytes=10-29" });
    expect([range.status, range.headers["content-encoding"], range.headers.vary, range.headers["content-range"]]).toEqual([206, undefined, "Accept-Encoding", `bytes 10-29/${identity.length}`]);
    expect(range.body.equals(identity.subarray(10, 30))).toBe(true);

    const full = await get(origin, url, { "Accept-Encoding": "br" });
    const head = await get(origin, url, { "Accept-Encoding": "br" }, "HEAD");
    expect([head.status, head.headers["content-encoding"], head.headers["content-length"], head.headers.etag, head.body.length]).toEqual([200, "br", String(full.body.length), full.headers.etag, 0]);
  });

  it("serves an unhashed name's variant revalidated, and stops trusting it once the file changed", async () => {
    const { out, origin } = await collected("filename");
    const res = await get(origin, "/static/css/app.css", { "Accept-Encoding": "br" });
    expect([res.headers["content-encoding"], res.headers["cache-control"]]).toEqual(["br", "no-cache"]);
    expect(decoded(res).toString()).toBe(APP_CSS);
    // Edited in place after collect: the variant no longer has its file's mtime.
    writeFileSync(join(out, "css/app.css"), APP_CSS + ".new{}\n");
    utimesSync(join(out, "css/app.css"), new Date(), new Date(Date.now() + 5000));
    const after = await get(origin, "/static/css/app.css", { "Accept-Encoding": "br" });
    expect([after.headers["content-encoding"], after.headers.vary]).toEqual([undefined, "Accept-Encoding"]);
    expect(after.body.toString()).toBe(APP_CSS + ".new{}\n");
  });

  it("query mode: immutable only for the current hash, in every encoding", async () => {
    const { files, origin } = await collected("query");
    const url = files.url("css/app.css");
    expect(url).toMatch(/^\/static\/css\/app\.css\?[0-9a-f]{6}$/);
    for (const accept of ["br", "gzip", "identity"]) {
      const current = await get(origin, url, { "Accept-Encoding": accept });
      expect([accept, current.headers["cache-control"], decoded(current).toString()]).toEqual([accept, IMMUTABLE, APP_CSS]);
      const stale = await get(origin, "/static/css/app.css?000000", { "Accept-Encoding": accept });
      expect([accept, stale.headers["cache-control"], decoded(stale).toString()]).toEqual([accept, "no-cache", APP_CSS]);
    }
  });

  it("answers 406 when identity is refused and no acceptable variant exists", async () => {
    const { files, origin } = await collected("filename");
    const res = await get(origin, files.url("css/app.css"), { "Accept-Encoding": "identity;q=0" });
    expect([res.status, res.headers.vary]).toEqual([406, "Accept-Encoding"]);
    const star = await get(origin, files.url("css/app.css"), { "Accept-Encoding": "*;q=0" });
    expect(star.status).toBe(406);
  });
});

describe("serving the roots: compressed once per content, off the request path", () => {
  it("answers identity while the variant is made, then the variant; never compresses per request", async () => {
    const root = tempRoot({ "css/app.css": APP_CSS, "js/app.js": css("js") });
    const files = new StaticFiles({ roots: [root], watch: true });
    const origin = await serve(files);
    const events = compressionEvents();
    try {
      const url = files.url("css/app.css");
      const first = await get(origin, url, { "Accept-Encoding": "br, gzip" });
      expect([first.status, first.headers["content-encoding"], first.headers.vary, first.headers["cache-control"]]).toEqual([200, undefined, "Accept-Encoding", IMMUTABLE]);
      expect(first.body.toString()).toBe(APP_CSS);
      await events.until(1);
      const responses: RawResponse[] = [];
      for (let i = 0; i < 20; i++) responses.push(await get(origin, url, { "Accept-Encoding": i % 2 ? "gzip" : "br, gzip" }));
      for (const [i, res] of responses.entries()) {
        expect([res.headers["content-encoding"], res.headers["cache-control"], res.headers.vary]).toEqual([i % 2 ? "gzip" : "br", IMMUTABLE, "Accept-Encoding"]);
        expect(decoded(res).toString()).toBe(APP_CSS);
      }
      expect(responses[0].headers.etag).toMatch(/^"[0-9a-f]{27}-br"$/);
      expect(responses[1].headers.etag).toMatch(/^"[0-9a-f]{27}-gzip"$/);
      // 304 per encoding.
      const notModified = await get(origin, url, { "Accept-Encoding": "br", "If-None-Match": responses[0].headers.etag! });
      expect([notModified.status, notModified.headers.vary]).toEqual([304, "Accept-Encoding"]);
      const stale = await get(origin, "/static/css/app.css?000000", { "Accept-Encoding": "br" });
      expect([stale.headers["content-encoding"], stale.headers["cache-control"]]).toEqual(["br", "no-cache"]);
      const range = await get(origin, url, { "Accept-Encoding": "br", Range: "bytes=0-4" });
      expect([range.status, range.headers["content-encoding"], range.body.toString()]).toEqual([206, undefined, APP_CSS.slice(0, 5)]);
      const head = await get(origin, url, { "Accept-Encoding": "br" }, "HEAD");
      expect([head.headers["content-encoding"], head.headers["content-length"], head.body.length]).toEqual(["br", String(responses[0].body.length), 0]);
      expect(events.events.map((event) => event.file)).toEqual([join(root, "css/app.css")]);
    } finally {
      events.stop();
    }
  });

  it("makes a fresh variant for a file edited under watch", async () => {
    const root = tempRoot({ "css/app.css": APP_CSS });
    const files = new StaticFiles({ roots: [root], watch: true });
    const origin = await serve(files);
    const events = compressionEvents();
    try {
      await get(origin, files.url("css/app.css"), { "Accept-Encoding": "br" });
      await events.until(1);
      const edited = css("edited");
      writeFileSync(join(root, "css/app.css"), edited);
      const url = files.url("css/app.css");
      const first = await get(origin, url, { "Accept-Encoding": "br" });
      expect([first.headers["content-encoding"], first.body.toString()]).toEqual([undefined, edited]);
      await events.until(2);
      const next = await get(origin, url, { "Accept-Encoding": "br" });
      expect([next.headers["content-encoding"], next.headers["cache-control"], decoded(next).toString()]).toEqual(["br", IMMUTABLE, edited]);
    } finally {
      events.stop();
    }
  });

  it("never takes a x.css.br lying in a root for the variant of x.css", async () => {
    const root = tempRoot({ "x.css": APP_CSS, "x.css.br": "not the variant", "x.css.gz": "nor this" });
    const files = new StaticFiles({ roots: [root] });
    const origin = await serve(files);
    const events = compressionEvents();
    try {
      const first = await get(origin, "/static/x.css", { "Accept-Encoding": "br, gzip" });
      expect([first.headers["content-encoding"], first.body.toString()]).toEqual([undefined, APP_CSS]);
      await events.until(1);
      for (const accept of ["br", "gzip"]) expect(decoded(await get(origin, "/static/x.css", { "Accept-Encoding": accept })).toString()).toBe(APP_CSS);
      const sibling = await get(origin, "/static/x.css.br", { "Accept-Encoding": "br" });
      expect([sibling.status, sibling.headers["content-encoding"], sibling.body.toString()]).toEqual([200, undefined, "not the variant"]);
    } finally {
      events.stop();
    }
  });

  it("waits for the variant when identity is refused", async () => {
    const root = tempRoot({ "app.css": APP_CSS });
    const origin = await serve(new StaticFiles({ roots: [root] }));
    const res = await get(origin, "/static/app.css", { "Accept-Encoding": "br, identity;q=0" });
    expect([res.status, res.headers["content-encoding"], decoded(res).toString()]).toEqual([200, "br", APP_CSS]);
  });

  it("keeps the cache within maxBytes, and compresses a content that earns no variant only once", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `f${i}.css`);
    const noise = Buffer.concat(Array.from({ length: 64 }, (_, i) => createHash("sha256").update(String(i)).digest()));
    const root = tempRoot(Object.fromEntries([...names.map((name) => [name, css(name)]), ["noise.txt", noise], ["big.css", css("big").repeat(4)]]));
    const maxBytes = 4000;
    const origin = await serve(new StaticFiles({ roots: [root] }), { compression: { maxBytes } });
    const events = compressionEvents();
    try {
      for (const [i, name] of names.entries()) {
        await get(origin, `/static/${name}`, { "Accept-Encoding": "br, gzip" });
        await events.until(i + 1);
      }
      expect(events.events.every((event) => event.cacheBytes <= maxBytes && event.maxBytes === maxBytes)).toBe(true);
      // Older entries were evicted to stay within the bound.
      const held = events.events.at(-1)!.cacheBytes;
      expect(held).toBeGreaterThan(maxBytes / 2);
      expect(events.events.reduce((sum, event) => sum + (event as unknown as { variants: { br: number; gzip: number } }).variants.br + (event as unknown as { variants: { br: number; gzip: number } }).variants.gzip, 0)).toBeGreaterThan(maxBytes);
      for (let i = 0; i < 3; i++) {
        const res = await get(origin, "/static/noise.txt", { "Accept-Encoding": "br" });
        expect([res.headers["content-encoding"], res.body.equals(noise)]).toEqual([undefined, true]);
        await events.until(names.length + 1);
      }
      expect(events.events.filter((event) => event.file.endsWith("noise.txt"))).toHaveLength(1);
      // Bigger than the whole cache: served as it is, never read for compression.
      const big = await get(origin, "/static/big.css", { "Accept-Encoding": "br" });
      expect([big.headers["content-encoding"], big.headers.vary]).toEqual([undefined, "Accept-Encoding"]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events.events.filter((event) => event.file.endsWith("big.css"))).toHaveLength(0);
    } finally {
      events.stop();
    }
  });

  it("compression: false sends identity with no Vary; bad options are STATIC_CONFIG", async () => {
    const root = tempRoot({ "app.css": APP_CSS });
    const origin = await serve(new StaticFiles({ roots: [root] }), { compression: false });
    const res = await get(origin, "/static/app.css", { "Accept-Encoding": "br" });
    expect([res.headers["content-encoding"], res.headers.vary]).toEqual([undefined, undefined]);
    const files = new StaticFiles({ roots: [root] });
    expect(thrown(() => serveStatic(files, { compression: { maxBytes: -1 } }))).toMatchObject({
      code: "STATIC_CONFIG",
      message: "serveStatic option `compression.maxBytes` must be a positive whole number of bytes (default 67108864, 64 MiB; `compression: false` turns compression off); got -1.",
    });
    expect(thrown(() => serveStatic(files, { compression: { level: 5 } as never }))).toMatchObject({ code: "STATIC_CONFIG", message: "Unknown serveStatic `compression` option `level`; the options are maxBytes." });
    expect(thrown(() => serveStatic(files, { compression: { maxbytes: 1 } as never }))).toMatchObject({ code: "STATIC_CONFIG", message: "Unknown serveStatic `compression` option `maxbytes`: did you mean `maxBytes`?" });
    expect(thrown(() => serveStatic(files, { compression: "br" as never }))).toMatchObject({ code: "STATIC_CONFIG", message: 'serveStatic option `compression` must be false, true or { maxBytes }; got "br".' });
  });
});

