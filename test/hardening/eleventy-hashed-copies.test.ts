// Eleventy's filename mode copies each used file under its hashed name after the build: a source
// that changes while the site is built must not put other bytes under the name its pages were given.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import staticHash from "../../src/eleventy.js";
import { StaticFiles } from "../../src/index.js";
import { errorChain, quietEleventy } from "../eleventy-build.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);

const FOO = "0beec7"; // sha1("foo") cut to 6

function build(changeDuringBuild: boolean) {
  const dir = tempFolder("eleventy-copies");
  writeTree(dir, { "site/page.njk": `{% static "css/app.css" %}`, "static/css/app.css": "foo" });
  const output = join(dir, "_site");
  const { elev } = quietEleventy(join(dir, "site"), output, (eleventyConfig) => {
    // Without watch the cache keeps the hash the pages were given until invalidateCache(), as in a production build.
    eleventyConfig.addPlugin(staticHash, { files: new StaticFiles({ roots: [join(dir, "static")], mode: "filename", watch: false }) });
    // Runs as each page is written, after its URLs were made and before the copies are.
    eleventyConfig.addTransform("edit-the-source", (content: string) => {
      if (changeDuringBuild) writeFileSync(join(dir, "static/css/app.css"), "bar");
      return content;
    });
  });
  return { output, outcome: elev.write().then(() => undefined, (error: unknown) => error) };
}

test("a source that changed during the build fails it, and no copy holds other bytes under the page's hash", async () => {
  const { output, outcome } = build(true);
  const error = await outcome;
  expect(errorChain(error).map((e) => e.message)).toContain(
    `static-hash: css/app.css changed while Eleventy built the site, so css/app.${FOO}.css would not hold the bytes its hash names; nothing was written for it. Build again.`,
  );
  expect(readFileSync(join(output, "page/index.html"), "utf8")).toBe(`/static/css/app.${FOO}.css`);
  expect(readdirSync(join(output, "static/css"), { withFileTypes: true }).map((entry) => entry.name)).toEqual([]);
});

test("an unchanged source is copied under its hash, byte for byte", async () => {
  const { output, outcome } = build(false);
  expect(await outcome).toBeUndefined();
  expect(readFileSync(join(output, `static/css/app.${FOO}.css`), "utf8")).toBe("foo");
});
