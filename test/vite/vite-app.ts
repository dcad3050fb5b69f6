/**
 * A small real Vite app in a temp folder, built with Vite's JS API: two entries sharing a chunk, CSS in
 * each, an imported image, a dynamic import and a CSS-only entry. `dist/` is what `vite build` wrote.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build, type InlineConfig } from "vite";
import { tempFolder, writeTree } from "../temp-folders.js";

/** A manifest chunk as the tests read it straight from Vite's JSON, independently of src/vite.ts. */
export interface RawChunk {
  file: string;
  css?: string[];
  assets?: string[];
  imports?: string[];
  dynamicImports?: string[];
  isEntry?: boolean;
}

export interface ViteApp {
  /** Vite's root: `src/`, `index` pages and `dist/` are under it. */
  dir: string;
  /** Vite's outDir. */
  dist: string;
  manifestFile: string;
  /** The manifest as Vite wrote it. */
  manifest: Record<string, RawChunk>;
}

// A 1x1 PNG, so the image is a file Vite emits rather than inlines.
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3f5b1a40000000049454e44ae426082", "hex");

/** The app's sources: what each module does is visible to the browser test through `window.viteApp`. */
export const APP_SOURCES: Record<string, string | Uint8Array> = {
  "src/main.js": [
    'import { mark } from "./shared.js";',
    'import "./main.css";',
    'import logo from "./logo.png";',
    'mark("main");',
    'const image = document.createElement("img");',
    "image.src = logo;",
    'image.id = "logo";',
    "document.body.append(image);",
    'window.viteApp.lazy = import("./lazy.js").then((module) => module.lazy());',
    "",
  ].join("\n"),
  "src/admin.js": ['import { mark } from "./shared.js";', 'import "./admin.css";', 'mark("admin");', ""].join("\n"),
  "src/shared.js": [
    'import "./shared.css";',
    "window.viteApp ??= { ran: [], hot: false };",
    "window.viteApp.hot = Boolean(import.meta.hot);",
    "export function mark(name) {",
    "  window.viteApp.ran.push(name);",
    '  document.documentElement.dataset.ran = window.viteApp.ran.join(" ");',
    "}",
    "",
  ].join("\n"),
  "src/lazy.js": ['import "./lazy.css";', 'export function lazy() { return "lazy ran"; }', ""].join("\n"),
  "src/main.css": ".main { color: rgb(200, 0, 0); }\n",
  "src/admin.css": ".admin { color: rgb(0, 0, 200); }\n",
  "src/shared.css": "body { color: rgb(0, 128, 0); }\n",
  "src/lazy.css": ".lazy { color: rgb(1, 2, 3); }\n",
  "src/print.css": "@media print { body { color: black; } }\n",
  "src/logo.png": PNG,
};

/** Vite's settings for the app: `base` is where the built files are served, `baseUrl` of the StaticFiles. */
export function viteConfig(dir: string, base = "/static/"): InlineConfig {
  return {
    root: dir,
    base,
    configFile: false,
    logLevel: "silent",
    build: {
      outDir: "dist",
      manifest: true,
      assetsInlineLimit: 0,
      rollupOptions: { input: ["src/main.js", "src/admin.js", "src/print.css"] },
    },
  };
}

/** Writes the app into a new temp folder (removed by `removeTempFolders()`) and builds it. */
export async function buildViteApp(base = "/static/"): Promise<ViteApp> {
  const dir = writeTree(tempFolder("vite-app"), APP_SOURCES);
  await build(viteConfig(dir, base));
  const dist = join(dir, "dist");
  const manifestFile = join(dist, ".vite/manifest.json");
  return { dir, dist, manifestFile, manifest: JSON.parse(readFileSync(manifestFile, "utf8")) };
}

/** The manifest key of the chunk whose `file` is `file`. */
export function keyOfFile(app: ViteApp, file: string): string {
  const found = Object.entries(app.manifest).find(([, chunk]) => chunk.file === file);
  if (!found) throw new Error(`no chunk writes ${file}`);
  return found[0];
}
