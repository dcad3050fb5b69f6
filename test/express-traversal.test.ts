/**
 * Traversal in every encoding against the real middleware over real HTTP: each attempt is refused
 * (400 or 404) and no response ever carries a canary file placed outside the root.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serveStatic } from "../src/express.js";
import { parseRequestPath } from "../src/serve/request-path.js";
import { close, listen, rawRequest } from "./serve/http-client.js";
import { ATTEMPTS, CANARY } from "./serve/traversal-attempts.js";

type Kind = "express" | "express-no-fallthrough" | "http";

describe.each<Kind>(["express", "express-no-fallthrough", "http"])("traversal on %s", (kind) => {
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

describe("parseRequestPath", () => {
  test("decodes each segment once and keeps the query", () => {
    expect(parseRequestPath("/a%20b/c%26d.css?v=1&0beec7")).toEqual({ ok: true, name: "a b/c&d.css", query: "v=1&0beec7" });
    expect(parseRequestPath("/%252e%252e/x")).toEqual({ ok: true, name: "%2e%2e/x", query: undefined });
    expect(parseRequestPath("/caf%C3%A9.css?")).toEqual({ ok: true, name: "café.css", query: "" });
  });

  test("refuses with the status and a reason", () => {
    expect(parseRequestPath("/%2e%2e/x")).toMatchObject({ ok: false, status: 400 });
    expect(parseRequestPath("/a%2fb")).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining("separator") });
    expect(parseRequestPath("/%c0%ae")).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining("UTF-8") });
    expect(parseRequestPath("/x%zz")).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining("percent") });
    expect(parseRequestPath("//etc/passwd")).toMatchObject({ ok: false, status: 404 });
    expect(parseRequestPath("/.env")).toMatchObject({ ok: false, status: 404, reason: expect.stringContaining("dotfiles") });
    expect(parseRequestPath("/css/")).toMatchObject({ ok: false, status: 404 });
    expect(parseRequestPath("css/app.css")).toMatchObject({ ok: false, status: 400 });
  });
});
