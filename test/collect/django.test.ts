// Interop with Django's own collectstatic (python3-django): same hashed names, each side reads the other's manifest.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { StaticFiles } from "../../src/index.js";
import { collect } from "../../src/collect/index.js";
import { readTree, tempFolder, writeTree } from "./trees.js";

const SCRIPT = fileURLToPath(new URL("./django-collectstatic.py", import.meta.url));

/** A python3 that can import Django: the one on PATH, or Debian's (python3-django installs there). */
function findDjangoPython(): string | undefined {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const probe = spawnSync(python, ["-c", "import django; print(django.get_version())"], { encoding: "utf8" });
    if (probe.status === 0) return python;
  }
  return undefined;
}
const python = findDjangoPython();
if (!python) console.warn("Skipping the Django interop tests: no python3 can import django (apt-get install python3-django).");

interface DjangoRun {
  ok: boolean;
  error: string | null;
  urlsFromDjango: Record<string, string>;
  urlsFromOurs: Record<string, string>;
}

function runDjango(root: string, staticRoot: string, names: readonly string[], ourOut?: string): DjangoRun {
  const output = execFileSync(python!, [SCRIPT, JSON.stringify({ root, staticRoot, names, ourOut })], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return JSON.parse(output) as DjangoRun;
}

const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
const TREE = {
  "img/logo.png": PNG,
  "img/icon.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
  "img/a b&c.png": "spaces and ampersand",
  "fonts/f.woff2": "woff2",
  "fonts/f.eot": "eot",
  "js/app.js": "console.log('app');\n",
  "js/vendor/jquery.min.js": "/*! jQuery */",
  "data/archive.tar.gz": "tgz",
  "Makefile": "all:\n",
  "empty.txt": "",
  "css/base.css": "body{margin:0}",
  "css/app.css": `@import "base.css";
.logo { background: url("../img/logo.png"); }
@font-face { font-family: f; src: url(../fonts/f.eot?#iefix) format("embedded-opentype"), url('../fonts/f.woff2') format("woff2"); }
.icon { background: url(/static/img/icon.svg#i); }
`,
  ".hidden.js": "ignored",
  "CVS/Entries": "ignored",
  "js/app.js~": "ignored",
};
const NAMES = Object.keys(TREE).filter((name) => !name.startsWith(".") && !name.startsWith("CVS/") && !name.endsWith("~"));
const NOT_CSS = NAMES.filter((name) => !name.endsWith(".css"));

describe.skipIf(!python)("Django's collectstatic (ManifestStaticFilesStorage) on the same tree", () => {
  it("writes the same hashed names for every non-CSS file with md5 and 12 characters, and each side reads the other's manifest", async () => {
    const root = writeTree(tempFolder("root"), TREE);
    const ourOut = join(tempFolder("ours"), "static");
    const djangoOut = join(tempFolder("django"), "static");
    const ours = await collect({ roots: root, out: ourOut, mode: "filename", algorithm: "md5", accuracy: 12 });
    expect(ours.problems).toEqual([]);

    const django = runDjango(root, djangoOut, NAMES, ourOut);
    expect(django.error).toBeNull();
    const djangoManifest = JSON.parse(readFileSync(join(djangoOut, "staticfiles.json"), "utf8")) as { paths: Record<string, string>; version: string };
    expect(djangoManifest.version).toBe("1.0");

    // The same names are collected (dotfiles, CVS and *~ skipped by both) ...
    expect(Object.keys(ours.manifest!.paths).sort()).toEqual(Object.keys(djangoManifest.paths).sort());
    // ... under identical hashed names, holding identical bytes.
    for (const name of NOT_CSS) {
      expect(ours.manifest!.paths[name]).toBe(djangoManifest.paths[name]);
      expect(readFileSync(join(ourOut, ours.manifest!.paths[name]))).toEqual(readFileSync(join(djangoOut, djangoManifest.paths[name])));
    }
    expect(ours.manifest!.paths["img/logo.png"]).toMatch(/^img\/logo\.[0-9a-f]{12}\.png$/);
    expect(ours.manifest!.paths["Makefile"]).toMatch(/^Makefile\.[0-9a-f]{12}$/);
    expect(ours.manifest!.paths["data/archive.tar.gz"]).toMatch(/^data\/archive\.tar\.[0-9a-f]{12}\.gz$/);
    // Both write the original name and the hashed copy of every non-CSS file, and nothing else.
    const nonCssFiles = (tree: Record<string, string>) => Object.keys(tree).filter((name) => !/\.css$/.test(name) && name !== "staticfiles.json");
    expect(nonCssFiles(readTree(ourOut))).toEqual(nonCssFiles(readTree(djangoOut)));

    // Django's storage reading our manifest gives the URLs our runtime gives from it.
    const ourRuntime = new StaticFiles({ manifest: join(ourOut, "staticfiles.json"), mode: "filename" });
    for (const name of NAMES) {
      // Django returns URLs percent-decoded; ours are encoded (`a%20b%26c.png`).
      expect(django.urlsFromOurs[name]).toBe(decodeURIComponent(ourRuntime.url(name)));
    }
    expect(django.urlsFromOurs["js/app.js"]).toBe(ourRuntime.url("js/app.js"));
    expect(django.urlsFromOurs["css/app.css"]).toBe(`/static/${ours.manifest!.paths["css/app.css"]}`);

    // Our runtime reading Django's manifest gives the URLs Django gives from it, CSS included.
    const onDjangoManifest = new StaticFiles({ manifest: join(djangoOut, "staticfiles.json") });
    for (const name of NAMES) expect(decodeURIComponent(onDjangoManifest.url(name))).toBe(django.urlsFromDjango[name]);
    expect(onDjangoManifest.url("css/app.css")).toBe(django.urlsFromDjango["css/app.css"]);
    expect(onDjangoManifest.hash("img/logo.png")).toBe(djangoManifest.paths["img/logo.png"].split(".")[1]);
    expect(onDjangoManifest.integrity("img/logo.png")).toBe(new StaticFiles({ roots: [root] }).integrity("img/logo.png"));
  });

  it("points the hashed stylesheet at the same files Django's does", async () => {
    const root = writeTree(tempFolder("root"), TREE);
    const ourOut = join(tempFolder("ours"), "static");
    const djangoOut = join(tempFolder("django"), "static");
    const ours = await collect({ roots: root, out: ourOut, mode: "filename", algorithm: "md5", accuracy: 12 });
    runDjango(root, djangoOut, []);
    const djangoPaths = JSON.parse(readFileSync(join(djangoOut, "staticfiles.json"), "utf8")).paths as Record<string, string>;
    const targets = (css: string) => [...css.matchAll(/url\(\s*["']?([^"')]+)|@import\s+"([^"]+)"/g)].map((m) => (m[1] ?? m[2]).split(/[?#]/)[0].split("/").pop());
    const ourCss = readFileSync(join(ourOut, ours.manifest!.paths["css/app.css"]), "utf8");
    const djangoCss = readFileSync(join(djangoOut, djangoPaths["css/app.css"]), "utf8");
    const base = (name: string, paths: Record<string, string>) => paths[name].split("/").pop();
    // base.css's hashed name differs (each tool hashes its own rewritten CSS); every other target is the same file.
    expect(targets(ourCss).filter((t) => t !== base("css/base.css", ours.manifest!.paths))).toEqual(
      targets(djangoCss).filter((t) => t !== base("css/base.css", djangoPaths)),
    );
    expect(targets(ourCss)).toHaveLength(5);
  });

  it("collects what Django cannot: a cycle between stylesheets, and a missing file named in a comment", async () => {
    const cycle = { "css/a.css": '@import "b.css";', "css/b.css": '@import "a.css";' };
    const commented = { "css/app.css": "/* old: url(../img/removed.png) */\na{color:red}" };
    for (const [tree, djangoError] of [
      [cycle, "RuntimeError: Max post-process passes exceeded."],
      [commented, "ValueError: The file 'img/removed.png' could not be found"],
    ] as const) {
      const root = writeTree(tempFolder("root"), tree);
      const django = runDjango(root, join(tempFolder("django"), "static"), []);
      expect(django.ok).toBe(false);
      expect(django.error).toContain(djangoError);
      const ours = await collect({ roots: root, out: join(tempFolder("ours"), "static"), mode: "filename", algorithm: "md5", accuracy: 12 });
      expect(ours.ok).toBe(true);
      expect(ours.problems).toEqual([]);
    }
  });

  it("reports every missing reference where Django stops at the first", async () => {
    const tree = { "css/a.css": "a{background:url(one.png)}", "css/b.css": "b{background:url(two.png)}" };
    const root = writeTree(tempFolder("root"), tree);
    const django = runDjango(root, join(tempFolder("django"), "static"), []);
    expect(django.error).toMatch(/^ValueError: The file 'css\/(one|two)\.png' could not be found/);
    const ours = await collect({ roots: root, out: join(tempFolder("ours"), "static") });
    expect(ours.problems.map((problem) => problem.reference)).toEqual(["one.png", "two.png"]);
  });
});
