// The site both engine suites render: a root of static files next to a views folder.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StaticFiles } from "../src/index.js";
import { writeTree } from "./temp-folders.js";

export interface EngineSite {
  dir: string;
  root: string;
  views: string;
  /** A StaticFiles over `root`, `watch` off. */
  files: StaticFiles;
  remove(): void;
}

/** `static/` holds css/app.css ("foo"), css/print.css ("bar"), js/app.js ("foo") and a&b.css ("foo"); `views/` is empty. */
export function engineSite(label: string): EngineSite {
  const dir = mkdtempSync(join(tmpdir(), `static-hash-${label}-`));
  const root = join(dir, "static");
  const views = join(dir, "views");
  writeTree(root, { "css/app.css": "foo", "css/print.css": "bar", "js/app.js": "foo", "a&b.css": "foo" });
  mkdirSync(views);
  return { dir, root, views, files: new StaticFiles({ roots: [root], watch: false }), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
