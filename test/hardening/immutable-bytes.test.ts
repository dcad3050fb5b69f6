// "A proven hash always names those bytes", while serving: another process rewrites a file in place
// (open r+, write, ftruncate), alternating two versions of different sizes, and requests carrying the
// first version's hash (whole and `Range: bytes=0-99`) must never come back `immutable` with bytes of
// the other version.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import express from "express";
import { afterAll, describe, expect, test } from "vitest";
import { serveStatic } from "../../src/express.js";
import { StaticFiles } from "../../src/index.js";
import { hashBytes } from "../../src/core/hash.js";
import { close, listen, rawRequest, type RawResponse } from "../serve/http-client.js";
import { removeTempFolders, tempFolder } from "../temp-folders.js";

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);
const REQUESTS = LONG ? 8_000 : 2_000;
const CONCURRENCY = 16;

afterAll(removeTempFolders);

/** Two versions whose first 100 bytes differ, of different sizes (so the writer truncates the longer one). */
const VERSIONS = [Buffer.alloc(48 * 1024, "first version\n"), Buffer.alloc(80 * 1024, "SECOND VERSION\n")];

/** A process rewriting `file` in place, alternating the two versions, until SIGTERM; prints its count. */
function inPlaceWriter(file: string) {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `
      const fs = require("fs");
      const [file, a, b] = process.argv.slice(1);
      const versions = [Buffer.alloc(Number(a), "first version\\n"), Buffer.alloc(Number(b), "SECOND VERSION\\n")];
      let writes = 0, stop = false;
      process.on("SIGTERM", () => { stop = true; });
      (async () => {
        while (!stop) {
          const bytes = versions[writes % 2];
          const fd = fs.openSync(file, "r+");
          fs.writeSync(fd, bytes, 0, bytes.length, 0);
          fs.ftruncateSync(fd, bytes.length);
          fs.closeSync(fd);
          writes++;
          if (writes % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        process.stdout.write(String(writes));
      })();
      `,
      file,
      String(VERSIONS[0].length),
      String(VERSIONS[1].length),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  const exited = once(child, "exit");
  return {
    async stop(): Promise<number> {
      child.kill("SIGTERM");
      await exited;
      return Number(output);
    },
  };
}

describe.each(["http", "express"] as const)("in-place rewrites under a proven hash (%s)", (kind) => {
  test(`${REQUESTS} requests with the first version's hash: no immutable 200 or 206 holds other bytes`, { timeout: 120_000 }, async () => {
    const root = tempFolder("immutable-bytes");
    const file = join(root, "app.css");
    writeFileSync(file, VERSIONS[0]);
    const files = new StaticFiles({ roots: [root] });
    const url = files.url("app.css");
    expect(url).toBe(`/static/app.css?${hashBytes(VERSIONS[0]).slice(0, 6)}`);
    const serve = serveStatic(files);
    let server: Server;
    if (kind === "http") server = createServer((req, res) => serve(req, res));
    else {
      const app = express();
      app.use("/static", serve);
      server = createServer(app);
    }
    const origin = await listen(server);
    const writer = inPlaceWriter(file);
    const tally = { ranged: 0, whole: 0, immutable206: 0, immutable200: 0, wrong: 0, serverErrors: 0, cut: 0 };
    const problems: string[] = [];
    let next = 0;
    async function client() {
      while (next < REQUESTS) {
        const n = next++;
        const ranged = n % 2 === 0;
        let res: RawResponse;
        try {
          res = await rawRequest(origin, url, ranged ? { headers: { Range: "bytes=0-99" } } : {});
        } catch {
          tally.cut++;
          continue;
        }
        if (!res.complete) {
          tally.cut++;
          continue;
        }
        if (res.status >= 500) {
          tally.serverErrors++;
          problems.push(`${res.status} ${res.body.toString().slice(0, 80)}`);
          continue;
        }
        if (ranged) tally.ranged++;
        else tally.whole++;
        if (!String(res.headers["cache-control"]).includes("immutable")) continue;
        const expected = ranged ? VERSIONS[0].subarray(0, 100) : VERSIONS[0];
        if (res.status === 206) tally.immutable206++;
        else tally.immutable200++;
        if (!res.body.equals(expected)) {
          tally.wrong++;
          problems.push(`immutable ${res.status} (${ranged ? "Range: bytes=0-99" : "whole"}) with ${res.body.length} bytes starting ${JSON.stringify(res.body.subarray(0, 14).toString())}`);
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, client));
    } finally {
      const writes = await writer.stop();
      await close(server);
      console.info(`immutable-bytes (${kind}): ${REQUESTS} requests, ${writes} in-place rewrites; ${JSON.stringify(tally)}`);
      expect(writes).toBeGreaterThan(100);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(tally.wrong).toBe(0);
    expect(tally.serverErrors).toBe(0);
    // The run proves something only if some responses were checked as immutable.
    expect(tally.immutable206 + tally.immutable200).toBeGreaterThan(0);
  });
});
