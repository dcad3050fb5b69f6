// Eleventy's filename mode writes hashed copies at baseUrl's path inside the output folder, and
// nowhere else: a base URL that would climb out of it, encoded or not, is refused before the
// build writes anything.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import staticHash from "../../src/eleventy.js";
import { StaticFileError } from "../../src/index.js";
import { errorChain, quietEleventy } from "../eleventy-build.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);

const FOO = "0beec7"; // sha1("foo") cut to 6

/** A project whose output folder sits three levels down, so three `..` from it reach the project folder. */
function project(): { dir: string; input: string; output: string; root: string } {
  const dir = tempFolder("eleventy-output");
  writeTree(dir, { "site/page.njk": `{% static "css/app.css" %}`, "static/css/app.css": "foo" });
  return { dir, input: join(dir, "site"), output: join(dir, "deep/er/_site"), root: join(dir, "static") };
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

async function buildWith(baseUrl: string) {
  const site = project();
  const { elev, log } = quietEleventy(site.input, site.output, (eleventyConfig) =>
    eleventyConfig.addPlugin(staticHash, { roots: [site.root], mode: "filename", baseUrl }),
  );
  const outcome = await elev.write().then(
    () => undefined,
    (error: unknown) => error,
  );
  return { site, outcome, log };
}

describe("filename mode writes only inside the output folder", () => {
  test.each([
    ["/%2e%2e/%2e%2e/%2e%2e/escaped/", "%2e%2e"],
    ["/%2E%2E/%2e./.%2E/escaped/", "%2E%2E"],
    ["/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/escaped/", "%2e%2e"],
    ["/../../../escaped/", ".."],
    ["https://cdn.example.com/a/%2e%2e/%2e%2e/b/", "%2e%2e"],
    ["//cdn.example.com/./b/", "."],
  ])("baseUrl %s", async (baseUrl, segment) => {
    const { site, outcome } = await buildWith(baseUrl);
    const error = errorChain(outcome).find((candidate) => candidate instanceof StaticFileError);
    expect(error?.code).toBe("STATIC_CONFIG");
    expect(error?.message).toBe(
      `The static-hash Eleventy plugin writes the hashed copies at baseUrl's path inside the output folder, so baseUrl ${JSON.stringify(baseUrl)} must not have "." or ".." segments (${JSON.stringify(segment)}): give the path the files are served at, such as "/static/".`,
    );
    // Nothing was written anywhere: not the escaped copy, not even the page.
    expect(filesUnder(site.dir)).toEqual(["site/page.njk", "static/css/app.css"]);
  });

  test("a malformed percent escape is a configuration error naming it, not a URIError", async () => {
    const { site, outcome } = await buildWith("/st%zz/");
    const error = errorChain(outcome).find((candidate) => candidate instanceof StaticFileError);
    expect(error?.code).toBe("STATIC_CONFIG");
    expect(error?.message).toBe(
      'baseUrl "/st%zz/" has a malformed percent escape in "st%zz": write a literal % as %25, or give the path the files are served at, such as "/static/".',
    );
    expect(errorChain(outcome).some((candidate) => candidate instanceof URIError)).toBe(false);
    expect(filesUnder(site.dir)).toEqual(["site/page.njk", "static/css/app.css"]);
  });

  test.each([
    ["/a%2fb/", "a%2fb"],
    ["/a%5Cb/", "a%5Cb"],
    ["/a%00b/", "a%00b"],
  ])("baseUrl %s, whose segment decodes to a separator or NUL, is refused", async (baseUrl, segment) => {
    const { site, outcome } = await buildWith(baseUrl);
    const error = errorChain(outcome).find((candidate) => candidate instanceof StaticFileError);
    expect(error?.code).toBe("STATIC_CONFIG");
    expect(error?.message).toBe(
      `baseUrl ${JSON.stringify(baseUrl)} has a segment (${JSON.stringify(segment)}) that decodes to a "/", "\\" or NUL, which cannot name a folder of the output: give the path the files are served at, such as "/static/".`,
    );
    expect(existsSync(site.output)).toBe(false);
  });

  test("percent escapes are decoded once: /st%20atic/ writes into _site/st atic/", async () => {
    const { site, outcome } = await buildWith("/st%20atic/");
    expect(outcome).toBeUndefined();
    expect(filesUnder(site.output)).toEqual(["page/index.html", `st atic/css/app.${FOO}.css`]);
    expect(readFileSync(join(site.output, "page/index.html"), "utf8")).toBe(`/st%20atic/css/app.${FOO}.css`);
  });
});
