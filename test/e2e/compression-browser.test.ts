/**
 * The example site in headless Chromium with compression: the page's CSS and JS arrive brotli-encoded
 * (production: collect --compress output; development: the roots-mode cache, identity until the
 * variant is ready) and still style the page and run. Uses the built package (dist/), as a user would.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { hasChromium, launchChromiumContext } from "../chromium.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { close, listen } from "../serve/http-client.js";

declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare function getComputedStyle(element: unknown): { color: string };

const TEMPLATES = fileURLToPath(new URL("../../templates/", import.meta.url));
const GREEN = "rgb(11, 110, 79)"; // h1 in templates/static/css/site.css

describe.skipIf(!hasChromium)("the example site serves compressed assets to Chromium", () => {
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  let server: Server;
  let origin: string;
  let handler: RequestListener = (_req, res) => res.end();
  let createSite: (options: { dir: string; production: boolean }) => Promise<{ app: RequestListener }>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "static-hash-e2e-compress-"));
    cpSync(join(TEMPLATES, "static"), join(dir, "static"), { recursive: true });
    cpSync(join(TEMPLATES, "views"), join(dir, "views"), { recursive: true });
    const appModule: string = pathToFileURL(join(TEMPLATES, "app.js")).href;
    ({ createSite } = await import(appModule));
    server = createServer((req, res) => handler(req, res));
    origin = await listen(server);
    context = await launchChromiumContext(join(dir, "profile"));
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (server) await close(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Loads the page with the cache bypassed; returns Content-Encoding and Accept-Encoding of its CSS and JS. */
  async function visit(): Promise<Record<string, [string | undefined, string | undefined]>> {
    const seen: Record<string, [string | undefined, string | undefined]> = {};
    const onResponse = async (response: import("playwright-core").Response) => {
      const kind = /\.css(\?|$)/.test(response.url()) ? "css" : /\.js(\?|$)/.test(response.url()) ? "js" : undefined;
      if (!kind) return;
      const request = await response.request().allHeaders();
      seen[kind] = [(await response.allHeaders())["content-encoding"], request["accept-encoding"]];
    };
    page.on("response", onResponse);
    await context.clearCookies();
    await page.goto(origin + "/", { waitUntil: "load" });
    await page.waitForFunction(() => document.getElementById("status").textContent.includes("ran"));
    expect(await page.evaluate(() => getComputedStyle(document.querySelector("h1")).color)).toBe(GREEN);
    page.off("response", onResponse);
    return seen;
  }

  test("production: the collected .br siblings", async () => {
    const site = await createSite({ dir, production: true });
    handler = site.app;
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    const seen = await visit();
    expect(seen.css[1]).toContain("br");
    expect(seen).toEqual({ css: ["br", seen.css[1]], js: ["br", seen.js[1]] });
    expect(existsSync(join(dir, "dist/static/css/site.css.br"))).toBe(true);
  }, 60_000);

  test("development: identity first, then the variant made once in memory", async () => {
    const site = await createSite({ dir, production: false });
    handler = site.app;
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    let seen = await visit();
    for (let i = 0; i < 50 && (seen.css[0] !== "br" || seen.js[0] !== "br"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await visit();
    }
    expect([seen.css[0], seen.js[0]]).toEqual(["br", "br"]);
  }, 60_000);
});
