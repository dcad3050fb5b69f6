// HTTP/1.1 servers must accept the absolute form of the request target (RFC 9112 3.2.2), which proxies
// send: `GET http://host/static/css/app.css HTTP/1.1` is the same request as its origin form.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import express from "express";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { serveStatic } from "../../src/express.js";
import { StaticFiles } from "../../src/index.js";
import { close, listen } from "../serve/http-client.js";
import { removeTempFolders, tempRoot } from "../temp-folders.js";

afterAll(removeTempFolders);

/** Writes `requestLine` and a Host header on a raw socket; returns the status line, headers and body. */
async function rawExchange(server: Server, requestLine: string): Promise<{ status: number; head: string; body: string }> {
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  socket.write(`${requestLine}\r\nHost: example.com\r\nConnection: close\r\n\r\n`);
  let raw = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => (raw += chunk));
  await once(socket, "close");
  const [head, ...body] = raw.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), head, body: body.join("\r\n\r\n") };
}

let server: Server | undefined;
afterEach(async () => {
  if (server) await close(server);
  server = undefined;
});

describe.each(["http", "express"] as const)("absolute-form request lines (%s)", (kind) => {
  async function start(files: StaticFiles): Promise<Server> {
    if (kind === "http") server = createServer(serveStatic(files));
    else {
      const app = express();
      app.use("/static", serveStatic(files));
      server = createServer(app);
    }
    await listen(server);
    return server;
  }

  test("GET http://host/static/css/app.css is served as /static/css/app.css, with the same cache rule", async () => {
    const files = new StaticFiles({ roots: [tempRoot({ "css/app.css": "foo" })] });
    await start(files);
    const plain = await rawExchange(server!, "GET http://example.com/static/css/app.css HTTP/1.1");
    expect([plain.status, plain.body]).toEqual([200, "foo"]);
    expect(plain.head).toMatch(/\r\nCache-Control: no-cache\r\n/i);
    const hashed = await rawExchange(server!, `GET http://example.com${files.url("css/app.css")} HTTP/1.1`);
    expect([hashed.status, hashed.body]).toEqual([200, "foo"]);
    expect(hashed.head).toMatch(/\r\nCache-Control: public, max-age=31536000, immutable\r\n/i);
    const https = await rawExchange(server!, "HEAD https://example.com:8443/static/css/app.css?0beec7 HTTP/1.1");
    expect(https.status).toBe(200);
    expect(https.head).toMatch(/\r\nContent-Length: 3\r\n/i);
  });

  test("traversal in absolute form is refused like its origin form", async () => {
    const files = new StaticFiles({ roots: [tempRoot({ "css/app.css": "foo" })] });
    await start(files);
    for (const target of ["http://example.com/static/../secret.txt", "http://example.com/static/%2e%2e/secret.txt", "http://example.com//etc/passwd"]) {
      const res = await rawExchange(server!, `GET ${target} HTTP/1.1`);
      expect([400, 404], target).toContain(res.status);
    }
  });
});
