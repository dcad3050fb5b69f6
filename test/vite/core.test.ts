/**
 * The `vite` option of StaticFiles against a real `vite build` (two entries sharing a chunk, CSS, an
 * image, a dynamic import, a CSS entry), and against hand-written manifests for the edge cases.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { StaticFiles, collect } from "../../src/index.js";
import { removeTempFolders, tempRoot, thrown } from "../temp-folders.js";
import { buildViteApp, keyOfFile, type ViteApp } from "./vite-app.js";

let app: ViteApp;
beforeAll(async () => {
  app = await buildViteApp();
});
afterAll(removeTempFolders);

function sri(file: string, algorithm = "sha384"): string {
  return `${algorithm}-${createHash(algorithm).update(readFileSync(file)).digest("base64")}`;
}

describe("a real Vite build", () => {
  const files = () => new StaticFiles({ roots: [app.dist], vite: { manifest: app.manifestFile } });

  test("a manifest name is the built file under the roots, with no second hash", () => {
    const main = app.manifest["src/main.js"];
    expect(main.file).toMatch(/^assets\/main-[\w-]{8}\.js$/);
    expect(files().url("src/main.js")).toBe(`/static/${main.file}`);
    expect(files().url("src/logo.png")).toBe(`/static/${app.manifest["src/logo.png"].file}`);
    expect(files().url("/src/main.js?v=2#top")).toBe(`/static/${main.file}?v=2#top`);
    expect(files().filePath("src/main.js")).toBe(join(app.dist, main.file));
    expect(files().hash("src/main.js")).toBe(main.file.slice("assets/main-".length, -".js".length));
    expect(files().integrity("src/main.js")).toBe(sri(join(app.dist, main.file)));
  });

  test("other names work as before, the built files too when named by their own path", () => {
    const main = app.manifest["src/main.js"];
    const digest = createHash("sha1").update(readFileSync(join(app.dist, main.file))).digest("hex").slice(0, 6);
    expect(files().url(main.file)).toBe(`/static/${main.file}?${digest}`);
    expect(thrown(() => files().url("src/nope.js")).code).toBe("STATIC_NOT_FOUND");
  });

  test("viteTags: CSS of the shared chunk then the entry's, the module script, the shared chunk preloaded", () => {
    const main = app.manifest["src/main.js"];
    expect(main.imports).toHaveLength(1);
    const shared = app.manifest[main.imports![0]];
    expect(shared.css).toHaveLength(1);
    expect(files().viteTags("src/main.js")).toBe(
      [
        `<link rel="stylesheet" href="/static/${shared.css![0]}" crossorigin>`,
        `<link rel="stylesheet" href="/static/${main.css![0]}" crossorigin>`,
        `<script type="module" src="/static/${main.file}" crossorigin></script>`,
        `<link rel="modulepreload" href="/static/${shared.file}" crossorigin>`,
      ].join("\n"),
    );
    // The dynamic import is left to Vite's own preload helper: neither its CSS nor its chunk is in the page.
    expect(files().viteTags("src/main.js")).not.toContain("lazy");
  });

  test("the second entry shares the chunk; a CSS entry is one stylesheet", () => {
    const admin = app.manifest["src/admin.js"];
    const shared = app.manifest[admin.imports![0]];
    expect(keyOfFile(app, shared.file)).toBe(app.manifest["src/main.js"].imports![0]);
    expect(files().viteTags("src/admin.js")).toBe(
      [
        `<link rel="stylesheet" href="/static/${shared.css![0]}" crossorigin>`,
        `<link rel="stylesheet" href="/static/${admin.css![0]}" crossorigin>`,
        `<script type="module" src="/static/${admin.file}" crossorigin></script>`,
        `<link rel="modulepreload" href="/static/${shared.file}" crossorigin>`,
      ].join("\n"),
    );
    expect(files().viteTags("src/print.css")).toBe(`<link rel="stylesheet" href="/static/${app.manifest["src/print.css"].file}" crossorigin>`);
  });

  test("integrity: true adds the sha384 of each file served; an algorithm can be named", () => {
    const main = app.manifest["src/main.js"];
    const shared = app.manifest[main.imports![0]];
    const at = (file: string) => join(app.dist, file);
    expect(files().viteTags("src/main.js", { integrity: true })).toBe(
      [
        `<link rel="stylesheet" href="/static/${shared.css![0]}" integrity="${sri(at(shared.css![0]))}" crossorigin>`,
        `<link rel="stylesheet" href="/static/${main.css![0]}" integrity="${sri(at(main.css![0]))}" crossorigin>`,
        `<script type="module" src="/static/${main.file}" integrity="${sri(at(main.file))}" crossorigin></script>`,
        `<link rel="modulepreload" href="/static/${shared.file}" integrity="${sri(at(shared.file))}" crossorigin>`,
      ].join("\n"),
    );
    expect(files().viteTags("src/print.css", { integrity: "sha512" })).toContain(`integrity="${sri(at(app.manifest["src/print.css"].file), "sha512")}"`);
    expect(files().viteTags("src/print.css", { integrity: false })).not.toContain("integrity");
  });

  test("a CDN baseUrl prefixes every URL", () => {
    const cdn = new StaticFiles({ roots: [app.dist], baseUrl: "https://cdn.example.com/s/", vite: { manifest: app.manifestFile } });
    const tags = cdn.viteTags("src/main.js");
    const urls = [...tags.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1]);
    expect(urls).toHaveLength(4);
    for (const url of urls) expect(url).toMatch(/^https:\/\/cdn\.example\.com\/s\/assets\//);
    expect(cdn.url("src/logo.png")).toBe(`https://cdn.example.com/s/${app.manifest["src/logo.png"].file}`);
  });

  test("isViteFile: every file, css and asset the manifest lists, and nothing else", () => {
    const f = files();
    const listed = new Set<string>();
    for (const chunk of Object.values(app.manifest)) for (const file of [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]) listed.add(file);
    expect(listed.size).toBe(10);
    for (const file of listed) expect(f.isViteFile(file)).toBe(true);
    expect(f.isViteFile("src/main.js")).toBe(false);
    expect(f.isViteFile(".vite/manifest.json")).toBe(false);
    expect(new StaticFiles({ roots: [app.dist] }).isViteFile(app.manifest["src/main.js"].file)).toBe(false);
  });

  test("an entry not in the manifest follows `missing`", () => {
    const error = thrown(() => files().viteTags("src/nope.js"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.asset).toBe("src/nope.js");
    expect(error.message).toBe(`Vite entry "src/nope.js" is not in Vite's manifest ${app.manifestFile}: name it as Vite's build input does, relative to Vite's root (such as "src/main.ts"), and build again.`);
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    let warnings: unknown[];
    try {
      const warning = new StaticFiles({ roots: [app.dist], missing: "warn", vite: { manifest: app.manifestFile } });
      expect(warning.viteTags("src/nope.js")).toBe("");
      expect(warning.viteTags("src/nope.js")).toBe("");
      expect(new StaticFiles({ roots: [app.dist], missing: "ignore", vite: { manifest: app.manifestFile } }).viteTags("src/nope.js")).toBe("");
      warnings = warn.mock.calls.map((call) => call[0]);
    } finally {
      warn.mockRestore();
    }
    expect(warnings).toEqual([error.message]);
  });

  test("built files not under the roots: the error says to add Vite's outDir", () => {
    const other = tempRoot({ "x.txt": "x" }, "vite-roots");
    const f = new StaticFiles({ roots: [other], vite: { manifest: app.manifestFile } });
    const error = thrown(() => f.url("src/main.js"));
    expect(error.code).toBe("STATIC_NOT_FOUND");
    expect(error.message).toBe(
      `Vite's manifest ${app.manifestFile} maps "src/main.js" to "${app.manifest["src/main.js"].file}", which is not in the roots (${other}): add Vite's outDir (${app.dist}) to \`roots\`, or run \`vite build\` again.`,
    );
    expect(thrown(() => f.viteTags("src/main.js")).message).toContain("which is not in the roots");
  });

  test("with a collect manifest, the built files are found in the collected folder, still without a second hash", async () => {
    const out = join(tempRoot({}, "vite-collected"), "static");
    const result = await collect({ roots: [app.dist], out, mode: "filename", quiet: true });
    expect(result.ok).toBe(true);
    const f = new StaticFiles({ manifest: result.manifestFile, vite: { manifest: app.manifestFile } });
    const main = app.manifest["src/main.js"];
    expect(f.url("src/main.js")).toBe(`/static/${main.file}`);
    expect(f.filePath("src/main.js")).toBe(join(out, main.file));
    expect(f.viteTags("src/main.js")).toContain(`<script type="module" src="/static/${main.file}" crossorigin></script>`);
    expect(f.isViteFile(main.file)).toBe(true);
  });
});

describe("dev server", () => {
  const dev = (roots = [app.dist]) => new StaticFiles({ roots, vite: { devServer: "http://localhost:5173/" } });

  test("viteTags: @vite/client and the entry from the dev server, nothing from the build", () => {
    expect(dev().viteTags("src/main.js")).toBe(
      ['<script type="module" src="http://localhost:5173/@vite/client"></script>', '<script type="module" src="http://localhost:5173/src/main.js"></script>'].join("\n"),
    );
    expect(dev().viteTags("src/print.css")).toBe(
      ['<script type="module" src="http://localhost:5173/@vite/client"></script>', '<link rel="stylesheet" href="http://localhost:5173/src/print.css">'].join("\n"),
    );
  });

  test("url() of a name no root has is the dev server's; names under the roots are hashed as before", () => {
    const root = tempRoot({ "css/site.css": "foo" });
    expect(dev([root]).url("src/main.js")).toBe("http://localhost:5173/src/main.js");
    expect(dev([root]).url("src/a b.js?x=1")).toBe("http://localhost:5173/src/a%20b.js?x=1");
    expect(dev([root]).url("css/site.css")).toBe("/static/css/site.css?0beec7");
  });

  test("the manifest is never read in dev mode, even when given", () => {
    const f = new StaticFiles({ vite: { manifest: "/no/such/manifest.json", devServer: "http://127.0.0.1:5173" } });
    expect(f.viteTags("src/main.js")).toContain("http://127.0.0.1:5173/src/main.js");
    expect(f.isViteFile("assets/main.js")).toBe(false);
  });
});

describe("hand-written manifests", () => {
  function manifestIn(data: unknown, files: Record<string, string> = {}): { dist: string; manifest: string } {
    const dist = tempRoot({ ".vite/manifest.json": typeof data === "string" ? data : JSON.stringify(data), ...files }, "vite-manifest");
    return { dist, manifest: join(dist, ".vite/manifest.json") };
  }
  const builtFiles = { "a.js": "a", "b.js": "b", "c.js": "c", "d.js": "d", "a.css": "a", "b.css": "b", "c.css": "c", "d.css": "d", "x.css": "x" };

  test("a diamond of imports and a cycle back to the entry: each CSS and preload once, never the entry", () => {
    const { dist, manifest } = manifestIn(
      {
        "src/a.js": { file: "a.js", imports: ["_b.js", "_c.js"], css: ["a.css"], isEntry: true, isDynamicEntry: false, names: ["a"], newKeyFromAFutureVite: { x: 1 } },
        "_b.js": { file: "b.js", imports: ["_d.js"], css: ["b.css", "x.css"] },
        "_c.js": { file: "c.js", imports: ["_d.js", "src/a.js"], css: ["c.css", "x.css"] },
        "_d.js": { file: "d.js", css: ["d.css"], assets: ["img.png"] },
      },
      builtFiles,
    );
    const f = new StaticFiles({ roots: [dist], vite: { manifest } });
    expect(f.viteTags("src/a.js")).toBe(
      [
        '<link rel="stylesheet" href="/static/d.css" crossorigin>',
        '<link rel="stylesheet" href="/static/b.css" crossorigin>',
        '<link rel="stylesheet" href="/static/x.css" crossorigin>',
        '<link rel="stylesheet" href="/static/c.css" crossorigin>',
        '<link rel="stylesheet" href="/static/a.css" crossorigin>',
        '<script type="module" src="/static/a.js" crossorigin></script>',
        '<link rel="modulepreload" href="/static/d.js" crossorigin>',
        '<link rel="modulepreload" href="/static/b.js" crossorigin>',
        '<link rel="modulepreload" href="/static/c.js" crossorigin>',
      ].join("\n"),
    );
    expect(f.isViteFile("img.png")).toBe(true);
  });

  test("names are percent-encoded and an & in baseUrl is escaped in the attribute", () => {
    const { dist, manifest } = manifestIn({ "src/a b.js": { file: "a b.js", css: ["it's.css"] } }, { "a b.js": "", "it's.css": "" });
    const f = new StaticFiles({ roots: [dist], baseUrl: "/s&t/", vite: { manifest } });
    expect(f.viteTags("src/a b.js")).toBe(['<link rel="stylesheet" href="/s&amp;t/it%27s.css" crossorigin>', '<script type="module" src="/s&amp;t/a%20b.js" crossorigin></script>'].join("\n"));
  });

  test("a missing or malformed manifest is STATIC_MANIFEST naming the file", () => {
    const missing = thrown(() => new StaticFiles({ vite: { manifest: "/no/such/dist/.vite/manifest.json" } }));
    expect(missing.code).toBe("STATIC_MANIFEST");
    expect(missing.message).toBe(
      "Vite's manifest /no/such/dist/.vite/manifest.json cannot be read (ENOENT): run `vite build` with `build.manifest: true`, or fix the `vite.manifest` option (Vite 5+ writes it to <outDir>/.vite/manifest.json).",
    );
    const cases: [unknown, string][] = [
      ["{ not json", "is not valid JSON"],
      [[], "is not a JSON object of chunks"],
      [{ "src/a.js": "a.js" }, 'has an entry that is not an object for "src/a.js"'],
      [{ "src/a.js": { css: [] } }, 'has no file name in "file" for "src/a.js"'],
      [{ "src/a.js": { file: "../../etc/passwd" } }, 'has "../../etc/passwd" in "file", not a file inside its outDir, for "src/a.js"'],
      [{ "src/a.js": { file: "a.js", css: "a.css" } }, 'has a "css" that is not a list for "src/a.js"'],
      [{ "src/a.js": { file: "a.js", imports: [1] } }, 'has a non-string in "imports" for "src/a.js"'],
    ];
    for (const [data, problem] of cases) {
      const { manifest } = manifestIn(data);
      const error = thrown(() => new StaticFiles({ vite: { manifest } }));
      expect(error.code).toBe("STATIC_MANIFEST");
      expect(error.message).toContain(`Vite's manifest ${manifest} ${problem}`);
    }
    const { dist, manifest } = manifestIn({ "src/a.js": { file: "a.js", imports: ["_gone.js"] } }, builtFiles);
    const dangling = thrown(() => new StaticFiles({ roots: [dist], vite: { manifest } }).viteTags("src/a.js"));
    expect(dangling.code).toBe("STATIC_MANIFEST");
    expect(dangling.message).toBe(`Vite's manifest ${manifest} says "src/a.js" imports "_gone.js", which it does not list: build again with \`vite build\`.`);
  });

  test("with watch, a rebuilt manifest is read again; without, invalidateCache() re-reads it", () => {
    const { dist, manifest } = manifestIn({ "src/a.js": { file: "a.js" } }, builtFiles);
    const watching = new StaticFiles({ roots: [dist], watch: true, vite: { manifest } });
    const still = new StaticFiles({ roots: [dist], watch: false, vite: { manifest } });
    expect(watching.url("src/a.js")).toBe("/static/a.js");
    expect(still.url("src/a.js")).toBe("/static/a.js");
    writeFileSync(manifest, JSON.stringify({ "src/a.js": { file: "b.js" }, other: { file: "c.js" } }));
    expect(watching.url("src/a.js")).toBe("/static/b.js");
    expect(still.url("src/a.js")).toBe("/static/a.js");
    still.invalidateCache();
    expect(still.url("src/a.js")).toBe("/static/b.js");
  });

  test("bad vite options fail in the constructor with STATIC_CONFIG", () => {
    const cases: [unknown, string][] = [
      ["dist/.vite/manifest.json", "Option `vite` must be an object such as"],
      [{}, "Option `vite` needs `manifest` (production) or `devServer` (development)"],
      [{ manifests: "x" }, "Unknown `vite` option `manifests`: did you mean `manifest`?"],
      [{ dev_server: "http://localhost:5173" }, "Unknown `vite` option `dev_server`: did you mean `devServer`?"],
      [{ root: "dist" }, "Unknown `vite` option `root`; the options are manifest, devServer."],
      [{ manifest: 3 }, "Option `vite.manifest` must be the path of Vite's manifest"],
      [{ devServer: "localhost:5173" }, "Option `vite.devServer` must be the dev server's http(s) origin"],
      [{ devServer: "http://localhost:5173/?x" }, "Option `vite.devServer` must be the dev server's http(s) origin"],
    ];
    for (const [vite, message] of cases) {
      const error = thrown(() => new StaticFiles({ vite } as never));
      expect(error.code).toBe("STATIC_CONFIG");
      expect(error.message).toContain(message);
    }
    const noVite = thrown(() => new StaticFiles().viteTags("src/main.ts"));
    expect(noVite.code).toBe("STATIC_CONFIG");
    expect(noVite.message).toContain("viteTags needs the `vite` option");
    const { dist, manifest } = manifestIn({ "src/a.js": { file: "a.js" } }, builtFiles);
    const f = new StaticFiles({ roots: [dist], vite: { manifest } });
    expect(thrown(() => f.viteTags("src/a.js", { integrity: "md5" } as never)).message).toContain("viteTags option `integrity` must be true, false or one of sha256, sha384, sha512");
    expect(thrown(() => f.viteTags("src/a.js", { nonce: "x" } as never)).message).toBe("Unknown viteTags(entry, options) option `nonce`; the only option is `integrity`.");
  });
});
