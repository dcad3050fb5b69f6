/**
 * The Eleventy plugin, through real Eleventy builds in temporary folders: every template
 * language, Handlebars in both plugin orders, filename mode, angle syntax, errors, watch.
 * The same file runs against Eleventy 3 (Node 20) and Eleventy 4 (Node 22, `vitest.eleventy4.config.ts`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Eleventy from "@11ty/eleventy";
import { eleventyImageTransformPlugin } from "@11ty/eleventy-img";
import handlebarsPlugin from "@11ty/eleventy-plugin-handlebars";
import Handlebars from "handlebars";
import { LRUCache } from "lru-cache";
import { afterEach, describe, expect, test } from "vitest";
import staticHash, { type StaticHashPluginOptions } from "../src/eleventy.js";
import { StaticFiles } from "../src/index.js";
import { errorChain, messages, quietEleventy } from "./eleventy-build.js";
import { testAdapter, type ConformanceCall } from "./conformance/templates.js";
const FOO = "0beec7"; // sha1("foo") cut to 6
const BAR = "62cdb7"; // sha1("bar") cut to 6
const FOO_SHA256 = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=";
const FOO_SRI = "sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7";

interface Site {
  dir: string;
  input: string;
  output: string;
  root: string;
  /** `_site/<page>/index.html` of the page whose input file is `<page>.<ext>`. */
  html(page: string): string;
}

const sites: Site[] = [];
afterEach(() => {
  for (const site of sites.splice(0)) rmSync(site.dir, { recursive: true, force: true });
});

/** A project folder: `site/` holds the pages, `static/` the root (css/app.css and js/app.js hold "foo" unless told). */
function makeSite(pages: Record<string, string>, statics: Record<string, string> = { "css/app.css": "foo", "js/app.js": "foo" }): Site {
  const dir = mkdtempSync(join(tmpdir(), "static-hash-eleventy-"));
  const site: Site = {
    dir,
    input: join(dir, "site"),
    output: join(dir, "_site"),
    root: join(dir, "static"),
    html: (page) => readFileSync(join(dir, "_site", page, "index.html"), "utf8"),
  };
  for (const [name, content] of Object.entries(pages)) write(join(site.input, name), content);
  for (const [name, content] of Object.entries(statics)) write(join(site.root, name), content);
  sites.push(site);
  return site;
}

function write(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/** Rewrites a file as an editor save does, with a later mtime. */
function edit(file: string, content: string): void {
  writeFileSync(file, content);
  const later = new Date(statSync(file).mtimeMs + 5_000);
  utimesSync(file, later, later);
}

function eleventy(site: Site, config: (eleventyConfig: any) => void): Eleventy {
  return quietEleventy(site.input, site.output, config).elev;
}

/** Builds the site with the plugin (added after `before`, if given) and returns the Eleventy instance. */
async function build(site: Site, options: StaticHashPluginOptions = {}, before?: (eleventyConfig: any) => void): Promise<Eleventy> {
  const elev = eleventy(site, (eleventyConfig) => {
    before?.(eleventyConfig);
    eleventyConfig.addPlugin(staticHash, { roots: [site.root], ...options });
  });
  await elev.write();
  return elev;
}

async function buildFailure(site: Site, options: StaticHashPluginOptions = {}, before?: (eleventyConfig: any) => void): Promise<string> {
  try {
    await build(site, options, before);
  } catch (error) {
    return messages(error);
  }
  throw new Error("the build succeeded; expected it to fail");
}

const inputPath = (site: Site, page: string) => relative(process.cwd(), join(site.input, page)).split("\\").join("/");

test("the Eleventy under test is the one this run installed: 3 from the project, or 4 (on Node 22) from STATIC_HASH_ENGINES_DIR", () => {
  const enginesDir = process.env.STATIC_HASH_ENGINES_DIR;
  const installed = JSON.parse(readFileSync(join(enginesDir ?? ".", "node_modules/@11ty/eleventy/package.json"), "utf8")).version;
  expect(Eleventy.getVersion()).toBe(installed);
  expect(installed).toMatch(enginesDir ? /^4\./ : /^3\./);
  if (enginesDir) expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(22);
});

describe("every template language of one build", () => {
  test("Nunjucks, Liquid, Markdown (through Liquid and through Nunjucks) and 11ty.js print the hashed URLs", async () => {
    const site = makeSite({
      "njk.njk": `{% static "css/app.css" %}|{{ "js/app.js" | static }}|{% static "css/app.css?v=1" %}|{% integrity "js/app.js" %}|{{ "js/app.js" | integrity }}|{% set asset = "css/app.css" %}{% static asset as url %}[{{ url }}]`,
      "liquid.liquid": `{% static "css/app.css" %}|{{ "js/app.js" | static }}|{% static "css/app.css?v=1" %}|{% integrity "js/app.js" %}|{% assign asset = "css/app.css" %}{% static asset %}|{{ asset | static }}`,
      "md-liquid.md": `# Page\n\n[css]({% static "css/app.css" %})`,
      "md-njk.md": `---\ntemplateEngineOverride: njk,md\n---\n# Page\n\n[css]({% static "css/app.css?v=1" %})`,
      "js.11ty.js": "module.exports = function () { return [this.static('css/app.css'), this.static('css/app.css?v=1'), this.integrity('js/app.js'), this.integrity('js/app.js', 'sha256')].join('|'); };",
      "liquid-sri.liquid": `{{ "js/app.js" | integrity: "sha256" }}|{% integrity "js/app.js", "sha256" %}`,
    });
    await build(site);

    expect(site.html("njk")).toBe(
      `/static/css/app.css?${FOO}|/static/js/app.js?${FOO}|/static/css/app.css?v=1&amp;${FOO}|${FOO_SRI}|${FOO_SRI}|[/static/css/app.css?${FOO}]`,
    );
    // Liquid prints the URL as is: no escaping.
    expect(site.html("liquid")).toBe(
      `/static/css/app.css?${FOO}|/static/js/app.js?${FOO}|/static/css/app.css?v=1&${FOO}|${FOO_SRI}|/static/css/app.css?${FOO}|/static/css/app.css?${FOO}`,
    );
    expect(site.html("md-liquid")).toBe(`<h1>Page</h1>\n<p><a href="/static/css/app.css?${FOO}">css</a></p>\n`);
    // Nunjucks escapes & once, and markdown-it keeps the entity as it is.
    expect(site.html("md-njk")).toBe(`<h1>Page</h1>\n<p><a href="/static/css/app.css?v=1&amp;${FOO}">css</a></p>\n`);
    expect(site.html("js")).toBe(`/static/css/app.css?${FOO}|/static/css/app.css?v=1&${FOO}|${FOO_SRI}|${FOO_SHA256}`);
    expect(site.html("liquid-sri")).toBe(`${FOO_SHA256}|${FOO_SHA256}`);
  });

  test("baseUrl, accuracy and the other StaticFiles options reach every language", async () => {
    const site = makeSite({
      "njk.njk": `{% static "css/app.css" %}`,
      "liquid.liquid": `{% static "css/app.css" %}`,
    });
    await build(site, { baseUrl: "https://cdn.example.com/s", accuracy: 8 });
    expect(site.html("njk")).toBe(`https://cdn.example.com/s/css/app.css?${FOO}b5`);
    expect(site.html("liquid")).toBe(`https://cdn.example.com/s/css/app.css?${FOO}b5`);
  });
});

describe("Handlebars", () => {
  const HBS_PAGE = `{{static "css/app.css"}}|{{static "css/app.css?v=1"}}|{{integrity "js/app.js"}}|<a href="{{static (concat "css/" "app.css")}}">`;

  test("works whichever plugin is added first, and no build's helpers outlive it", async () => {
    const mine = () => "the user's own static helper";
    Handlebars.registerHelper("static", mine);
    Handlebars.registerHelper("concat", (...args: unknown[]) => args.slice(0, -1).join(""));
    try {
      // The Handlebars plugin first, our plugin after it.
      const first = makeSite({ "hbs.hbs": HBS_PAGE });
      await build(first, {}, (eleventyConfig) => eleventyConfig.addPlugin(handlebarsPlugin));
      expect(first.html("hbs")).toBe(`/static/css/app.css?${FOO}|/static/css/app.css?v&#x3D;1&amp;${FOO}|${FOO_SRI}|<a href="/static/css/app.css?${FOO}">`);
      expect(Handlebars.helpers.static).toBe(mine);
      expect(Handlebars.helpers.integrity).toBeUndefined();

      // Our plugin first, in a second build of the same process with other roots and content.
      const second = makeSite({ "hbs.hbs": HBS_PAGE }, { "css/app.css": "bar", "js/app.js": "foo" });
      const elev = eleventy(second, (eleventyConfig) => {
        eleventyConfig.addPlugin(staticHash, { roots: [second.root], baseUrl: "/assets/" });
        eleventyConfig.addPlugin(handlebarsPlugin);
      });
      await elev.write();
      expect(second.html("hbs")).toBe(`/assets/css/app.css?${BAR}|/assets/css/app.css?v&#x3D;1&amp;${BAR}|${FOO_SRI}|<a href="/assets/css/app.css?${BAR}">`);
      expect(Handlebars.helpers.static).toBe(mine);

      // A build without our plugin sees no static helper of an earlier build.
      Handlebars.unregisterHelper("static");
      const third = makeSite({ "hbs.hbs": `{{integrity "js/app.js"}}` });
      const without = eleventy(third, (eleventyConfig) => eleventyConfig.addPlugin(handlebarsPlugin));
      await expect(without.write()).rejects.toSatisfy((error) => /Missing helper: "integrity"/.test(messages(error)));
    } finally {
      Handlebars.unregisterHelper("static");
      Handlebars.unregisterHelper("concat");
    }
  });

  test("a Handlebars plugin added from inside another plugin is found too", async () => {
    const site = makeSite({ "hbs.hbs": `{{static "css/app.css"}}` });
    await build(site, {}, (eleventyConfig) =>
      eleventyConfig.addPlugin(function sitePlugins(inner: any) {
        inner.addPlugin(handlebarsPlugin);
      }),
    );
    expect(site.html("hbs")).toBe(`/static/css/app.css?${FOO}`);
    expect(Handlebars.helpers.static).toBeUndefined();
  });

  test("an instance given to the Handlebars plugin as eleventyLibraryOverride gets the helpers", async () => {
    const own = Handlebars.create();
    const site = makeSite({ "hbs.hbs": `{{static "css/app.css"}}` });
    await build(site, {}, (eleventyConfig) => eleventyConfig.addPlugin(handlebarsPlugin, { eleventyLibraryOverride: own }));
    expect(site.html("hbs")).toBe(`/static/css/app.css?${FOO}`);
    expect(Handlebars.helpers.static).toBeUndefined();
    expect(own.helpers.static).toBeUndefined();
  });
});

describe("Handlebars through an extension of your own", () => {
  test("the handlebars option names the instance your .hbs pages compile with", async () => {
    const own = Handlebars.create();
    const site = makeSite({ "page.hbs": `{{static "css/app.css"}}` });
    await build(site, { handlebars: own }, (eleventyConfig) => {
      eleventyConfig.addTemplateFormats("hbs");
      eleventyConfig.addExtension("hbs", { compile: (source: string) => own.compile(source) });
    });
    expect(site.html("page")).toBe(`/static/css/app.css?${FOO}`);
    expect(own.helpers.static).toBeUndefined();
  });
});

describe("filename mode", () => {
  test("URLs carry the hash in the file name; the files the pages used, and what their CSS references, get hashed copies", async () => {
    // A package folder as a root: the pages use two of its files, and the stylesheet refers to a font and an image.
    const site = makeSite(
      {
        "njk.njk": `{% static "dist/css/app.css" %}`,
        "liquid.liquid": `{{ "dist/js/app.js" | static }}`,
        "js.11ty.js": "module.exports = function () { return this.integrity('dist/js/app.js'); };",
      },
      {
        "package.json": `{"name": "some-lib"}`,
        "README.md": "# some-lib",
        "LICENSE": "MIT",
        "demo/index.html": "<h1>demo</h1>",
        "demo/demo.css": "body { background: url(../dist/img/unused.png) }",
        "dist/css/app.css": `@import "base.css";\n/* url(../fonts/commented.woff2) */\nbody { background: url("/static/dist/img/bg.png?v=1#x") }`,
        "dist/css/base.css": `@font-face { src: url(../fonts/f.woff2) format("woff2"), url(data:font/woff2;base64,AA==), url(https://cdn.example.com/f.woff) }\nh1 { background: url(../img/missing.png) }`,
        "dist/fonts/f.woff2": "font",
        "dist/fonts/commented.woff2": "not used",
        "dist/img/bg.png": "png",
        "dist/img/unused.png": "unused",
        "dist/js/app.js": "bar",
      },
    );
    const elev = await build(site, { mode: "filename" });
    expect(site.html("njk")).toBe("/static/dist/css/app.6f0904.css");
    expect(site.html("liquid")).toBe(`/static/dist/js/app.${BAR}.js`);
    const staticOut = join(site.output, "static");
    const written = () =>
      readdirSync(staticOut, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(staticOut, join(entry.parentPath, entry.name)))
        .sort();
    // Not package.json, README, LICENSE, the demo, the commented-out font or the image only the demo uses.
    expect(written()).toEqual(["dist/css/app.6f0904.css", "dist/css/base.0dca76.css", "dist/fonts/f.464257.woff2", "dist/img/bg.9040a7.png", `dist/js/app.${BAR}.js`]);
    // Byte for byte the sources: references inside CSS are not rewritten.
    expect(readFileSync(join(staticOut, "dist/css/base.0dca76.css"), "utf8")).toBe(readFileSync(join(site.root, "dist/css/base.css"), "utf8"));
    expect(readFileSync(join(staticOut, "dist/fonts/f.464257.woff2"), "utf8")).toBe("font");

    // After an edit of the font, the next build writes its new copy; the old one stays for pages still cached somewhere.
    edit(join(site.root, "dist/fonts/f.woff2"), "font v2");
    await elev.write();
    expect(written()).toEqual(["dist/css/app.6f0904.css", "dist/css/base.0dca76.css", "dist/fonts/f.43a142.woff2", "dist/fonts/f.464257.woff2", "dist/img/bg.9040a7.png", `dist/js/app.${BAR}.js`]);
  });

  test('copy: "all" writes every file of the roots, as Django\'s collectstatic does', async () => {
    const site = makeSite(
      { "njk.njk": `{% static "css/app.css" %}`, "liquid.liquid": `{{ "js/app.js" | static }}` },
      { "css/app.css": "foo", "js/app.js": "bar", "img/logo.svg": "<svg/>", ".env": "secret", "css/old.css~": "x", "css/odd?name.css": "x" },
    );
    symlinkSync(join(site.root, "css/app.css"), join(site.root, "css/link.css"));
    const elev = await build(site, { mode: "filename", copy: "all" });
    expect(site.html("njk")).toBe(`/static/css/app.${FOO}.css`);
    expect(site.html("liquid")).toBe(`/static/js/app.${BAR}.js`);
    const staticOut = join(site.output, "static");
    expect(readFileSync(join(staticOut, `css/app.${FOO}.css`), "utf8")).toBe("foo");
    expect(readFileSync(join(staticOut, `js/app.${BAR}.js`), "utf8")).toBe("bar");
    // Every file of the roots, referenced or not; links followed, dotfiles, backups and names no template can ask for skipped.
    expect(readdirSync(join(staticOut, "img"))).toEqual(["logo.1c3ba3.svg"]);
    expect(existsSync(join(staticOut, ".env"))).toBe(false);
    expect(readdirSync(join(staticOut, "css")).sort()).toEqual([`app.${FOO}.css`, `link.${FOO}.css`]);

    // After an edit the next build writes the new copy; the old one stays for pages still cached somewhere.
    edit(join(site.root, "css/app.css"), "bar");
    await elev.write();
    expect(site.html("njk")).toBe(`/static/css/app.${BAR}.css`);
    expect(readFileSync(join(staticOut, `css/app.${BAR}.css`), "utf8")).toBe("bar");
    expect(readdirSync(join(staticOut, "css")).sort()).toEqual([`app.${FOO}.css`, `app.${BAR}.css`, `link.${BAR}.css`, `link.${FOO}.css`].sort());
  });

  test("copy takes \"used\" or \"all\" only", async () => {
    const site = makeSite({ "njk.njk": "x" });
    const message = await buildFailure(site, { mode: "filename", copy: "every" as never });
    expect(message).toContain('Option `copy` of the static-hash Eleventy plugin is "used" (a hashed copy of each file the pages name, and of what their CSS references) or "all" (of every file of the roots); got "every".');
  });

  test("query mode and toJSON() builds write no copies", async () => {
    const site = makeSite({ "njk.njk": `{% static "css/app.css" %}` });
    await build(site);
    expect(existsSync(join(site.output, "static"))).toBe(false);
    const json = await eleventy(site, (eleventyConfig) => eleventyConfig.addPlugin(staticHash, { roots: [site.root], mode: "filename" })).toJSON();
    expect(json.map((page) => page.content)).toEqual([`/static/css/app.${FOO}.css`]);
    expect(existsSync(join(site.output, "static"))).toBe(false);
  });

  test("a CDN baseUrl writes the copies under its path", async () => {
    const site = makeSite({ "njk.njk": `{% static "css/app.css" %}` });
    await build(site, { mode: "filename", baseUrl: "https://cdn.example.com/assets/v1/" });
    expect(site.html("njk")).toBe(`https://cdn.example.com/assets/v1/css/app.${FOO}.css`);
    expect(readFileSync(join(site.output, "assets/v1/css", `app.${FOO}.css`), "utf8")).toBe("foo");
  });
});

// A 1×1 transparent PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNgYAAAAAMAASsJTYQAAAAASUVORK5CYII=", "base64");

describe("eleventy-img's transform, configured as in the eleventy-base-blog starter", () => {
  // The starter's options: every <img> of every HTML page goes through eleventy-img, and a failure keeps the page.
  const baseBlogImages = (eleventyConfig: any) =>
    eleventyConfig.addPlugin(eleventyImageTransformPlugin, {
      formats: ["avif", "webp", "auto"],
      failOnError: false,
      htmlOptions: { imgAttributes: { loading: "lazy", decoding: "async" } },
      sharpOptions: { animated: true },
    });

  test.each([
    ["before", true],
    ["after", false],
  ])("added %s static-hash: static's image URLs are left alone, the page's own images still go through eleventy-img", async (_order, imagesFirst) => {
    const site = makeSite(
      {
        "njk.njk": `<img src="{% static "img/x.png" %}" alt="x"><img src="{% static "img/x.png?v=1" %}" alt="v"><img src="photo.png" alt="photo">`,
        "liquid.liquid": `<picture><source srcset="{% static "img/x.png" %}"><img src="{% static "img/x.png" %}" alt="p"></picture>`,
        "js.11ty.js": "module.exports = function () { return `<img src=\"${this.static('img/x.png')}\" alt=\"js\" eleventy:ignore>`; };",
      },
      { "img/x.png": PNG as unknown as string },
    );
    write(join(site.input, "photo.png"), PNG as unknown as string);
    const elev = eleventy(site, (eleventyConfig) => {
      if (imagesFirst) baseBlogImages(eleventyConfig);
      eleventyConfig.addPlugin(staticHash, { roots: [site.root] });
      if (!imagesFirst) baseBlogImages(eleventyConfig);
    });
    await elev.write();
    const hash = new StaticFiles({ roots: [site.root] }).hash("img/x.png");
    const page = site.html("njk");
    expect(page.slice(0, page.indexOf("<picture>"))).toBe(`<img src="/static/img/x.png?${hash}" alt="x"><img src="/static/img/x.png?v=1&amp;${hash}" alt="v">`);
    // The page's own image: eleventy-img's <picture> with its own hashed files (eleventy-img 7 drops the lone ` 1w`).
    expect(page.slice(page.indexOf("<picture>"))).toMatch(/^<picture><source type="image\/avif" srcset="\/njk\/[\w-]+-1\.avif(?: 1w)?">.*<img loading="lazy" decoding="async" src="\/njk\/[\w-]+-1\.png" alt="photo" width="1" height="1"><\/picture>$/);
    expect(site.html("liquid")).toBe(`<picture><source srcset="/static/img/x.png?${hash}"><img src="/static/img/x.png?${hash}" alt="p"></picture>`);
    // An eleventy:ignore of the page's own is eleventy-img's, which takes it off.
    expect(site.html("js")).toBe(`<img src="/static/img/x.png?${hash}" alt="js">`);
  });

  test("without eleventy-img, the pages' HTML is not transformed at all", async () => {
    const site = makeSite({ "njk.njk": `<IMG SRC='{% static "css/app.css" %}'  alt=x>` });
    await build(site);
    expect(site.html("njk")).toBe(`<IMG SRC='/static/css/app.css?${FOO}'  alt=x>`);
  });
});

describe("angle: true", () => {
  test("<% static %> in Nunjucks and <<static>> in Handlebars, keeping the user's Nunjucks options", async () => {
    const site = makeSite({
      "njk.njk": `<% static "css/app.css" %>|{{ "js/app.js" | static }}|<% integrity "js/app.js" %>|{% static "css/app.css" %}`,
      "hbs.hbs": `<<static "css/app.css">>|{{static "js/app.js"}}|1 << 2`,
      "md.md": `---\ntemplateEngineOverride: njk,md\n---\n[css](<% static "css/app.css" %>)`,
    });
    let environmentOptions: Record<string, unknown> = {};
    const plainParse = Handlebars.parse;
    await build(site, { angle: true }, (eleventyConfig) => {
      eleventyConfig.setNunjucksEnvironmentOptions({ dev: true, trimBlocks: true });
      eleventyConfig.addPlugin(handlebarsPlugin);
      eleventyConfig.amendLibrary("njk", (env: { opts: Record<string, unknown> }) => {
        environmentOptions = env.opts;
      });
    });
    expect(site.html("njk")).toBe(`/static/css/app.css?${FOO}|/static/js/app.js?${FOO}|${FOO_SRI}|{% static "css/app.css" %}`);
    expect(site.html("hbs")).toBe(`/static/css/app.css?${FOO}|/static/js/app.js?${FOO}|1 << 2`);
    expect(site.html("md")).toBe(`<p><a href="/static/css/app.css?${FOO}">css</a></p>\n`);
    // The module-wide Handlebars reads {{ }} only again once the build is over.
    expect(Handlebars.parse).toBe(plainParse);
    expect(environmentOptions).toMatchObject({ dev: true, trimBlocks: true, tags: { blockStart: "<%", blockEnd: "%>" } });
  });

  test("without angle, Eleventy's Nunjucks keeps its dev: true default", async () => {
    const site = makeSite({ "njk.njk": `{% static "css/app.css" %}` });
    let environmentOptions: Record<string, unknown> = {};
    await build(site, {}, (eleventyConfig) =>
      eleventyConfig.amendLibrary("njk", (env: { opts: Record<string, unknown> }) => {
        environmentOptions = env.opts;
      }),
    );
    expect(environmentOptions.dev).toBe(true);
    expect(environmentOptions.tags).toBeUndefined();
  });
});

describe("a missing file fails the build, naming the template and the asset", () => {
  const cases: Array<[string, string, string, ((eleventyConfig: any) => void)?]> = [
    ["Nunjucks", "page.njk", `ok\n{% static "css/missing.css" %}`],
    ["Nunjucks filter", "page.njk", `{{ "css/missing.css" | static }}`],
    ["Liquid", "page.liquid", `{% static "css/missing.css" %}`],
    ["Markdown", "page.md", `# Title\n\n{{ "css/missing.css" | static }}`],
    ["11ty.js", "page.11ty.js", `module.exports = function () { return this.static("css/missing.css"); };`],
    ["Handlebars", "page.hbs", `{{static "css/missing.css"}}`, (eleventyConfig) => eleventyConfig.addPlugin(handlebarsPlugin)],
  ];
  test.each(cases)("%s", async (_language, page, content, before) => {
    const site = makeSite({ [page]: content });
    const message = await buildFailure(site, {}, before);
    expect(message).toContain(inputPath(site, page));
    expect(message).toContain(`"css/missing.css" was not found`);
  });

  test("the helpers a failed Handlebars build leaves behind refuse to serve another build", async () => {
    const failed = makeSite({ "page.hbs": `{{static "css/missing.css"}}` });
    await buildFailure(failed, {}, (eleventyConfig) => eleventyConfig.addPlugin(handlebarsPlugin));
    try {
      // Eleventy emits no event when a build fails, so the helper is still on the module-wide instance…
      expect(Handlebars.helpers.static).toBeTypeOf("function");
      // …but another site's build without static-hash gets an error, not the failed build's URLs.
      const other = makeSite({ "page.hbs": `{{static "css/app.css"}}` });
      const without = eleventy(other, (eleventyConfig) => eleventyConfig.addPlugin(handlebarsPlugin));
      const message = await without.write().then(() => "the build succeeded", messages);
      expect(message).toContain(`The static helper on this Handlebars instance belongs to the Eleventy build writing ${failed.output}, which failed`);
      // The next build that does use static-hash takes the leftover off when it ends.
      await build(other, {}, (eleventyConfig) => eleventyConfig.addPlugin(handlebarsPlugin));
      expect(other.html("page")).toBe(`/static/css/app.css?${FOO}`);
      expect(Handlebars.helpers.static).toBeUndefined();
    } finally {
      Handlebars.unregisterHelper("static");
      Handlebars.unregisterHelper("integrity");
    }
  });

  test("Liquid and 11ty.js put the page's path in the static-hash error itself", async () => {
    const site = makeSite({ "page.liquid": `{{ "css/missing.css" | static }}` });
    const message = await buildFailure(site);
    expect(message).toContain(`static in ${inputPath(site, "page.liquid")}: Static file "css/missing.css" was not found`);
  });
});

describe("watch", () => {
  test("after an edit under the roots, Eleventy's watch rebuild prints the new hash (even with stat checks off)", async () => {
    const site = makeSite({ "njk.njk": `{% static "css/app.css" %}|{% static "js/app.js" %}` });
    // Eleventy watches paths inside the project only: run it from the site's folder, as its CLI would be.
    const cwd = process.cwd();
    process.chdir(site.dir);
    try {
      // Relative roots resolve against the project folder; stat checks off, so only the watch hook can refresh a hash.
      const cache = new LRUCache<string, object>({ max: 100 });
      const files = new StaticFiles({ roots: ["static"], watch: false, cache });
      const { elev } = quietEleventy("site", "_site", (eleventyConfig) => eleventyConfig.addPlugin(staticHash, { files }));
      await elev.init();
      await elev.watch();
      try {
        expect(site.html("njk")).toBe(`/static/css/app.css?${FOO}|/static/js/app.js?${FOO}`);
        const unrelated = cache.get("staticfiles_hash:0:js/app.js");
        expect(unrelated).toBeDefined();
        // chokidar may miss a save made the instant it is ready: save again until a rebuild shows up.
        for (let polls = 0; !site.html("njk").includes(BAR); polls++) {
          if (polls % 40 === 0) edit(join(site.root, "css/app.css"), "bar");
          await sleep(25);
        }
        expect(site.html("njk")).toBe(`/static/css/app.css?${BAR}|/static/js/app.js?${FOO}`);
        // Only the edited name was forgotten: the other hash is still the entry cached before the edit,
        // and no new generation of the cache was started.
        expect([...cache.keys()].sort()).toEqual(["staticfiles_hash:0:css/app.css", "staticfiles_hash:0:js/app.js"]);
        expect(cache.get("staticfiles_hash:0:js/app.js")).toBe(unrelated);
      } finally {
        await elev.stopWatch();
      }
    } finally {
      process.chdir(cwd);
    }
  });

  test("the second write() of the same Eleventy after an edit prints the new hash", async () => {
    const site = makeSite({ "liquid.liquid": `{% static "css/app.css" %}`, "njk.njk": `{% static "css/app.css" %}` });
    const elev = await build(site);
    expect(site.html("liquid")).toBe(`/static/css/app.css?${FOO}`);
    edit(join(site.root, "css/app.css"), "bar");
    await elev.write();
    expect(site.html("liquid")).toBe(`/static/css/app.css?${BAR}`);
    expect(site.html("njk")).toBe(`/static/css/app.css?${BAR}`);
  });
});

describe("options", () => {
  test("files and StaticFiles options together are refused", async () => {
    const site = makeSite({ "njk.njk": "x" });
    const message = await buildFailure(site, { files: new StaticFiles({ roots: [site.root] }) });
    expect(message).toContain("Pass either `files`");
  });

  test("an unknown option names the nearest of the plugin's and StaticFiles' options", async () => {
    const site = makeSite({ "njk.njk": "x" });
    const cases: [Record<string, unknown>, string][] = [
      [{ angel: true }, "Unknown static-hash Eleventy plugin option `angel`: did you mean `angle`?"],
      [{ rots: [site.root] }, "Unknown static-hash Eleventy plugin option `rots`: did you mean `roots`?"],
      [
        { zzz: 1 },
        "Unknown static-hash Eleventy plugin option `zzz`; the options are angle, files, handlebars, copy, roots, baseUrl, accuracy, algorithm, mode, manifest, cache, keyPrefix, watch, missing, vite.",
      ],
    ];
    for (const [options, message] of cases) expect(await buildFailure(site, { roots: [site.root], ...options } as StaticHashPluginOptions)).toContain(message);
  });
});

describe("the built package", () => {
  test("a CommonJS config can require() the plugin itself, or by name or as default", async () => {
    const required = createRequire(import.meta.url)("static-hash/eleventy");
    // Eleventy plugins are usually required as the function itself: addPlugin(require("…")).
    expect(typeof required).toBe("function");
    expect(required.staticHash).toBe(required);
    expect(required.default).toBe(required);
    const site = makeSite({ "liquid.liquid": `{% static "css/app.css" %}` });
    const elev = eleventy(site, (eleventyConfig) => eleventyConfig.addPlugin(required, { roots: [site.root] }));
    await elev.write();
    expect(site.html("liquid")).toBe(`/static/css/app.css?${FOO}`);
  });


  test("node templates/eleventy/build.js builds every page with the hashed URLs (built package)", () => {
    const output = execFileSync(process.execPath, ["templates/eleventy/build.js"], { encoding: "utf8" });
    expect(output).toContain("Wrote 5 files");
    const files = new StaticFiles({ roots: ["templates/static"] });
    const site = join("templates", "_site", "eleventy");
    const stylesheet = files.url("css/site.css");
    for (const page of ["index.html", "liquid/index.html", "markdown/index.html", "handlebars/index.html", "javascript/index.html"]) {
      const html = readFileSync(join(site, page), "utf8");
      expect(html).toContain(`<link rel="stylesheet" href="${stylesheet}" integrity="${files.integrity("css/site.css")}">`);
      expect(html).toContain(page.startsWith("markdown") ? `<a href="${stylesheet}">the stylesheet</a>` : `<code>${stylesheet}</code>`);
    }
  });
});

/**
 * The shared adapter conformance suite, each call rendered by a real Eleventy build (3 on Node 20,
 * 4 on Node 22) of one virtual page, in Nunjucks (which autoescapes) and in Liquid (which prints
 * the URL as is). What Eleventy logs about the failing calls stays out of the test log.
 */
/** An Eleventy project with an empty input folder in the test's site: every page is a virtual template. */
function projectIn(dir: string): string {
  const project = join(dir, "eleventy");
  mkdirSync(join(project, "input"), { recursive: true });
  return project;
}

/** Every message along Eleventy's chain of wrapped errors, as its CLI prints them. */
function withCauses(error: unknown): Error {
  return new Error(
    errorChain(error)
      .map((error) => String(error.message))
      .join("\n"),
    { cause: error },
  );
}

async function renderPage(project: string, files: StaticFiles, page: string, content: string, asset: string): Promise<string> {
  const { elev } = quietEleventy(join(project, "input"), join(project, "_site"), (eleventyConfig) => {
    eleventyConfig.addPlugin(staticHash, { files });
    eleventyConfig.addTemplate(page, content, { asset, permalink: false });
  });
  let results;
  try {
    results = await elev.toJSON();
  } catch (error) {
    throw withCauses(error);
  }
  const rendered = results.find((result: { inputPath: string }) => result.inputPath.endsWith(page));
  if (!rendered) throw new Error(`Eleventy rendered no ${page}`);
  return rendered.content;
}

/** `{% static "x" %}` or `{% static asset %}`: the same tag syntax in Nunjucks and Liquid. */
function tagFor(call: ConformanceCall): string {
  const argument = call.via === "literal" ? JSON.stringify(call.name) : "asset";
  return `{% ${call.helper} ${argument} %}`;
}

testAdapter({
  name: "eleventy",
  forms: [
    {
      name: "nunjucks",
      escapes: true,
      render: (files, call, site) => renderPage(projectIn(site.dir), files, "page.njk", tagFor(call), call.name),
    },
    {
      name: "liquid",
      escapes: false,
      render: (files, call, site) => renderPage(projectIn(site.dir), files, "page.liquid", tagFor(call), call.name),
    },
  ],
  additionalTests: (site) => {
    test("a render error names the page", async () => {
      const failure = await renderPage(projectIn(site().dir), site().files(), "broken.njk", '{% static "css/missing.css" %}', "").catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(/broken\.njk/);
      expect((failure as Error).message).toMatch(/Static file "css\/missing\.css" was not found/);
    });
  },
});
