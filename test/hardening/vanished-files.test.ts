// "A file that vanishes or cannot be read is a 404, never a 5xx": deleted between stat and read (another
// process deletes and recreates it in a loop), a symlink loop in a root, a file the server may not read.
// Never a 5xx, never an absolute path in the body, on plain http and through Express (whose development
// error page prints an error's stack).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import express from "express";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { serveStatic, type ServeStaticOptions } from "../../src/express.js";
import { StaticFiles } from "../../src/index.js";
import { hashBytes } from "../../src/core/hash.js";
import { close, listen, rawRequest } from "../serve/http-client.js";
import { removeTempFolders, tempFolder } from "../temp-folders.js";

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);
const REQUESTS = LONG ? 6_000 : 1_500;
const h6 = (content: string) => hashBytes(content).slice(0, 6);

afterAll(removeTempFolders);

type Kind = "http" | "express" | "express-no-fallthrough";
const KINDS: Kind[] = ["http", "express", "express-no-fallthrough"];

/** Express with its default final handler (the development error page), or a plain http server. */
function serverFor(kind: Kind, files: StaticFiles, options: ServeStaticOptions = {}): Server {
  const serve = serveStatic(files, { ...options, fallthrough: kind !== "express-no-fallthrough" });
  if (kind === "http") return createServer((req, res) => serve(req, res));
  const app = express();
  app.use("/static", serve);
  return createServer(app);
}

let server: Server | undefined;
afterEach(async () => {
  if (server) await close(server);
  server = undefined;
});

/** A root readable by an unprivileged user (temp folders are created 0700). */
function openRoot(): string {
  const root = tempFolder("vanished");
  chmodSync(root, 0o755);
  return root;
}

describe.each(KINDS)("%s", (kind) => {
  test(`a file deleted and recreated in a loop: ${REQUESTS} hashed requests, never a 5xx`, { timeout: 120_000 }, async () => {
    const root = openRoot();
    const file = join(root, "app.css");
    writeFileSync(file, "body { color: red }");
    const files = new StaticFiles({ roots: [root] });
    const url = files.url("app.css");
    server = serverFor(kind, files);
    const origin = await listen(server);
    const child = spawn(
      process.execPath,
      ["-e", `const fs = require("fs"); let n = 0, stop = false; process.on("SIGTERM", () => (stop = true)); (async () => { while (!stop) { try { fs.unlinkSync(process.argv[1]); } catch {} fs.writeFileSync(process.argv[1], "body { color: red }"); if (++n % 20 === 0) await new Promise((r) => setImmediate(r)); } process.stdout.write(String(n)); })();`, file],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    const exited = once(child, "exit");
    const statuses: Record<number, number> = {};
    const bodies = new Set<string>();
    let next = 0;
    async function client() {
      while (next < REQUESTS) {
        next++;
        const res = await rawRequest(origin, url).catch(() => undefined);
        if (!res) continue;
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status !== 200) bodies.add(res.body.toString());
      }
    }
    try {
      await Promise.all(Array.from({ length: 16 }, client));
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    console.info(`vanished-files (${kind}): ${REQUESTS} requests, ${output} delete/recreate cycles; statuses ${JSON.stringify(statuses)}`);
    expect(Number(output)).toBeGreaterThan(100);
    expect(Object.keys(statuses).filter((status) => Number(status) >= 500)).toEqual([]);
    for (const body of bodies) expect(body).not.toContain(root);
  });

  test("a symlink loop in a root is a 404 without a path", async () => {
    const root = openRoot();
    mkdirSync(join(root, "css"));
    symlinkSync("loop.css", join(root, "css/loop.css"));
    symlinkSync("b", join(root, "a"));
    symlinkSync("a", join(root, "b"));
    const files = new StaticFiles({ roots: [root], missing: "ignore" });
    server = serverFor(kind, files);
    const origin = await listen(server);
    for (const path of ["/static/css/loop.css", `/static/css/loop.css?${h6("x")}`, "/static/a/app.css", `/static/css/loop.${h6("x")}.css`]) {
      const res = await rawRequest(origin, path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString(), path).not.toContain(root);
      expect(res.body.toString(), path).not.toMatch(/ELOOP|\/tmp\//);
    }
  });

  test("a file the server may not read is a 403 or 404 without a path, hashed or not", async () => {
    const root = openRoot();
    const file = join(root, "secret.css");
    writeFileSync(file, "foo");
    const files = new StaticFiles({ roots: [root] });
    const url = files.url("secret.css");
    chmodSync(file, 0o000);
    server = serverFor(kind, files);
    const origin = await listen(server);
    const asRoot = process.getuid?.() === 0;
    // Root reads everything: the requests are served under an unprivileged effective uid.
    if (asRoot) {
      process.setegid!(65534);
      process.seteuid!(65534);
    }
    try {
      for (const path of [url, "/static/secret.css", `/static/secret.css?${h6("bar")}`]) {
        const res = await rawRequest(origin, path);
        expect([403, 404], path).toContain(res.status);
        expect(res.body.toString(), path).not.toContain(root);
        expect(res.body.toString(), path).not.toMatch(/EACCES|\/tmp\//);
      }
    } finally {
      if (asRoot) {
        process.seteuid!(0);
        process.setegid!(0);
      }
    }
  });
});
