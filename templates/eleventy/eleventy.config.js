// The example Eleventy site's configuration, as a user of static-hash would write it.
// Paths are relative to the project root (run from there): `node templates/eleventy/build.js`,
// or `npx @11ty/eleventy --config=templates/eleventy/eleventy.config.js --serve`.
import handlebarsPlugin from "@11ty/eleventy-plugin-handlebars";
import staticHash from "static-hash/eleventy";

export default function (eleventyConfig) {
  eleventyConfig.addPlugin(handlebarsPlugin);
  // The static files the templates name; the same folder the Express example serves.
  eleventyConfig.addPlugin(staticHash, { roots: ["templates/static"], baseUrl: "/static/" });
  // Copied as they are: query-mode URLs (/static/css/site.css?<hash>) point at these copies.
  eleventyConfig.addPassthroughCopy({ "templates/static": "static" });
}

export const config = {
  dir: { input: "templates/eleventy/src", output: "templates/_site/eleventy" },
};
