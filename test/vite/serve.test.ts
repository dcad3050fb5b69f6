/**
 * serveStatic and Vite's built files over real HTTP: every file Vite's manifest lists is immutable (Vite
 * put its content hash in the name), from the roots and from a collected folder; anything else, and
 * everything in dev mode, follows the usual rules.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { serveStatic } from "../../src/express.js";
import { StaticFiles, collect } from "../../src/index.js";
import { close, listen, rawRequest } from "../serve/http-client.js";
import { removeTempFolders, tempFolder } from "../temp-folders.js";
import { buildViteApp, type ViteApp } from "./vite-app.js";

const IMMUTABLE = "public, max-age=31536000, immutable";
let app: ViteApp;
const servers: Server[] = [];

beforeAll(async () => {
  app = await buildViteApp();
  writeFileSync(join(app.dist, "robots.txt"), "User-agent: *\n");
});
afterAll(async () => {
  for (const server of servers) await close(server);
  removeTempFolders();
});

async function serve(files: StaticFiles): Promise<(path: string) => Promise<[number, string]>> {
  const server = createServer(serveStatic(files));
  servers.push(server);
  const origin = await listen(server);
  return async (path) => {
    const response = await rawRequest(origin, path);
    return [response.status, String(response.headers["cache-control"])];
  };
}

test("from the roots: the files, CSS and assets Vite lists are immutable, other files revalidated", async () => {
  const get = await serve(new StaticFiles({ roots: [app.dist], vite: { manifest: app.manifestFile } }));
  const main = app.manifest["src/main.js"];
  for (const file of [main.file, main.css![0], main.assets![0], app.manifest["src/lazy.js"].file]) {
    expect(await get(`/static/${file}`)).toEqual([200, IMMUTABLE]);
  }
  // The name is the proof: a query (another tool's cache-buster) does not change that.
  expect(await get(`/static/${main.file}?v=1`)).toEqual([200, IMMUTABLE]);
  expect(await get("/static/robots.txt")).toEqual([200, "no-cache"]);
  expect((await get("/static/.vite/manifest.json"))[0]).toBe(404); // a dot folder is never served
  expect((await get("/static/assets/main-00000000.js"))[0]).toBe(404);
});

test("without the vite option, or in dev mode, Vite's files are revalidated like any file", async () => {
  const main = app.manifest["src/main.js"];
  const plain = await serve(new StaticFiles({ roots: [app.dist] }));
  expect(await plain(`/static/${main.file}`)).toEqual([200, "no-cache"]);
  const dev = await serve(new StaticFiles({ roots: [app.dist], vite: { devServer: "http://127.0.0.1:5173" } }));
  expect(await dev(`/static/${main.file}`)).toEqual([200, "no-cache"]);
});

test("from a collected folder: Vite's files under their own names are immutable", async () => {
  const out = join(tempFolder("vite-serve"), "static");
  const result = await collect({ roots: [app.dist], out, mode: "query" });
  expect(result.ok).toBe(true);
  const get = await serve(new StaticFiles({ manifest: result.manifestFile, vite: { manifest: app.manifestFile } }));
  const main = app.manifest["src/main.js"];
  expect(await get(`/static/${main.file}`)).toEqual([200, IMMUTABLE]);
  expect(await get(`/static/${main.css![0]}`)).toEqual([200, IMMUTABLE]);
  expect(await get("/static/robots.txt")).toEqual([200, "no-cache"]);
});
