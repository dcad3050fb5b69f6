// Builds the example Eleventy site into templates/_site/eleventy: `node templates/eleventy/build.js`
// (after `npm run build`, since the config imports the built "static-hash/eleventy").
import { fileURLToPath } from "node:url";
import Eleventy from "@11ty/eleventy";

// Eleventy resolves every path against the working directory: run from the project root.
process.chdir(fileURLToPath(new URL("../..", import.meta.url)));

const elev = new Eleventy(undefined, undefined, { configPath: "templates/eleventy/eleventy.config.js" });
await elev.write();
