// The package as a user gets it: `npm pack`, then `npm install <tarball>` into a fresh project,
// then ESM imports, CommonJS require, the bin, and TypeScript types against that installed copy.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeTempFolders, tempFolder } from "../temp-folders.js";

const PACKAGE = resolve(import.meta.dirname, "../..");
const SHA384_FOO = "sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7";
let work: string;
let project: string;
let tarballFiles: string[];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking the worker, so the slow steps can overlap. */
function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NODE_OPTIONS: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

function node(script: string, file: string): Promise<Run> {
  writeFileSync(join(project, file), script);
  return run(process.execPath, [file], project);
}

/** Node's one-time notices (require of ESM is experimental on Node 20) are not the package's output. */
function withoutNodeNotices(stderr: string): string {
  return stderr.replace(/^.*(ExperimentalWarning|--trace-warnings).*\n?/gm, "");
}

beforeAll(async () => {
  if (!existsSync(join(PACKAGE, "dist/index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` (npm test does) before this suite.");
  }
  work = tempFolder("installed");
  // --ignore-scripts: `prepare` would rebuild dist/ while other suites read it; npm test has built it.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: PACKAGE, encoding: "utf8" }),
  );
  tarballFiles = packed[0].files.map((file: { path: string }) => file.path);
  const tarball = join(work, packed[0].filename);

  project = join(work, "site");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "site", private: true, type: "module" }));
  const install = await run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", tarball],
    project,
  );
  if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);

  // The engines and TypeScript's Node types come from this repository, linked as a user's own
  // dependencies: only under with-engines/, so the project root shows a site without any engine.
  const engines = join(project, "with-engines/node_modules");
  mkdirSync(join(engines, "@types"), { recursive: true });
  for (const name of ["nunjucks", "handlebars", "@types/node"]) {
    symlinkSync(join(PACKAGE, "node_modules", name), join(engines, name), "dir");
  }
}, 180_000);

afterAll(removeTempFolders);

describe("the tarball", () => {
  it("holds dist/, README.md, LICENSE and package.json only, and no test file", () => {
    expect(tarballFiles).toContain("package.json");
    expect(tarballFiles).toContain("README.md");
    expect(tarballFiles).toContain("dist/cli.js");
    for (const name of ["index", "nunjucks", "handlebars", "eleventy", "express", "fastify", "koa", "hono", "collect/index"]) {
      expect(tarballFiles).toContain(`dist/${name}.js`);
      expect(tarballFiles).toContain(`dist/${name}.d.ts`);
    }
    expect(tarballFiles).toContain("LICENSE");
    expect(tarballFiles.filter((path) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(path))).toEqual([]);
    expect(tarballFiles.filter((path) => /\.(test|spec)\.|(^|\/)(test|tests|__tests__|fixtures)\//.test(path))).toEqual([]);
  });

  it("installs the bin as an executable node script", () => {
    const cli = join(project, "node_modules/static-hash/dist/cli.js");
    expect(readFileSync(cli, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
    expect(statSync(join(project, "node_modules/.bin/static-hash")).mode & 0o111).not.toBe(0);
  });
});

describe("ESM", () => {
  it("imports every subpath with no engine installed", async () => {
    const { code, stdout, stderr } = await node(
      `
      import { StaticFiles, StaticFileError } from "static-hash";
      import { useStatic, StaticExtension, angleTags } from "static-hash/nunjucks";
      import { registerStatic } from "static-hash/handlebars";
      import staticHash from "static-hash/eleventy";
      import { serveStatic } from "static-hash/express";
      import fastifyPlugin from "static-hash/fastify";
      import koaStatic from "static-hash/koa";
      import honoStatic from "static-hash/hono";
      import { collect } from "static-hash/collect";
      console.log([StaticFiles, StaticFileError, useStatic, StaticExtension, registerStatic, staticHash, serveStatic, collect, fastifyPlugin, koaStatic, honoStatic].map((f) => typeof f).join(" "));
      console.log(JSON.stringify(angleTags));
      `,
      "imports.mjs",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe(`${Array(11).fill("function").join(" ")}\n{"blockStart":"<%","blockEnd":"%>"}\n`);
    expect(existsSync(join(project, "node_modules/nunjucks"))).toBe(false);
  });

  it("exports what users need, and no internals", async () => {
    const { code, stdout, stderr } = await node(
      `
      console.log(Object.keys(await import("static-hash")).sort().join(" "));
      console.log(Object.keys(await import("static-hash/collect")).sort().join(" "));
      `,
      "exports.mjs",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe("StaticFileError StaticFiles collect isStaticFileError\ncollect\n");
  });

  it("renders through the user's own nunjucks and handlebars", async () => {
    mkdirSync(join(project, "with-engines/static/css"), { recursive: true });
    writeFileSync(join(project, "with-engines/static/css/app.css"), "foo");
    const { code, stdout, stderr } = await node(
      `
      import nunjucks from "nunjucks";
      import Handlebars from "handlebars";
      import { StaticFiles } from "static-hash";
      import { useStatic, angleTags } from "static-hash/nunjucks";
      import { registerStatic } from "static-hash/handlebars";
      process.chdir("with-engines");
      const files = new StaticFiles({ roots: ["static"] });
      const env = new nunjucks.Environment(null, { autoescape: true });
      useStatic(env, files);
      console.log(env.renderString('{% static "css/app.css?v=1#x" %} {{ "css/app.css" | integrity }}'));
      const angle = new nunjucks.Environment(null, { tags: angleTags });
      useStatic(angle, { roots: ["static"], mode: "filename" });
      console.log(angle.renderString('<% static "css/app.css?v=1#x" as u %>{{ u }}'));
      const hb = Handlebars.create();
      registerStatic(hb, files, { angle: true });
      console.log(hb.compile('{{static "css/app.css"}} <<static "fonts/../css/app.css">> x << 2')({}));
      const plain = Handlebars.create();
      registerStatic(plain, files);
      try { plain.compile("{{static}}")({}); } catch (error) { console.log(error.message); }
      `,
      "with-engines/render.mjs",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `/static/css/app.css?v=1&amp;0beec7#x ${SHA384_FOO}`,
        "/static/css/app.0beec7.css?v=1#x",
        "/static/css/app.css?0beec7 /static/css/app.css?0beec7 x << 2",
        'static helper at line 1, column 1: {{static}} needs a file name (a string, or a variable holding one), as in {{static "css/app.css"}}.',
        "",
      ].join("\n"),
    );
  });
});

describe("CommonJS", () => {
  it("require()s every subpath and works", async () => {
    mkdirSync(join(project, "static/css"), { recursive: true });
    writeFileSync(join(project, "static/css/app.css"), "foo");
    const { code, stdout, stderr } = await node(
      `
      const { StaticFiles, StaticFileError } = require("static-hash");
      const { useStatic } = require("static-hash/nunjucks");
      const { registerStatic } = require("static-hash/handlebars");
      const { staticHash } = require("static-hash/eleventy");
      const { serveStatic } = require("static-hash/express");
      console.log([useStatic, registerStatic, staticHash, serveStatic].map((f) => typeof f).join(" "));
      const files = new StaticFiles({ roots: ["static"], mode: "filename" });
      console.log(files.url("css/app.css"), files.url("fonts/../css/app.css?#iefix"));
      try { files.url("../secret"); } catch (error) { console.log(error instanceof StaticFileError, error.code, error.asset); }
      `,
      "require.cjs",
    );
    expect(withoutNodeNotices(stderr)).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe(
      "function function function function\n/static/css/app.0beec7.css /static/css/app.0beec7.css?#iefix\ntrue STATIC_OUTSIDE_ROOT ../secret\n",
    );
  });
});

describe("the static-hash bin", () => {
  const bin = () => join(project, "node_modules/.bin/static-hash");

  it("prints its usage with --help and exits 0; a usage error exits 2", async () => {
    const help = await run(bin(), ["collect", "--help"], project);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: static-hash collect --root <folder>/);
    const commands = await run(bin(), ["--help"], project);
    expect(commands.code).toBe(0);
    expect(commands.stdout).toMatch(/^Usage: static-hash <command> \[options\]\n\nCommands:\n  collect  /);
    const usage = await run(bin(), ["collect", "--root", "static"], project);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--out/);
  });

  it("collects in filename mode: byte-identical original, rewritten hashed copy, Django's manifest", async () => {
    mkdirSync(join(project, "assets/img"), { recursive: true });
    mkdirSync(join(project, "assets/css"), { recursive: true });
    writeFileSync(join(project, "assets/img/a.png"), "foo");
    const css = 'a{background:url("../img/a.png")}';
    writeFileSync(join(project, "assets/css/app.css"), css);
    const { code, stderr } = await run(bin(), ["collect", "--root", "assets", "--out", "public/static", "--mode", "filename", "--quiet"], project);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = join(project, "public/static");
    const rewritten = 'a{background:url("../img/a.0beec7.png")}';
    const manifest = JSON.parse(readFileSync(join(out, "staticfiles.json"), "utf8"));
    const appHash = execFileSync(process.execPath, ["-e", `process.stdout.write(require("node:crypto").createHash("sha1").update(${JSON.stringify(rewritten)}).digest("hex").slice(0, 6))`], { encoding: "utf8" });
    expect(manifest.paths).toEqual({ "css/app.css": `css/app.${appHash}.css`, "img/a.png": "img/a.0beec7.png" });
    expect(manifest.version).toBe("1.0");
    expect(typeof manifest.hash).toBe("string");
    expect(readFileSync(join(out, "css/app.css"), "utf8")).toBe(css);
    expect(readFileSync(join(out, `css/app.${appHash}.css`), "utf8")).toBe(rewritten);
    expect(readFileSync(join(out, "img/a.0beec7.png"), "utf8")).toBe("foo");

    writeFileSync(join(project, "assets/css/gone.css"), "b{background:url(missing.png)}");
    const failed = await run(bin(), ["collect", "--root", "assets", "--out", "public/static", "--quiet"], project);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/css\/gone\.css, line 1: url\(missing\.png\)/);
  });
});

describe("TypeScript", () => {
  const consumer = `
    import { StaticFiles, StaticFileError, collect, type StaticFilesOptions, type CollectOptions, type CollectResult } from "static-hash";
    import { collect as collectToo, type CollectProblem } from "static-hash/collect";
    import { useStatic, StaticExtension, angleTags } from "static-hash/nunjucks";
    import { registerStatic } from "static-hash/handlebars";
    import staticHash from "static-hash/eleventy";
    import { serveStatic } from "static-hash/express";
    import { LRUCache } from "lru-cache";
    const options: StaticFilesOptions = { roots: ["static"], baseUrl: "/static/", accuracy: 6, algorithm: "sha1", mode: "query",
      cache: { max: 10_000 }, keyPrefix: "staticfiles_hash", watch: true, missing: "error" };
    const files = new StaticFiles(options);
    // A shared cache made with the user's own lru-cache: in CommonJS that is lru-cache's CommonJS build.
    new StaticFiles({ cache: new LRUCache<string, object>({ max: 100 }), keyPrefix: "site-a" });
    new StaticFiles({ cache: false });
    const url: string = files.url("css/app.css") + files.hash("x") + files.integrity("x", "sha512");
    files.invalidateCache();
    const tags: { blockStart: string; blockEnd: string } = angleTags;
    declare const env: { addExtension(name: string, ext: object): void; removeExtension(name: string): void; addFilter(name: string, f: (...args: any[]) => unknown): void };
    useStatic(env, files);
    env.addExtension("static-hash", new StaticExtension(files));
    declare const hb: { registerHelper(name: string, helper: (...args: any[]) => unknown): void; parse: (...args: any[]) => any };
    registerStatic(hb, files, { angle: true });
    const plugin: (config: any, options?: object) => void = staticHash;
    const middleware: (req: any, res: any, next: () => void) => void = serveStatic(files);
    function codeOf(error: unknown): string | undefined {
      return error instanceof StaticFileError ? error.code + String(error.asset) : undefined;
    }
    const build: CollectOptions = { roots: ["static"], out: "dist/static", mode: "filename" };
    const collected: Promise<CollectResult> = collect(build);
    const problems = (result: CollectResult): readonly CollectProblem[] => result.problems;
    export { url, tags, plugin, middleware, codeOf, collected, problems, collectToo };
  `;

  function tsc(folder: string, module: string, moduleResolution: string): Promise<Run> {
    const typescript = join(PACKAGE, "node_modules/typescript/bin/tsc");
    const flags = ["--noEmit", "--strict", "--target", "es2022", "--module", module, "--moduleResolution", moduleResolution];
    return run(process.execPath, [typescript, ...flags, "--typeRoots", join(project, "with-engines/node_modules/@types"), "--types", "node", "consumer.ts"], folder);
  }

  it("resolves the types for ESM (nodenext, bundler) and CommonJS (nodenext) consumers", async () => {
    const esm = join(project, "with-engines/ts-esm");
    const commonjs = join(project, "with-engines/ts-cjs");
    for (const [folder, type] of [[esm, "module"], [commonjs, "commonjs"]]) {
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, "package.json"), JSON.stringify({ type }));
      writeFileSync(join(folder, "consumer.ts"), consumer);
    }
    const [nodenext, bundler, required] = await Promise.all([
      tsc(esm, "nodenext", "nodenext"),
      tsc(esm, "esnext", "bundler"),
      tsc(commonjs, "nodenext", "nodenext"),
    ]);
    expect(nodenext.stdout + nodenext.stderr).toBe("");
    expect(bundler.stdout + bundler.stderr).toBe("");
    expect(required.stdout + required.stderr).toBe("");
    expect([nodenext.code, bundler.code, required.code]).toEqual([0, 0, 0]);
  }, 60_000);
});

describe("installing the package runs nothing", () => {
  it("ships no install-time script, so npm install prints no install-scripts warning", async () => {
    const installed = JSON.parse(readFileSync(join(project, "node_modules/static-hash/package.json"), "utf8"));
    const lifecycle = ["preinstall", "install", "postinstall", "prepare"].filter((event) => installed.scripts?.[event] !== undefined);
    expect(lifecycle).toEqual([]);
    const { readdirSync } = await import("node:fs");
    const tarball = join(work, readdirSync(work).find((name) => name.endsWith(".tgz"))!);
    const fresh = join(work, "fresh");
    mkdirSync(fresh);
    writeFileSync(join(fresh, "package.json"), JSON.stringify({ name: "fresh", private: true }));
    const install = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--omit=peer", tarball], fresh);
    expect(install.code).toBe(0);
    expect(install.stderr).not.toMatch(/install-scripts|prepare/);
  }, 120_000);
});
