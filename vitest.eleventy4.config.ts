import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { defineConfig } from "vitest/config";

/**
 * The Eleventy suite again, on Node 22 with Eleventy 4 and express-handlebars 9 from a separate
 * install (`.ci/run` makes it), while the main suite keeps Eleventy 3 on Node 20:
 *
 *     STATIC_HASH_ENGINES_DIR=.ci/eleventy4 vitest run --config vitest.eleventy4.config.ts
 *
 * The test files import `@11ty/eleventy` as always; the aliases below point that one import (and
 * express-handlebars, eleventy-img) at the copies in STATIC_HASH_ENGINES_DIR.
 */
const enginesDir = resolve(process.env.STATIC_HASH_ENGINES_DIR ?? ".ci/eleventy4");
const fromEngines = createRequire(join(enginesDir, "package.json"));
const packageFolder = (name: string) => join(enginesDir, "node_modules", name);

const versionOf = (name: string) => JSON.parse(readFileSync(join(packageFolder(name), "package.json"), "utf8")).version as string;
console.log(`Node ${process.versions.node}; from ${enginesDir}: @11ty/eleventy ${versionOf("@11ty/eleventy")}, express-handlebars ${versionOf("express-handlebars")}, @11ty/eleventy-img ${versionOf("@11ty/eleventy-img")}`);

const reporters: NonNullable<NonNullable<Parameters<typeof defineConfig>[0]["test"]>["reporters"]> = process.env.CI
  ? ["default", ["json", { outputFile: ".vitest-report-eleventy4.json" }]]
  : ["default"];

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@11ty\/eleventy$/, replacement: join(packageFolder("@11ty/eleventy"), "src/Core.js") },
      { find: /^@11ty\/eleventy-img$/, replacement: join(packageFolder("@11ty/eleventy-img"), "img.js") },
      { find: /^express-handlebars$/, replacement: fromEngines.resolve("express-handlebars") },
    ],
  },
  test: {
    include: ["test/eleventy.test.ts", "test/hardening/eleventy-*.test.ts", "test/handlebars.test.ts"],
    env: { STATIC_HASH_ENGINES_DIR: enginesDir },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters,
  },
});
