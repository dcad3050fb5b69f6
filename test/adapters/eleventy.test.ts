/**
 * The shared adapter conformance suite, each call rendered by a real Eleventy 3.1 build of one
 * virtual page, in Nunjucks (which autoescapes) and in Liquid (which prints the URL as is).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Eleventy from "@11ty/eleventy";
import { afterAll } from "vitest";
import staticHash from "../../src/eleventy.js";
import type { StaticFiles } from "../../src/index.js";
import { runConformance, type ConformanceCall } from "./conformance.js";

// An empty input folder: every page is a virtual template.
const project = mkdtempSync(join(tmpdir(), "static-hash-eleventy-conformance-"));
mkdirSync(join(project, "input"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Every message along Eleventy's chain of wrapped errors, as its CLI prints them. */
function withCauses(error: unknown): Error {
  const messages: string[] = [];
  for (let current = error as { message?: string; originalError?: unknown } | undefined; current && messages.length < 10; ) {
    messages.push(String(current.message));
    current = current.originalError as typeof current;
  }
  return new Error(messages.join("\n"), { cause: error });
}

async function renderPage(files: StaticFiles, page: string, content: string, asset: string): Promise<string> {
  const elev = new Eleventy(join(project, "input"), join(project, "_site"), {
    quietMode: true,
    configPath: false,
    config: (eleventyConfig: any) => {
      eleventyConfig.addPlugin(staticHash, { files });
      eleventyConfig.addTemplate(page, content, { asset, permalink: false });
    },
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
