// The example site: one Express app, a Nunjucks page and a Handlebars page sharing the files in static/,
// and a small Vite-built widget (vite/) loaded by the `vite` tag.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import Handlebars from "handlebars";
import nunjucks from "nunjucks";
import { StaticFiles } from "static-hash";
import { collect } from "static-hash/collect";
import { serveStatic } from "static-hash/express";
import { registerStatic } from "static-hash/handlebars";
import { useStatic } from "static-hash/nunjucks";

/**
 * Development: hashes come from static/ and follow every edit (`watch`).
 * Production: `collect` writes hashed copies and a manifest into dist/static, and the site serves those.
 * The widget in vite/ is built by Vite (vite/dist) when the site starts, or served by Vite's dev server
 * at `viteDevServer` (`npm run dev`).
 */
export async function createSite({ dir = fileURLToPath(new URL(".", import.meta.url)), production = process.env.NODE_ENV === "production", viteDevServer } = {}) {
  const vite = await widget(dir, viteDevServer);
  const files = production ? await collectedFiles(dir, vite) : new StaticFiles({ roots: rootsOf(dir, vite), watch: true, vite });
  const pageData = { viteWidget: vite !== undefined };

  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(join(dir, "views"), { noCache: !production }), { autoescape: true });
  useStatic(env, files);
  const hb = Handlebars.create();
  registerStatic(hb, files);
  const handlebarsPage = hb.compile(readFileSync(join(dir, "views/index.hbs"), "utf8"));

  const app = express();
  app.use("/static", serveStatic(files));
  app.get("/", (_req, res) => sendPage(res, env.render("index.njk", pageData)));
  app.get("/handlebars", (_req, res) => sendPage(res, handlebarsPage(pageData)));
  return { app, files, env };
}

// Pages are revalidated on every visit (a 304 when unchanged), so a new hashed URL shows at once.
function sendPage(res, html) {
  res.set("Cache-Control", "no-cache").type("html").send(html);
}

async function collectedFiles(dir, vite) {
  const result = await collect({ roots: rootsOf(dir, vite), out: join(dir, "dist/static"), mode: "filename", compress: true, clear: true });
  for (const problem of result.problems) console.warn(problem.message);
  if (!result.ok) throw new Error("collect failed: fix the problems above.");
  return new StaticFiles({ manifest: result.manifestFile, vite });
}

/** static/, and Vite's outDir when the widget is built: Vite's files are served from /static/ too. */
function rootsOf(dir, vite) {
  return vite?.manifest ? [join(dir, "static"), join(dir, "vite/dist")] : [join(dir, "static")];
}

/** The `vite` option for the widget: its dev server, or its fresh build; none when the site has no vite/ folder. */
async function widget(dir, viteDevServer) {
  if (viteDevServer) return { devServer: viteDevServer };
  if (!existsSync(join(dir, "vite/vite.config.mjs"))) return undefined;
  const { buildWidget } = await import("./vite/build.js");
  return { manifest: await buildWidget(join(dir, "vite")) };
}
