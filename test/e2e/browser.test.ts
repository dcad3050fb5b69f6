/**
 * The example site (templates/) in headless Chromium: styles apply, a second visit takes every hashed
 * file from the browser cache without a request, an edited CSS file shows on the next visit, the same
 * with collected (filename-mode) files, and a wrong `integrity` keeps a script from running.
 * Requests are counted where they reach the server. Uses the built package (dist/), as a user would.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { CHROMIUM, hasChromium, launchChromiumContext } from "../chromium.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { StaticFiles } from "../../src/index.js";
import { integrityOf } from "../../src/core/hash.js";
import { close, listen } from "../serve/http-client.js";

// Names used inside page.evaluate(), which runs in the browser (the project's TypeScript lib has no DOM).
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare function getComputedStyle(element: unknown): { color: string; backgroundImage: string; fontFamily: string };

const TEMPLATES = fileURLToPath(new URL("../../templates/", import.meta.url));
const RESULTS = fileURLToPath(new URL("../../test-results/", import.meta.url));
const GREEN = "rgb(11, 110, 79)"; // h1 in templates/static/css/site.css
const RED = "rgb(176, 0, 32)";
const BLUE = "rgb(0, 64, 160)";

interface Site {
  app: RequestListener & { get(path: string, handler: (req: IncomingMessage, res: ServerResponse & { type(t: string): { send(body: string): void } }) => void): void };
  files: StaticFiles;
  env: { renderString(source: string, context: object): string };
}
type CreateSite = (options: { dir: string; production: boolean }) => Promise<Site>;

if (!hasChromium) console.warn(`Skipping the browser tests: ${CHROMIUM} is missing (.ci/run installs Debian's chromium).`);

describe.skipIf(!hasChromium)("the example site in headless Chromium", () => {
  let dir: string;
  let createSite: CreateSite;
  let context: BrowserContext;
  let page: Page;
  let server: Server;
  let origin: string;
  let handler: RequestListener = (_req, res) => res.end();
  /** Every request that reached the server, as `status url`, in the order the responses finished. */
  let requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "static-hash-e2e-"));
    cpSync(join(TEMPLATES, "static"), join(dir, "static"), { recursive: true });
    cpSync(join(TEMPLATES, "views"), join(dir, "views"), { recursive: true });
    // A variable specifier: the example is plain JavaScript importing the built package by its name.
    const appModule: string = pathToFileURL(join(TEMPLATES, "app.js")).href;
    ({ createSite } = (await import(appModule)) as { createSite: CreateSite });
    server = createServer((req, res) => {
      const url = req.url;
      // Chromium asks for /favicon.ico on its own schedule; it is not one of the site's files.
      if (url !== "/favicon.ico") res.on("finish", () => requests.push(`${res.statusCode} ${url}`));
      handler(req, res);
    });
    origin = await listen(server);
    context = await launchChromiumContext(join(dir, "profile"));
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    mkdirSync(RESULTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (server) await close(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Navigates (never reloads), waits for styles, fonts, images and the script, and returns the requests it caused. */
  async function visit(path: string): Promise<string[]> {
    requests = [];
    await page.goto(origin + path, { waitUntil: "load" });
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    return requests.slice().sort();
  }

  const h1Color = () => page.evaluate(() => getComputedStyle(document.querySelector("h1")).color);
  const pageState = () =>
    page.evaluate(() => ({
      status: document.getElementById("status").textContent,
      image: document.querySelector("h1 img").naturalWidth as number,
      background: getComputedStyle(document.body).backgroundImage,
      font: document.fonts.check('16px "Site Mono"'),
      codeFont: getComputedStyle(document.querySelector("code")).fontFamily,
    }));

  function editCss(from: string, to: string): void {
    const file = join(dir, "static/css/site.css");
    writeFileSync(file, readFileSync(file, "utf8").replace(from, to));
    const later = new Date(statSync(file).mtimeMs + 5_000);
    utimesSync(file, later, later);
  }

  test("development: cached on the second visit, an edited CSS file shows on the next", async () => {
    const site = await createSite({ dir, production: false });
    handler = site.app;
    const css = site.files.url("css/site.css");
    const js = site.files.url("js/site.js");
    const logo = site.files.url("img/logo.png");
    expect(css).toMatch(/^\/static\/css\/site\.css\?[0-9a-f]{6}$/);

    const first = await visit("/");
    expect(await h1Color()).toBe(GREEN);
    expect(await pageState()).toEqual({
      status: "site.js ran.",
      image: 32,
      background: `url("${origin}/static/img/pattern.png")`,
      font: true,
      codeFont: '"Site Mono", monospace',
    });
    await page.screenshot({ path: join(RESULTS, "example-site.png"), fullPage: true });
    expect(first).toEqual(
      [`200 /`, `200 ${css}`, `200 ${js}`, `200 ${logo}`, `200 /static/img/pattern.png`, `200 /static/fonts/dejavu-sans-mono-subset.woff2`].sort(),
    );

    // The Handlebars page links the same hashed URLs: they come from the cache. Files that only the
    // CSS references carry no hash in development, so the browser revalidates them (304).
    const second = await visit("/handlebars");
    expect(await h1Color()).toBe(GREEN);
    expect((await pageState()).status).toBe("site.js ran.");
    expect(second).toEqual([`200 /handlebars`, `304 /static/img/pattern.png`, `304 /static/fonts/dejavu-sans-mono-subset.woff2`].sort());

    // The page itself is unchanged: revalidated with a 304.
    const third = await visit("/");
    expect(third).toEqual([`304 /`, `304 /static/img/pattern.png`, `304 /static/fonts/dejavu-sans-mono-subset.woff2`].sort());

    editCss("#0b6e4f", "#b00020");
    const newCss = site.files.url("css/site.css");
    expect(newCss).not.toBe(css);
    const fourth = await visit("/handlebars");
    expect(await h1Color()).toBe(RED);
    expect(fourth).toEqual([`200 /handlebars`, `200 ${newCss}`, `304 /static/img/pattern.png`, `304 /static/fonts/dejavu-sans-mono-subset.woff2`].sort());
    console.log(`browser requests, development: first visit ${first.length}, second ${second.length}, third ${third.length}, after the CSS edit ${fourth.length}`);
  }, 60_000);

  test("production: collected hashed names, one request per visit once cached", async () => {
    const site = await createSite({ dir, production: true });
    handler = site.app;
    const css = site.files.url("css/site.css");
    const js = site.files.url("js/site.js");
    const logo = site.files.url("img/logo.png");
    expect([css, js, logo]).toEqual([
      expect.stringMatching(/^\/static\/css\/site\.[0-9a-f]{6}\.css$/),
      expect.stringMatching(/^\/static\/js\/site\.[0-9a-f]{6}\.js$/),
      expect.stringMatching(/^\/static\/img\/logo\.[0-9a-f]{6}\.png$/),
    ]);
    const pattern = site.files.url("img/pattern.png");
    const font = site.files.url("fonts/dejavu-sans-mono-subset.woff2");
    expect(readFileSync(join(dir, "dist", css), "utf8")).toContain(`url("../img/${pattern.split("/").pop()}")`);

    const first = await visit("/");
    expect(await h1Color()).toBe(RED);
    expect(await pageState()).toMatchObject({ status: "site.js ran.", image: 32, background: `url("${origin}${pattern}")`, font: true });
    await page.screenshot({ path: join(RESULTS, "example-site-production.png"), fullPage: true });
    expect(first).toEqual([`200 /`, `200 ${css}`, `200 ${js}`, `200 ${logo}`, `200 ${pattern}`, `200 ${font}`].sort());

    const second = await visit("/handlebars");
    expect(await h1Color()).toBe(RED);
    expect(second).toEqual([`200 /handlebars`]);
    const third = await visit("/");
    expect(third).toEqual([`304 /`]);

    // A deploy: edit, collect again, serve the new build from the same origin.
    editCss("#b00020", "#0040a0");
    const redeployed = await createSite({ dir, production: true });
    handler = redeployed.app;
    const newCss = redeployed.files.url("css/site.css");
    expect(newCss).not.toBe(css);
    expect(redeployed.files.url("img/pattern.png")).toBe(pattern);
    const fourth = await visit("/handlebars");
    expect(await h1Color()).toBe(BLUE);
    expect(fourth).toEqual([`200 /handlebars`, `200 ${newCss}`].sort());
    console.log(`browser requests, production: first visit ${first.length}, second ${second.length}, third ${third.length}, after the redeploy ${fourth.length}`);
  }, 60_000);

  test("a script whose bytes do not match its integrity attribute does not run", async () => {
    const site = await createSite({ dir, production: false });
    handler = site.app;
    const tampered = `<!doctype html><p id="status">site.js has not run.</p><script src="{% static "js/site.js" %}" integrity="{{ wrong }}"></script>`;
    site.app.get("/tampered", (_req, res) => res.type("html").send(site.env.renderString(tampered, { wrong: integrityOf("other bytes") })));
    consoleErrors.length = 0;
    await visit("/tampered");
    expect(await pageState().catch(() => null)).toBeNull(); // no h1 or code on this page
    expect(await page.evaluate(() => [document.getElementById("status").textContent, document.documentElement.dataset.staticHash ?? "unset"])).toEqual([
      "site.js has not run.",
      "unset",
    ]);
    expect(consoleErrors.join("\n")).toMatch(/integrity/);
    expect(consoleErrors.join("\n")).toContain(site.files.url("js/site.js"));

    // The control: the real page's integrity matches and the same script runs.
    await visit("/");
    expect((await pageState()).status).toBe("site.js ran.");
  }, 60_000);
});
