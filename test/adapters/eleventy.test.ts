/**
 * The shared adapter conformance suite, each call rendered by a real Eleventy build (3 on Node 20,
 * 4 on Node 22) of one virtual page, in Nunjucks (which autoescapes) and in Liquid (which prints
 * the URL as is). What Eleventy logs about the failing calls stays out of the test log.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import staticHash from "../../src/eleventy.js";
import type { StaticFiles } from "../../src/index.js";
import { errorChain, quietEleventy } from "../eleventy-build.js";
import { runConformance, type ConformanceCall } from "./conformance.js";

// An empty input folder: every page is a virtual template.
const project = mkdtempSync(join(tmpdir(), "static-hash-eleventy-conformance-"));
mkdirSync(join(project, "input"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Every message along Eleventy's chain of wrapped errors, as its CLI prints them. */
function withCauses(error: unknown): Error {
  return new Error(
    errorChain(error)
      .map((error) => String(error.message))
      .join("\n"),
    { cause: error },
  );
}

async function renderPage(files: StaticFiles, page: string, content: string, asset: string): Promise<string> {
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
  const rendered = results.find((result) => result.inputPath.endsWith(page));
  if (!rendered) throw new Error(`Eleventy rendered no ${page}`);
  return rendered.content;
}

/** `{% static "x" %}` or `{% static asset %}`: the same tag syntax in Nunjucks and Liquid. */
function tagFor(call: ConformanceCall): string {
  const argument = call.via === "literal" ? JSON.stringify(call.name) : "asset";
  return `{% ${call.helper} ${argument} %}`;
}

runConformance({
  name: "eleventy-njk",
  escapes: true,
  render: (files, call) => renderPage(files, "page.njk", tagFor(call), call.name),
});

runConformance({
  name: "eleventy-liquid",
  escapes: false,
  render: (files, call) => renderPage(files, "page.liquid", tagFor(call), call.name),
});
