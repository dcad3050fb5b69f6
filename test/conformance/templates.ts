/**
 * The behaviours every adapter must share, run against the real engine. Each adapter's test file
 * calls `testAdapter` once, with every form the adapter can be written in and its own cases, as
 * unstorage's `testDriver({ driver, additionalTests })` does:
 *
 *     testAdapter({
 *       name: "nunjucks",
 *       forms: [{ name: "tag", escapes: true, render: async (files, call) => … }],
 *       additionalTests: (site) => test("…", () => …),
 *     });
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { StaticFiles, type StaticFilesOptions } from "../../src/index.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

export interface ConformanceCall {
  /** Which helper or tag: `static` prints the URL, `integrity` the `sha384-…` value. */
  helper: "static" | "integrity";
  /** The asset name, exactly as the template author writes it. */
  name: string;
  /** `literal`: the name is a string literal in the template; `variable`: it comes through a template variable. */
  via: "literal" | "variable";
}

/** One way of writing the tag or helper in a template: `{% static %}`, `{{ x | static }}`, `<<static>>`, … */
export interface AdapterForm {
  /** Shown in the test names: "tag", "filter", "{{ }}", "liquid", … */
  name: string;
  /** True when the engine HTML-escapes the tag's output (Nunjucks with autoescape, Handlebars `{{ }}`). */
  escapes: boolean;
  /**
   * The engine's own HTML escaping, when `escapes` is true and it differs from `&<>"'` (Handlebars
   * also escapes `=` and backtick: pass `Handlebars.escapeExpression`).
   */
  escape?: (text: string) => string;
  /**
   * Renders ONE call and returns exactly what the engine printed for it (the harness trims nothing);
   * `site` is the running test's temporary site, for engines that need a project folder.
   * A render error must reject (or throw) with the engine's error.
   * Names containing a quote are only ever passed `via: "variable"`.
   */
  render(files: StaticFiles, call: ConformanceCall, site: ConformanceSite): Promise<string> | string;
}

export interface AdapterUnderTest {
  /** Shown in the test names: "nunjucks", "handlebars", "eleventy". */
  name: string;
  /** Every form of the adapter: each one runs the whole shared suite. */
  forms: readonly AdapterForm[];
  /**
   * The adapter's own cases, declared inside its describe block; `site()` is the temporary site of
   * the running test (fresh for each test, removed after it).
   */
  additionalTests?: (site: () => ConformanceSite) => void;
}

/** sha1("foo") cut to 6 characters: the original tag's test vector. */
export const FOO_HASH = "0beec7";
/** sha1("bar") cut to 6 characters. */
export const BAR_HASH = "62cdb7";

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** HTML escaping as Nunjucks does it; the default for adapters with `escapes: true`. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** A temporary site: `<dir>/static` is the root, `<dir>/secret.txt` a canary outside it. */
export interface ConformanceSite {
  dir: string;
  root: string;
  canary: string;
  files(options?: StaticFilesOptions): StaticFiles;
}

/** A new site in a temp folder (removed by `removeTempFolders()`): every static file holds "foo". */
export function makeSite(): ConformanceSite {
  const dir = writeTree(tempFolder("conformance"), {
    "static/css/app.css": "foo",
    "static/js/app.js": "foo",
    "static/a&b.css": "foo",
    "static/it's.css": "foo",
    "secret.txt": "foo",
  });
  const root = join(dir, "static");
  return { dir, root, canary: join(dir, "secret.txt"), files: (options = {}) => new StaticFiles({ roots: [root], watch: false, ...options }) };
}

/** Rewrites a file with new content and a different mtime, as an editor save does. */
function edit(file: string, content: string): void {
  writeFileSync(file, content);
  const later = new Date(statSync(file).mtimeMs + 5_000);
  utimesSync(file, later, later);
}

const OLD_TIME = new Date("2001-01-01T00:00:00Z");

/** Sets a file's atime far in the past, so a read of it shows (relatime updates atimes older than a day). */
function markUnread(file: string): number {
  utimesSync(file, OLD_TIME, OLD_TIME);
  return statSync(file).atimeMs;
}

/** Whether this file system records reads in atime (noatime mounts do not). */
function atimeRecordsReads(dir: string): boolean {
  const probe = join(dir, "atime-probe");
  writeFileSync(probe, "x");
  const before = markUnread(probe);
  readFileSync(probe);
  return statSync(probe).atimeMs !== before;
}

function sha384(content: string): string {
  return "sha384-" + createHash("sha384").update(content).digest("base64");
}

/** The shared suite for every form of `adapter`, then the adapter's own cases, each test on a fresh site. */
export function testAdapter({ name, forms, additionalTests }: AdapterUnderTest): void {
  describe(name, () => {
    let site: ConformanceSite;
    beforeEach(() => {
      site = makeSite();
    });
    afterEach(removeTempFolders);
    for (const form of forms) describe(`${form.name}: adapter conformance`, () => sharedTests(form, () => site));
    if (additionalTests) describe("own cases", () => additionalTests(() => site));
  });
}

function sharedTests(adapter: AdapterForm, site: () => ConformanceSite): void {
  const escape = adapter.escape ?? escapeHtml;
  /** What the engine must print for a URL or value the core returns. */
  const printed = (raw: string) => (adapter.escapes ? escape(raw) : raw);

  const render = async (files: StaticFiles, call: ConformanceCall) => adapter.render(files, call, site());
  const failure = async (files: StaticFiles, call: ConformanceCall): Promise<Error> => {
    let result: string;
    try {
      result = await render(files, call);
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      return error as Error;
    }
    throw new Error(`${adapter.name} rendered ${JSON.stringify(result)} for ${JSON.stringify(call)}; expected an error`);
  };

  test("a literal name prints its hashed URL", async () => {
    expect(await render(site().files(), { helper: "static", name: "css/app.css", via: "literal" })).toBe("/static/css/app.css?0beec7");
  });

  test("a name from a variable prints its hashed URL", async () => {
    expect(await render(site().files(), { helper: "static", name: "js/app.js", via: "variable" })).toBe("/static/js/app.js?0beec7");
  });

  test("the name's own query is kept, and the hash joins it with &", async () => {
    const out = await render(site().files(), { helper: "static", name: "css/app.css?v=1", via: "literal" });
    expect(out).toBe(printed("/static/css/app.css?v=1&0beec7"));
    if (adapter.escapes) expect(out).toContain("&amp;0beec7");
  });

  test("a fragment is kept after the hash", async () => {
    const files = site().files();
    expect(await render(files, { helper: "static", name: "css/app.css#top", via: "literal" })).toBe("/static/css/app.css?0beec7#top");
    expect(await render(files, { helper: "static", name: "css/app.css?v=1#x", via: "variable" })).toBe(printed("/static/css/app.css?v=1&0beec7#x"));
  });

  test("filename mode puts the hash in the file name", async () => {
    expect(await render(site().files({ mode: "filename" }), { helper: "static", name: "css/app.css", via: "literal" })).toBe("/static/css/app.0beec7.css");
  });

  test("& in a file name and in a query is escaped exactly once", async () => {
    const out = await render(site().files(), { helper: "static", name: "a&b.css?x=1&y=2", via: "literal" });
    expect(out).toBe(printed("/static/a%26b.css?x=1&y=2&0beec7"));
    expect(out).not.toContain("&amp;amp;");
    if (adapter.escapes) expect(out).toContain(`${escape("?x=1&")}y`);
    else expect(out).toContain("?x=1&y=2&0beec7");
  });

  test("quotes and angle brackets in a name never reach the page raw", async () => {
    const out = await render(site().files(), { helper: "static", name: `it's.css?q="<b>"`, via: "variable" });
    expect(out).toBe(printed("/static/it%27s.css?q=%22%3Cb%3E%22&0beec7"));
    expect(out).not.toMatch(/["'<>]/);
  });

  test("a missing file is a render error that names the asset", async () => {
    const error = await failure(site().files(), { helper: "static", name: "css/missing.css", via: "literal" });
    expect(error.message).toContain("css/missing.css");
    expect(error.message).toContain("was not found");
    const fromVariable = await failure(site().files(), { helper: "static", name: "js/missing.js", via: "variable" });
    expect(fromVariable.message).toContain("js/missing.js");
  });

  test("a name that climbs out of the roots is refused and the file outside is never read", async (context) => {
    const unread = markUnread(site().canary);
    for (const via of ["literal", "variable"] as const) {
      const error = await failure(site().files(), { helper: "static", name: "../secret.txt", via });
      expect(error.message).toContain("../secret.txt");
      expect(error.message).toMatch(/leaves the static roots|STATIC_OUTSIDE_ROOT/);
      const integrity = await failure(site().files(), { helper: "integrity", name: "css/../../secret.txt", via });
      expect(integrity.message).toMatch(/leaves the static roots|STATIC_OUTSIDE_ROOT/);
    }
    if (!atimeRecordsReads(site().dir)) context.skip("this file system does not record reads (noatime), so the canary cannot tell");
    expect(statSync(site().canary).atimeMs).toBe(unread);
  });

  test("with watch on, an edited file gets its new hash on the next render", async () => {
    const files = site().files({ watch: true });
    const call = { helper: "static", name: "css/app.css", via: "literal" } as const;
    expect(await render(files, call)).toBe("/static/css/app.css?0beec7");
    edit(join(site().root, "css/app.css"), "bar");
    expect(await render(files, call)).toBe(`/static/css/app.css?${BAR_HASH}`);
  });

  test("with watch off, the cached hash stays until invalidateCache()", async () => {
    const files = site().files({ watch: false });
    const call = { helper: "static", name: "css/app.css", via: "variable" } as const;
    expect(await render(files, call)).toBe("/static/css/app.css?0beec7");
    edit(join(site().root, "css/app.css"), "bar");
    expect(await render(files, call)).toBe("/static/css/app.css?0beec7");
    files.invalidateCache();
    expect(await render(files, call)).toBe(`/static/css/app.css?${BAR_HASH}`);
  });

  test("integrity prints the sha384 of the file's bytes", async () => {
    const files = site().files();
    const expected = sha384("foo");
    expect(expected).toBe("sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7");
    expect(await render(files, { helper: "integrity", name: "js/app.js", via: "literal" })).toBe(printed(expected));
    expect(await render(files, { helper: "integrity", name: "css/app.css", via: "variable" })).toBe(printed(expected));
  });

  test("integrity follows an edit under watch", async () => {
    const files = site().files({ watch: true });
    const call = { helper: "integrity", name: "js/app.js", via: "literal" } as const;
    expect(await render(files, call)).toBe(printed(sha384("foo")));
    edit(join(site().root, "js/app.js"), "bar");
    expect(await render(files, call)).toBe(printed(sha384("bar")));
  });

  test("integrity of a missing file is a render error that names the asset", async () => {
    const error = await failure(site().files(), { helper: "integrity", name: "js/missing.js", via: "literal" });
    expect(error.message).toContain("js/missing.js");
  });
}
