/**
 * The shared adapter conformance suite, each call rendered by a real Eleventy build (3 on Node 20,
 * 4 on Node 22) of one virtual page, in Nunjucks (which autoescapes) and in Liquid (which prints
 * the URL as is). What Eleventy logs about the failing calls stays out of the test log.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import staticHash from "../../src/eleventy.js";
import type { StaticFiles } from "../../src/index.js";
import { errorChain, quietEleventy } from "../eleventy-build.js";
import { testAdapter, type ConformanceCall } from "./conformance.js";

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
