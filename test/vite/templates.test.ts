/**
 * The vite tag in real engines against a real `vite build`: Nunjucks `{% vite %}` (and `<% vite %>`),
 * Handlebars `{{vite}}` (and `<<vite>>`), Eleventy's shortcode in Nunjucks, Liquid, 11ty.js and
 * Handlebars. The HTML is printed unescaped, and a missing entry names the template and line.
 */
import { join } from "node:path";
import Eleventy from "@11ty/eleventy";
import handlebarsPlugin from "@11ty/eleventy-plugin-handlebars";
import Handlebars from "handlebars";
import nunjucks from "nunjucks";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import staticHash from "../../src/eleventy.js";
import { registerStatic } from "../../src/handlebars.js";
import { StaticFiles } from "../../src/index.js";
import { angleTags, useStatic } from "../../src/nunjucks.js";
import { removeTempFolders, tempFolder, thrown, writeTree } from "../temp-folders.js";
import { buildViteApp, type ViteApp } from "./vite-app.js";

let app: ViteApp;
let files: StaticFiles;
let mainTags: string;
let mainTagsWithIntegrity: string;
beforeAll(async () => {
  app = await buildViteApp();
  files = new StaticFiles({ roots: [app.dist], vite: { manifest: app.manifestFile } });
  mainTags = files.viteTags("src/main.js");
  mainTagsWithIntegrity = files.viteTags("src/main.js", { integrity: true });
});
afterAll(removeTempFolders);

describe("Nunjucks", () => {
  const env = (options: nunjucks.ConfigureOptions = {}) => {
    const environment = new nunjucks.Environment(null, { autoescape: true, ...options });
    useStatic(environment, files);
    return environment;
  };

  test("{% vite %} prints the tags unescaped under autoescape; integrity=true adds SRI", () => {
    expect(mainTags.split("\n")).toHaveLength(4);
    expect(env().renderString('<head>{% vite "src/main.js" %}</head>', {})).toBe(`<head>${mainTags}</head>`);
    expect(env().renderString("{% vite entry %}", { entry: "src/main.js" })).toBe(mainTags);
    expect(env().renderString('{% vite "src/main.js", integrity=true %}', {})).toBe(mainTagsWithIntegrity);
    expect(env({ tags: angleTags }).renderString('<% vite "src/main.js" %>', {})).toBe(mainTags);
    expect(env().renderString('{{ "src/logo.png" | static }}', {})).toBe(`/static/${app.manifest["src/logo.png"].file}`);
  });

  test("a missing entry names the template and line; bad calls say how to write the tag", () => {
    const loader = new nunjucks.FileSystemLoader(writeTree(tempFolder("vite-njk"), { "page.njk": '<head>\n  {% vite "src/nope.js" %}\n</head>\n' }));
    const environment = new nunjucks.Environment(loader, { autoescape: true });
    useStatic(environment, files);
    const error = thrown(() => environment.render("page.njk", {}));
    expect(error.message).toContain("page.njk) [Line 2, Column 6]");
    expect(error.message).toContain('vite tag: Vite entry "src/nope.js" is not in Vite\'s manifest');
    expect(thrown(() => env().renderString("{% vite %}", {})).message).toContain('The vite tag needs an entry, as in {% vite "src/main.ts" %} or {% vite "src/main.ts", integrity=true %}.');
    expect(thrown(() => env().renderString('{% vite "a", "b" %}', {})).message).toContain("The vite tag takes one entry, got 2");
    expect(thrown(() => env().renderString('{% vite "src/main.js", nonce="x" %}', {})).message).toContain("Unknown viteTags(entry, options) option `nonce`; the only option is `integrity`.");
  });
});

describe("Handlebars", () => {
  test("{{vite}} and <<vite>> print the tags unescaped; integrity=true adds SRI", () => {
    const hb = Handlebars.create();
    registerStatic(hb, files);
    expect(hb.compile('<head>{{vite "src/main.js"}}</head>')({})).toBe(`<head>${mainTags}</head>`);
    expect(hb.compile("{{vite entry}}")({ entry: "src/main.js" })).toBe(mainTags);
    expect(hb.compile('{{vite "src/main.js" integrity=true}}')({})).toBe(mainTagsWithIntegrity);
    const angle = Handlebars.create();
    registerStatic(angle, files, { angle: true });
    expect(angle.compile('<head><<vite "src/main.js">></head> a << b >> c')({})).toBe(`<head>${mainTags}</head> a << b >> c`);
  });

  test("a missing entry names the line and column", () => {
    const hb = Handlebars.create();
    registerStatic(hb, files);
    const error = thrown(() => hb.compile('<head>\n  {{vite "src/nope.js"}}\n</head>')({}));
    expect(error.message).toMatch(/^vite helper at line 2, column 3: Vite entry "src\/nope\.js" is not in Vite's manifest/);
    expect(thrown(() => hb.compile("{{vite}}")({})).message).toBe('vite helper at line 1, column 1: {{vite}} takes one entry (optionally integrity=true), got 0 arguments; write {{vite "src/main.ts"}}.');
  });
});

describe("Eleventy", () => {
  const pages = {
    "njk.njk": '{% vite "src/main.js" %}',
    "njk-integrity.njk": '{% vite "src/main.js", integrity=true %}',
    "liquid.liquid": '{% vite "src/main.js" %}',
    "liquid-integrity.liquid": '{% vite "src/main.js", true %}',
    "js.11ty.js": 'module.exports = function () { return this.vite("src/main.js") + "|" + this.vite("src/main.js", { integrity: true }); };',
    "hbs.hbs": '{{vite "src/main.js"}}',
  };

  async function build(input: Record<string, string>, pluginOptions: object): Promise<Map<string, string>> {
    const dir = writeTree(tempFolder("vite-eleventy"), Object.fromEntries(Object.entries(input).map(([name, text]) => [`input/${name}`, text])));
    const elev = new Eleventy(join(dir, "input"), join(dir, "_site"), {
      quietMode: true,
      configPath: false,
      config: (eleventyConfig: any) => {
        eleventyConfig.addPlugin(handlebarsPlugin);
        eleventyConfig.addPlugin(staticHash, pluginOptions);
      },
    });
    const results = (await elev.toJSON()) as { inputPath: string; content: string }[];
    return new Map(results.map((result) => [result.inputPath.slice(result.inputPath.lastIndexOf("/") + 1), result.content]));
  }

  test("the vite shortcode in Nunjucks, Liquid, 11ty.js and Handlebars, with the plugin's vite option", async () => {
    const output = await build(pages, { roots: [app.dist], vite: { manifest: app.manifestFile } });
    expect(Object.fromEntries(output)).toEqual({
      "njk.njk": mainTags,
      "njk-integrity.njk": mainTagsWithIntegrity,
      "liquid.liquid": mainTags,
      "liquid-integrity.liquid": mainTagsWithIntegrity,
      "js.11ty.js": `${mainTags}|${mainTagsWithIntegrity}`,
      "hbs.hbs": mainTags,
    });
  });

  test("dev server: every language prints @vite/client and the entry from it", async () => {
    const dev = ['<script type="module" src="http://127.0.0.1:5173/@vite/client"></script>', '<script type="module" src="http://127.0.0.1:5173/src/main.js"></script>'].join("\n");
    const output = await build({ "njk.njk": pages["njk.njk"], "liquid.liquid": pages["liquid.liquid"], "hbs.hbs": pages["hbs.hbs"] }, { roots: [app.dist], vite: { devServer: "http://127.0.0.1:5173" } });
    expect(Object.fromEntries(output)).toEqual({ "njk.njk": dev, "liquid.liquid": dev, "hbs.hbs": dev });
  });

  test("a missing entry names the page", async () => {
    for (const [page, text] of [
      ["page.liquid", '{% vite "src/nope.js" %}'],
      ["page.njk", '\n{% vite "src/nope.js" %}'],
    ]) {
      const error = await build({ [page]: text }, { files }).then(
        () => undefined,
        (failure: unknown) => failure as Error,
      );
      let messages = "";
      for (let current = error as (Error & { originalError?: Error }) | undefined; current; current = current.originalError) messages += current.message + "\n";
      expect(messages).toContain('Vite entry "src/nope.js" is not in Vite\'s manifest');
      expect(messages).toContain(page === "page.liquid" ? "vite in " : "vite tag: ");
      expect(messages).toContain(page === "page.liquid" ? "input/page.liquid: Vite entry" : "input/page.njk) [Line 2, Column 4]");
    }
  });
});
