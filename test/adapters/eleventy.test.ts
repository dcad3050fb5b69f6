/**
 * The shared adapter conformance suite, each call rendered by a real Eleventy 3.1 build of one
 * virtual page, in Nunjucks (which autoescapes) and in Liquid (which prints the URL as is).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Eleventy from "@11ty/eleventy";
import { expect, test } from "vitest";
import staticHash from "../../src/eleventy.js";
import type { StaticFiles } from "../../src/index.js";
import { testAdapter, type ConformanceCall } from "./conformance.js";

/** An Eleventy project with an empty input folder in the test's site: every page is a virtual template. */
function projectIn(dir: string): string {
  const project = join(dir, "eleventy");
  mkdirSync(join(project, "input"), { recursive: true });
  return project;
}

/** Every message along Eleventy's chain of wrapped errors, as its CLI prints them. */
function withCauses(error: unknown): Error {
  const messages: string[] = [];
  for (let current = error as { message?: string; originalError?: unknown } | undefined; current && messages.length < 10; ) {
    messages.push(String(current.message));
    current = current.originalError as typeof current;
  }
  return new Error(messages.join("\n"), { cause: error });
}

async function renderPage(project: string, files: StaticFiles, page: string, content: string, asset: string): Promise<string> {
  const elev = new Eleventy(join(project, "input"), join(project, "_site"), {
    quietMode: true,
    configPath: false,
    config: (eleventyConfig: any) => {
      eleventyConfig.addPlugin(staticHash, { files });
      eleventyConfig.addTemplate(page, content, { asset, permalink: false });
    },
  });
  // Its errors reach the test as rejections; printed too, they would only fill the log.
  elev.disableLogger();
  let results;
  try {
    results = await elev.toJSON();
  } catch (error) {
    throw withCauses(error);
  }
  const rendered = results.find((result) => result.inputPath.endsWith(page));
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
