/**
 * A real Vite app in headless Chromium. Built: pages rendered by Nunjucks with `{% vite %}`, every file
 * served by `serveStatic` (Express); the modules run, each URL is requested once (a preloaded chunk is
 * not fetched again when imported, the dynamic import's chunk and CSS once), Vite's files are immutable,
 * and a second visit takes them all from the cache. Dev: the page loads `@vite/client` and the entry from
 * a real Vite dev server on 127.0.0.1, the HMR websocket connects, and a CSS edit applies without a reload.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import express from "express";
import nunjucks from "nunjucks";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, hasChromium, launchChromium } from "../chromium.js";
import { createServer as createViteServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serveStatic } from "../../src/express.js";
import { StaticFiles } from "../../src/index.js";
import { useStatic } from "../../src/nunjucks.js";
import { close, listen } from "../serve/http-client.js";
import { removeTempFolders, tempFolder } from "../temp-folders.js";
import { buildViteApp, viteConfig, type ViteApp } from "./vite-app.js";

// Names used inside page.evaluate(), which runs in the browser (the project's TypeScript lib has no DOM).
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare function getComputedStyle(element: unknown): { color: string };

const TEMPLATES = fileURLToPath(new URL("../../templates/", import.meta.url));
if (!hasChromium) console.warn(`Skipping the Vite browser tests: ${CHROMIUM} is missing (.ci/run installs Debian's chromium).`);

const PAGE = `<!doctype html>
<html>
<head>
{% vite entry, integrity=integrity %}
</head>
<body><p class="main">main</p><p class="admin">admin</p><p class="lazy">lazy</p></body>
</html>`;

interface Served {
  url: string;
  status: number;
  cacheControl: string;
}

describe.skipIf(!hasChromium)("a Vite app in headless Chromium", () => {
  let app: ViteApp;
  let browser: Browser;
  let server: Server;
  let origin: string;
  let served: Served[] = [];
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();

  beforeAll(async () => {
    app = await buildViteApp("/static/");
    server = createServer((req, res) => {
      const url = req.url ?? "";
      if (url !== "/favicon.ico") res.on("finish", () => served.push({ url, status: res.statusCode, cacheControl: String(res.getHeader("Cache-Control") ?? "") }));
      handler(req, res);
    });
    origin = await listen(server);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await close(server);
    removeTempFolders();
  });

  /** An Express site whose pages render `{% vite entry %}` through Nunjucks and whose /static is serveStatic. */
  function site(files: StaticFiles): express.Express {
    const env = new nunjucks.Environment(null, { autoescape: true });
    useStatic(env, files);
    const site = express();
    site.use("/static", serveStatic(files));
    site.get("/:entry", (req, res, next) => {
      // Chromium asks for /favicon.ico on its own: an empty answer, not an error in the console.
      if (req.params.entry === "favicon.ico") return void res.status(204).end();
      if (req.params.entry !== "main" && req.params.entry !== "admin") return next();
      const html = env.renderString(PAGE, { entry: `src/${req.params.entry}.js`, integrity: req.query.integrity === "1" });
      res.set("Cache-Control", "no-cache").type("html").send(html);
    });
    return site;
  }

  async function visit(page: Page, path: string): Promise<Served[]> {
    served = [];
    await page.goto(origin + path, { waitUntil: "load" });
    return served;
  }

  const state = (page: Page) =>
    page.evaluate(async () => ({
      ran: document.documentElement.dataset.ran,
      lazy: await window.viteApp.lazy,
      hot: window.viteApp.hot,
      logo: document.getElementById("logo")?.naturalWidth,
      body: getComputedStyle(document.body).color,
      main: getComputedStyle(document.querySelector(".main")).color,
      lazyColor: getComputedStyle(document.querySelector(".lazy")).color,
    }));

  test("built: the modules run, each file is fetched once and immutable, a second visit is all cache", async () => {
    const files = new StaticFiles({ roots: [app.dist], vite: { manifest: app.manifestFile } });
    handler = site(files);
    const main = app.manifest["src/main.js"];
    const shared = app.manifest[main.imports![0]];
    const lazy = app.manifest["src/lazy.js"];
    const viteUrls = [shared.css![0], main.css![0], main.file, shared.file, app.manifest["src/logo.png"].file, lazy.file, lazy.css![0]].map((file) => `/static/${file}`);

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    page.on("pageerror", (error) => errors.push(error.message));
    const first = await visit(page, "/main");
    expect(await state(page)).toEqual({ ran: "main", lazy: "lazy ran", hot: false, logo: 1, body: "rgb(0, 128, 0)", main: "rgb(200, 0, 0)", lazyColor: "rgb(1, 2, 3)" });
    await page.waitForLoadState("networkidle");
    const urls = served.map((response) => response.url);
    // Each URL exactly once: the modulepreloaded chunk is reused by the entry's import, and Vite's preload helper finds the CSS already linked.
    expect(urls.slice().sort()).toEqual(["/main", ...viteUrls].sort());
    for (const response of served.filter((r) => r.url !== "/main")) {
      expect(response).toEqual({ url: response.url, status: 200, cacheControl: "public, max-age=31536000, immutable" });
    }
    expect(first[0]).toEqual({ url: "/main", status: 200, cacheControl: "no-cache" });

    // The other entry: its own CSS and script; the shared chunk and its CSS come from the cache.
    const admin = app.manifest["src/admin.js"];
    await visit(page, "/admin?integrity=1");
    await page.waitForLoadState("networkidle");
    expect(await page.evaluate(() => [document.documentElement.dataset.ran, getComputedStyle(document.querySelector(".admin")).color])).toEqual(["admin", "rgb(0, 0, 200)"]);
    expect(served.map((response) => response.url).sort()).toEqual(["/admin?integrity=1", `/static/${admin.css![0]}`, `/static/${admin.file}`].sort());

    // Back to the first page: only the page is asked for (revalidated), every Vite file is cached for good.
    await visit(page, "/main");
    expect((await state(page)).ran).toBe("main");
    await page.waitForLoadState("networkidle");
    expect(served.map((response) => `${response.status} ${response.url}`)).toEqual(["304 /main"]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  test("built with integrity: matching SRI runs, one changed byte in the shared chunk stops the entry", async () => {
    const files = new StaticFiles({ roots: [app.dist], vite: { manifest: app.manifestFile } });
    handler = site(files);
    const context = await browser.newContext();
    const page = await context.newPage();
    await visit(page, "/main?integrity=1");
    expect((await state(page)).ran).toBe("main");
    expect(await page.evaluate(() => document.querySelectorAll("[integrity]").length)).toBe(4);
    await context.close();

    // Tamper with the shared chunk after the page was rendered with its integrity value.
    const sharedFile = join(app.dist, app.manifest[app.manifest["src/main.js"].imports![0]].file);
    const original = readFileSync(sharedFile, "utf8");
    const html = files.viteTags("src/main.js", { integrity: true });
    writeFileSync(sharedFile, original.replace("window.viteApp", "window .viteApp"));
    try {
      const tampered = express();
      tampered.use("/static", serveStatic(files));
      tampered.get("/tampered", (_req, res) => res.set("Cache-Control", "no-store").type("html").send(`<!doctype html><head>${html}</head><body></body>`));
      handler = tampered;
      const fresh = await browser.newContext();
      const tamperedPage = await fresh.newPage();
      await visit(tamperedPage, "/tampered");
      await tamperedPage.waitForLoadState("networkidle");
      expect(await tamperedPage.evaluate(() => [document.documentElement.dataset.ran ?? "unset", typeof window.viteApp])).toEqual(["unset", "undefined"]);
      await fresh.close();
    } finally {
      writeFileSync(sharedFile, original);
    }
  }, 60_000);

  test("the example site's Vite widget, built and collected (production), runs and is clickable", async () => {
    // A copy of the example site, as the e2e suite makes one; the built package (dist/) is what it imports.
    const dir = tempFolder("vite-example");
    for (const part of ["static", "views", "vite/src", "vite/vite.config.mjs"]) cpSync(join(TEMPLATES, part), join(dir, part), { recursive: true });
    const appModule: string = pathToFileURL(join(TEMPLATES, "app.js")).href;
    const { createSite } = (await import(appModule)) as { createSite(options: object): Promise<{ app: typeof handler; files: StaticFiles }> };
    const example = await createSite({ dir, production: true });
    handler = example.app;
    const widgetJs = example.files.url("src/widget.js");
    expect(widgetJs).toMatch(/^\/static\/assets\/widget-[\w-]{8}\.js$/);
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const path of ["/", "/handlebars"]) {
      await visit(page, path);
      await page.click("#vite-widget button");
      expect(await page.evaluate(() => [document.querySelector("#vite-widget button").textContent, document.getElementById("vite-widget").dataset.state])).toEqual([
        "Vite widget: clicked 1 times",
        "running (built)",
      ]);
    }
    await context.close();
  }, 60_000);

  describe("dev server", () => {
    let vite: ViteDevServer;
    let devOrigin: string;

    beforeAll(async () => {
      vite = await createViteServer({ ...viteConfig(app.dir, "/static/"), server: { host: "127.0.0.1", port: 0, strictPort: true } });
      await vite.listen();
      devOrigin = `http://127.0.0.1:${(vite.httpServer!.address() as AddressInfo).port}`;
      // Asset URLs (the imported image) must name the dev server, not the page's origin: Vite's `server.origin`.
      vite.config.server.origin = devOrigin;
    }, 60_000);
    afterAll(async () => {
      await vite?.close();
    });

    test("@vite/client connects, the entry runs from the dev server, and a CSS edit applies without a reload", async () => {
      const files = new StaticFiles({ roots: [app.dist], vite: { devServer: `${devOrigin}/static` } });
      handler = site(files);
      const context = await browser.newContext();
      const page = await context.newPage();
      const sockets: string[] = [];
      page.on("websocket", (socket) => sockets.push(socket.url()));
      const connected = page.waitForEvent("console", { predicate: (message) => message.text().includes("[vite] connected"), timeout: 20_000 });
      const first = await visit(page, "/main");
      await connected;
      expect(first.map((response) => response.url)).toEqual(["/main"]); // nothing from the build, nothing from /static
      expect(await page.evaluate(() => Array.from(document.querySelectorAll("script"), (script: any) => script.src))).toEqual([
        `${devOrigin}/static/@vite/client`,
        `${devOrigin}/static/src/main.js`,
      ]);
      expect(await state(page)).toEqual({ ran: "main", lazy: "lazy ran", hot: true, logo: 1, body: "rgb(0, 128, 0)", main: "rgb(200, 0, 0)", lazyColor: "rgb(1, 2, 3)" });
      expect(sockets).toHaveLength(1);
      expect(sockets[0]).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${devOrigin.split(":").pop()}/static/\\?token=`));

      // Hot update: the page is not reloaded (the marker set below survives) and the new colour applies.
      await page.evaluate(() => (window.notReloaded = true));
      writeFileSync(join(app.dir, "src/shared.css"), "body { color: rgb(0, 0, 255); }\n");
      await page.waitForFunction(() => getComputedStyle(document.body).color === "rgb(0, 0, 255)", undefined, { timeout: 20_000 });
      expect(await page.evaluate(() => window.notReloaded)).toBe(true);
      await context.close();
    }, 60_000);
  });
});
