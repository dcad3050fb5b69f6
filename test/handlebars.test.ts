import { createHash } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import express from "express";
import { create as createExpressHandlebars } from "express-handlebars";
import Handlebars from "handlebars";
import hbs from "hbs";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { StaticFileError, StaticFiles } from "../src/index.js";
import { registerStatic, type RegisterStaticOptions } from "../src/handlebars.js";
import { engineSite, type EngineSite } from "./engine-site.js";
import { writeTree } from "./temp-folders.js";
import { testAdapter, type ConformanceCall } from "./conformance/templates.js";
const FOO = "0beec7"; // sha1("foo")[:6]
const BAR = "62cdb7"; // sha1("bar")[:6]
const integrityOf = (content: string, algorithm = "sha384") => `${algorithm}-${createHash(algorithm).update(content).digest("base64")}`;

let root: string;
let views: string;
let files: StaticFiles;

describe("handlebars: the engine's own cases", () => {
  let site: EngineSite;
  beforeEach(() => {
    site = engineSite("handlebars");
    ({ root, views, files } = site);
  });

  afterEach(() => site.remove());

  /** A fresh isolated instance with the helpers on it. */
  function instance(options?: RegisterStaticOptions): typeof Handlebars {
    const hb = Handlebars.create();
    registerStatic(hb, files, options);
    return hb;
  }

  function render(hb: typeof Handlebars, source: string, context: object = {}): string {
    return hb.compile(source)(context);
  }

  /** What rendering threw; fails the test when it rendered. */
  function renderError(hb: typeof Handlebars, source: string, context: object = {}): Error & { code?: string; asset?: string } {
    let html: string;
    try {
      html = render(hb, source, context);
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      return error as Error & { code?: string; asset?: string };
    }
    throw new Error(`rendered ${JSON.stringify(html)} for ${JSON.stringify(source)}; expected an error`);
  }

  /** Precompiles as the `handlebars` CLI does, then loads the spec the way a browser bundle would. */
  function precompiled(compiler: typeof Handlebars, runtime: typeof Handlebars, source: string): HandlebarsTemplateDelegate {
    const spec = compiler.precompile(source);
    return runtime.template(runInNewContext(`(${spec})`));
  }

  /** A helper that receives the URL from a subexpression and builds markup with it. */
  function addPreloadHelper(hb: typeof Handlebars): void {
    hb.registerHelper("preload", (href: unknown, options: Handlebars.HelperOptions) => {
      expect(typeof href).toBe("string");
      const as = options.hash.as ?? "style";
      return new hb.SafeString(`<link rel="preload" as="${hb.escapeExpression(as)}" href="${hb.escapeExpression(href as string)}">`);
    });
    hb.registerHelper("concat", (...args: unknown[]) => args.slice(0, -1).join(""));
  }

  describe("registerStatic", () => {
    test("returns the StaticFiles it was given, or the one it made from options", () => {
      const hb = Handlebars.create();
      expect(registerStatic(hb, files)).toBe(files);
      const made = registerStatic(Handlebars.create(), { roots: [root], baseUrl: "https://cdn.example.com/s/" });
      expect(made).toBeInstanceOf(StaticFiles);
      expect(made.url("css/app.css")).toBe(`https://cdn.example.com/s/css/app.css?${FOO}`);
    });

    test("refuses what is not a Handlebars instance, saying what to pass", () => {
      expect(() => registerStatic({} as never, files)).toThrow(/needs a Handlebars instance: Handlebars.create\(\)/);
      expect(() => registerStatic(undefined as never, files)).toThrow(TypeError);
    });

    test("bad options fail at registration with STATIC_CONFIG", () => {
      expect(() => registerStatic(Handlebars.create(), { roots: [root], mode: "both" as never })).toThrow(StaticFileError);
      // angle in the StaticFiles options is a common slip: say where it goes.
      expect(() => registerStatic(Handlebars.create(), { roots: [root], angle: true } as never)).toThrow(
        /`angle` is an option of registerStatic, not of StaticFiles: registerStatic\(handlebars, \{ roots: \["static"\] \}, \{ angle: true \}\)/,
      );
      expect(() => registerStatic(Handlebars.create(), files, { angle: "yes" as never })).toThrow(/takes true or false for angle, got "yes"/);
    });

    test("angle syntax needs the compiler: a runtime-only instance is refused with a clear message", async () => {
      // The runtime-only build, as a browser bundle or a precompiled-templates server loads it.
      const runtime = (await import("handlebars/runtime.js")).default as unknown as typeof Handlebars;
      const isolated = runtime.create();
      expect(isolated.parse).toBeUndefined();
      expect(() => registerStatic(isolated, files, { angle: true })).toThrow(/runtime-only build/);
      // Without angle a runtime-only instance is fine: precompiled templates call the helpers.
      registerStatic(isolated, files);
      expect(precompiled(Handlebars.create(), isolated, '{{static "css/app.css"}}')({})).toBe(`/static/css/app.css?${FOO}`);
    });
  });

  describe("helpers", () => {
    test('{{static "x"}} prints the hashed URL', () => {
      expect(render(instance(), '<link rel="stylesheet" href="{{static "css/app.css"}}">')).toBe(
        `<link rel="stylesheet" href="/static/css/app.css?${FOO}">`,
      );
      expect(render(instance(), "{{static 'css/print.css'}}")).toBe(`/static/css/print.css?${BAR}`);
    });

    test("{{static path}} takes the name from the context, including nested paths and @root", () => {
      const hb = instance();
      expect(render(hb, "{{static path}}", { path: "css/app.css" })).toBe(`/static/css/app.css?${FOO}`);
      expect(render(hb, "{{static assets.print}}", { assets: { print: "css/print.css" } })).toBe(`/static/css/print.css?${BAR}`);
      expect(render(hb, "{{#with page}}{{static @root.css}}{{/with}}", { css: "css/app.css", page: {} })).toBe(`/static/css/app.css?${FOO}`);
    });

    test("{{ }} escapes the URL exactly once; {{{ }}} prints it raw", () => {
      const hb = instance();
      const name = "a&b.css?x=1&y=2";
      expect(files.url(name)).toBe(`/static/a%26b.css?x=1&y=2&${FOO}`);
      const escaped = render(hb, `<a href="{{static "${name}"}}">`);
      expect(escaped).toBe(`<a href="/static/a%26b.css?x&#x3D;1&amp;y&#x3D;2&amp;${FOO}">`);
      expect(escaped).not.toContain("&amp;amp;");
      expect(render(hb, "{{{static name}}}", { name })).toBe(`/static/a%26b.css?x=1&y=2&${FOO}`);
      expect(render(hb, "{{&static name}}", { name })).toBe(`/static/a%26b.css?x=1&y=2&${FOO}`);
    });

    test("a subexpression hands the plain URL string to another helper, escaped once where that helper prints it", () => {
      const hb = instance();
      addPreloadHelper(hb);
      expect(render(hb, '{{preload (static "css/app.css?v=1&x") as="style"}}')).toBe(
        `<link rel="preload" as="style" href="/static/css/app.css?v&#x3D;1&amp;x&amp;${FOO}">`,
      );
      expect(render(hb, '{{static (concat "css/" name)}}', { name: "print.css" })).toBe(`/static/css/print.css?${BAR}`);
      expect(render(hb, '{{#with (static "js/app.js") as |src|}}<script src="{{src}}"></script>{{/with}}')).toBe(
        `<script src="/static/js/app.js?${FOO}"></script>`,
      );
    });

    test("#each over a list of names", () => {
      const hb = instance();
      const page = render(hb, '{{#each styles}}<link href="{{static this}}">\n{{/each}}', { styles: ["css/app.css", "css/print.css"] });
      expect(page).toBe(`<link href="/static/css/app.css?${FOO}">\n<link href="/static/css/print.css?${BAR}">\n`);
      expect(render(hb, "{{#each assets as |asset|}}{{@index}}={{static asset.file}};{{/each}}", { assets: [{ file: "js/app.js" }] })).toBe(
        `0=/static/js/app.js?${FOO};`,
      );
    });

    test("partials, with literal names and with names passed in as parameters", () => {
      const hb = instance();
      hb.registerPartial("head", '<link href="{{static "css/app.css"}}">');
      hb.registerPartial("script", '<script src="{{static src}}" integrity="{{integrity src}}"></script>');
      expect(render(hb, '{{> head}}{{> script src="js/app.js"}}')).toBe(
        `<link href="/static/css/app.css?${FOO}"><script src="/static/js/app.js?${FOO}" integrity="${integrityOf("foo")}"></script>`,
      );
      // A partial block and an inline partial.
      expect(render(hb, '{{#*inline "tag"}}[{{static name}}]{{/inline}}{{> tag name="css/print.css"}}')).toBe(`[/static/css/print.css?${BAR}]`);
    });

    test("precompile + Handlebars.template, rendered by another instance that has the helpers", () => {
      const compiler = Handlebars.create(); // only compiles: no helpers needed at compile time
      const runtime = instance();
      const template = precompiled(compiler, runtime, '<link href="{{static "css/app.css"}}">{{#each names}}{{static this}} {{/each}}{{{static raw}}}');
      expect(template({ names: ["js/app.js"], raw: "a&b.css?q=1" })).toBe(`<link href="/static/css/app.css?${FOO}">/static/js/app.js?${FOO} /static/a%26b.css?q=1&${FOO}`);
    });

    test("{{integrity}} prints the sha384 of the bytes, or the algorithm asked for", () => {
      const hb = instance();
      expect(render(hb, '<script src="{{static "js/app.js"}}" integrity="{{integrity "js/app.js"}}"></script>')).toBe(
        `<script src="/static/js/app.js?${FOO}" integrity="${integrityOf("foo")}"></script>`,
      );
      expect(integrityOf("foo")).toBe("sha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7");
      // A base64 value may hold "=" and "/": {{ }} escapes "=", {{{ }}} does not.
      expect(render(hb, '{{{integrity "css/print.css" "sha256"}}}')).toBe(integrityOf("bar", "sha256"));
      expect(render(hb, "{{integrity name algorithm}}", { name: "css/print.css", algorithm: "sha512" })).toBe(
        Handlebars.escapeExpression(integrityOf("bar", "sha512")),
      );
    });

    test("only the #if branch taken looks its file up", () => {
      const hb = instance();
      const source = '{{#if ready}}{{static "css/app.css"}}{{else}}{{static "css/not-built-yet.css"}}{{/if}}';
      expect(render(hb, source, { ready: true })).toBe(`/static/css/app.css?${FOO}`);
      expect(renderError(hb, source, { ready: false }).code).toBe("STATIC_NOT_FOUND");
    });

    test("a SafeString from another helper names the file by its text", () => {
      const hb = instance();
      hb.registerHelper("safe", (text: string) => new hb.SafeString(text));
      expect(render(hb, '{{static (safe "css/app.css")}}')).toBe(`/static/css/app.css?${FOO}`);
    });

    test("filename mode, warn and a manifest go through unchanged: the helper is one core call", () => {
      const hb = Handlebars.create();
      registerStatic(hb, { roots: [root], mode: "filename" });
      expect(render(hb, '{{static "css/app.css"}}')).toBe(`/static/css/app.${FOO}.css`);
      const quiet = Handlebars.create();
      registerStatic(quiet, { roots: [root], missing: "ignore" });
      expect(render(quiet, '{{static "css/gone.css"}}|{{integrity "css/gone.css"}}|')).toBe("/static/css/gone.css||");
    });

    test("calling registerStatic again replaces the helpers with the new StaticFiles", () => {
      const hb = instance();
      const other = new StaticFiles({ roots: [root], baseUrl: "/assets/" });
      registerStatic(hb, other);
      expect(render(hb, '{{static "css/app.css"}}')).toBe(`/assets/css/app.css?${FOO}`);
    });
  });

  describe("errors name the helper and the line and column (1-based) of the call", () => {
    test("no argument", () => {
      const error = renderError(instance(), "<p>\n  {{static}}</p>");
      expect(error).toBeInstanceOf(StaticFileError);
      expect(error.code).toBe("STATIC_INVALID_NAME");
      expect(error.message).toBe(
        'static helper at line 2, column 3: {{static}} needs a file name (a string, or a variable holding one), as in {{static "css/app.css"}}.',
      );
      expect(error.message).not.toContain("[object Object]");
      expect(renderError(instance(), "{{integrity}}").message).toBe(
        'integrity helper at line 1, column 1: {{integrity}} needs a file name (a string, or a variable holding one), as in {{integrity "js/app.js"}}.',
      );
      expect(renderError(instance(), "{{{static}}}").message).toMatch(/^static helper at line 1, column 1: \{\{static\}\} needs a file name/);
    });

    test("a number, and a variable that is not set", () => {
      const number = renderError(instance(), "a\nb\n   {{static 42}}");
      expect(number.message).toBe("static helper at line 3, column 4: A static file name must be a string, got a number.");
      expect(number.code).toBe("STATIC_INVALID_NAME");
      const unset = renderError(instance(), "{{#each list}}\n{{static this.nope}}{{/each}}", { list: [{}] });
      expect(unset.message).toBe("static helper at line 2, column 1: A static file name must be a string, got undefined.");
    });

    test("a missing file: the core's message and code, with the position in front", () => {
      const error = renderError(instance(), 'line one\nline two\n<link href="{{static "css/missing.css"}}">');
      expect(error).toBeInstanceOf(StaticFileError);
      expect(error.code).toBe("STATIC_NOT_FOUND");
      expect(error.asset).toBe("css/missing.css");
      expect(error.message).toMatch(/^static helper at line 3, column 13: Static file "css\/missing\.css" was not found; searched /);
      expect(error.message).toContain(root);
      const integrity = renderError(instance(), '\t{{integrity "js/missing.js"}}');
      expect(integrity.message).toMatch(/^integrity helper at line 1, column 2: .*"js\/missing\.js" was not found/);
    });

    test("a subexpression, a partial and a precompiled template report their own positions", () => {
      const hb = instance();
      addPreloadHelper(hb);
      expect(renderError(hb, "{{preload (static)}}").message).toMatch(/^static helper at line 1, column 11: /);
      hb.registerPartial("broken", "\n\n    {{static 'css/none.css'}}");
      expect(renderError(hb, "{{> broken}}").message).toMatch(/^static helper at line 3, column 5: Static file "css\/none\.css" was not found/);
      const template = precompiled(Handlebars.create(), hb, "x\n {{static}}");
      expect(() => template({})).toThrow(/^static helper at line 2, column 2: \{\{static\}\} needs a file name/);
    });

    test("a name outside the roots keeps its code", () => {
      const error = renderError(instance(), '{{static "../secret.txt"}}');
      expect(error.code).toBe("STATIC_OUTSIDE_ROOT");
      expect(error.message).toMatch(/^static helper at line 1, column 1: /);
    });

    test("misuse says what to write: extra arguments, name=value arguments, a block", () => {
      const hb = instance();
      expect(renderError(hb, '{{static "css/" "app.css"}}').message).toBe(
        'static helper at line 1, column 1: {{static}} takes one file name, got 2 arguments; write {{static "css/app.css"}}.',
      );
      expect(renderError(hb, '{{integrity "a" "sha256" "x"}}').message).toMatch(/takes a file name and an optional algorithm/);
      expect(renderError(hb, '{{static name="css/app.css"}}').message).toBe(
        'static helper at line 1, column 1: {{static}} takes no name=value arguments, got name; write {{static "css/app.css"}}.',
      );
      expect(renderError(hb, '{{#static "css/app.css"}}x{{/static}}').message).toMatch(/static is not a block helper/);
      expect(renderError(hb, '{{integrity "js/app.js" "md5"}}').message).toMatch(/^integrity helper at line 1, column 1: Integrity algorithm must be one of/);
    });
  });

  describe("the global handlebars module", () => {
    const originalParse = Handlebars.parse;
    afterEach(() => {
      registerStatic(Handlebars, files, { angle: false });
      Handlebars.unregisterHelper("static");
      Handlebars.unregisterHelper("integrity");
    });

    test("takes the helpers and the angle syntax; instances made with create() are not affected", () => {
      registerStatic(Handlebars, files, { angle: true });
      expect(Handlebars.compile('{{static "css/app.css"}} <<static "js/app.js">>')({})).toBe(`/static/css/app.css?${FOO} /static/js/app.js?${FOO}`);
      const isolated = Handlebars.create();
      expect(isolated.helpers.static).toBeUndefined();
      isolated.registerHelper("static", () => "isolated");
      expect(isolated.compile('<<static "js/app.js">> {{static "x"}}')({})).toBe('<<static "js/app.js">> isolated');
      // angle: false restores the module's own parse.
      registerStatic(Handlebars, files, { angle: false });
      expect(Handlebars.parse).toBe(originalParse);
      expect(Handlebars.compile('<<static "js/app.js">>')({})).toBe('<<static "js/app.js">>');
    });
  });

  describe("angle syntax: <<static …>> and <<integrity …>>", () => {
    const angle = () => instance({ angle: true });

    test("a literal, a variable, and integrity", () => {
      const hb = angle();
      expect(render(hb, '<link href="<<static "css/app.css">>">')).toBe(`<link href="/static/css/app.css?${FOO}">`);
      expect(render(hb, "<<static path>>|<<static 'css/print.css'>>", { path: "js/app.js" })).toBe(`/static/js/app.js?${FOO}|/static/css/print.css?${BAR}`);
      expect(render(hb, '<script integrity="<<integrity "js/app.js">>"></script>')).toBe(`<script integrity="${integrityOf("foo")}"></script>`);
      expect(render(hb, '<<integrity "js/app.js" "sha256">>')).toBe(Handlebars.escapeExpression(integrityOf("foo", "sha256")));
    });

    test("<<static>> escapes once, <<<static>>> prints raw, and {{static}} still works beside them", () => {
      const hb = angle();
      const name = "a&b.css?x=1&y=2";
      expect(render(hb, "<<static name>>|<<<static name>>>|{{static name}}|{{{static name}}}", { name })).toBe(
        `/static/a%26b.css?x&#x3D;1&amp;y&#x3D;2&amp;${FOO}|/static/a%26b.css?x=1&y=2&${FOO}|` +
          `/static/a%26b.css?x&#x3D;1&amp;y&#x3D;2&amp;${FOO}|/static/a%26b.css?x=1&y=2&${FOO}`,
      );
    });

    test("subexpressions inside <<static>>, and (static) inside another helper on an angle instance", () => {
      const hb = angle();
      addPreloadHelper(hb);
      expect(render(hb, '<<static (concat "css/" name)>>', { name: "print.css" })).toBe(`/static/css/print.css?${BAR}`);
      expect(render(hb, '{{preload (static "css/app.css")}}')).toBe(`<link rel="preload" as="style" href="/static/css/app.css?${FOO}">`);
    });

    test("#each, whitespace control and a standalone line", () => {
      const hb = angle();
      expect(render(hb, "{{#each names}}\n  <<~static this~>>  \n{{/each}}", { names: ["css/app.css", "css/print.css"] })).toBe(
        `/static/css/app.css?${FOO}/static/css/print.css?${BAR}`,
      );
    });

    test("partials registered as strings, and partials calling back into the page's data", () => {
      const hb = angle();
      hb.registerPartial("head", '<link href="<<static "css/app.css">>">');
      hb.registerPartial("script", "<script src=\"<<static src>>\" integrity=\"<<integrity src>>\"></script>");
      expect(render(hb, '{{> head}}|{{> script src="js/app.js"}}')).toBe(
        `<link href="/static/css/app.css?${FOO}">|<script src="/static/js/app.js?${FOO}" integrity="${integrityOf("foo")}"></script>`,
      );
    });

    test("precompile rewrites too: the spec runs on a runtime instance that never heard of <<static>>", () => {
      const runtime = instance(); // no angle
      const template = precompiled(angle(), runtime, '<link href="<<static "css/app.css">>"> \\<<static "x">> <<<static raw>>>');
      expect(template({ raw: "a&b.css" })).toBe(`<link href="/static/css/app.css?${FOO}"> <<static "x">> /static/a%26b.css?${FOO}`);
    });

    test("\\<<static prints the construct literally; \\\\<<static prints one backslash and the URL, as \\{{ and \\\\{{ do", () => {
      const hb = angle();
      expect(render(hb, '\\<<static "css/app.css">>')).toBe('<<static "css/app.css">>');
      expect(render(hb, '\\<<<static "css/app.css">>> \\<<integrity name>>')).toBe('<<<static "css/app.css">>> <<integrity name>>');
      expect(render(hb, '\\\\<<static "css/app.css">>')).toBe(`\\/static/css/app.css?${FOO}`);
      expect(render(hb, '\\\\{{static "css/app.css"}}')).toBe(`\\/static/css/app.css?${FOO}`);
      // A backslash before anything that is not a construct stays.
      expect(render(hb, "a \\<< b \\<<static \\<<static>>")).toBe("a \\<< b \\<<static \\<<static>>");
      // An escaped construct inside a block and a partial.
      hb.registerPartial("doc", 'Write \\<<static "css/app.css">> to get <<static "css/app.css">>.');
      expect(render(hb, "{{#if yes}}{{> doc}}{{/if}}", { yes: true })).toBe(`Write <<static "css/app.css">> to get /static/css/app.css?${FOO}.`);
    });

    test("a page full of << and >> that are not constructs comes out byte-identical", () => {
      const hb = angle();
      const page = CODE_PAGE.repeat(200);
      expect(render(hb, page)).toBe(page);
      // The same page around real calls: only the calls change.
      const mixed = `${CODE_PAGE}<<static "css/app.css">>${CODE_PAGE}{{static "js/app.js"}}${CODE_PAGE}`;
      expect(render(hb, mixed)).toBe(`${CODE_PAGE}/static/css/app.css?${FOO}${CODE_PAGE}/static/js/app.js?${FOO}${CODE_PAGE}`);
    });

    test("<<static inside {{ }}, comments and raw blocks is left to Handlebars", () => {
      const hb = angle();
      hb.registerHelper("echo", (text: string) => text);
      hb.registerHelper("raw", (options: Handlebars.HelperOptions) => options.fn(undefined));
      expect(render(hb, '{{echo "<<static x>>"}}|{{! <<static "x">> }}|{{!-- <<static "x">> --}}|{{{{raw}}}}<<static "x">> {{x}}{{{{/raw}}}}')).toBe(
        '&lt;&lt;static x&gt;&gt;|||<<static "x">> {{x}}',
      );
      // An escaped {{ is page text, so a construct after it is rewritten.
      expect(render(hb, '\\{{x}} <<static "css/app.css">>')).toBe(`{{x}} /static/css/app.css?${FOO}`);
    });

    test("a quoted > or >> inside the construct does not end it", () => {
      const hb = angle();
      hb.registerHelper("concat", (...args: unknown[]) => args.slice(0, -1).join(""));
      writeTree(root, { "x>y.css": "foo" });
      expect(render(hb, '<<static "x>y.css">>|<<<static (concat "x" ">" "y.css")>>>')).toBe(`/static/x%3Ey.css?${FOO}|/static/x%3Ey.css?${FOO}`);
      expect(render(hb, "<<static 'css/app.css#a>>b'>>")).toBe(`/static/css/app.css?${FOO}#a%3E%3Eb`);
      // A construct ends at its first >> outside strings, as a mustache ends at its first }}.
      expect(render(hb, '<<static "css/app.css">>>')).toBe(`/static/css/app.css?${FOO}>`);
    });

    test("errors under angle keep the exact line and column", () => {
      const hb = angle();
      expect(renderError(hb, "<p>\n  <<static 42>></p>").message).toBe("static helper at line 2, column 3: A static file name must be a string, got a number.");
      const missing = renderError(hb, 'a\nb\n<link href="<<static "css/missing.css">>">');
      expect(missing.code).toBe("STATIC_NOT_FOUND");
      expect(missing.message).toMatch(/^static helper at line 3, column 13: Static file "css\/missing\.css" was not found/);
      // After an escaped construct on the same line the columns still count the backslash.
      expect(renderError(hb, '\\<<static "x">> <<static nope>>').message).toBe(
        "static helper at line 1, column 17: A static file name must be a string, got undefined.",
      );
      // The usage hint shows both spellings on an angle instance.
      expect(renderError(hb, "{{static}}").message).toContain('as in {{static "css/app.css"}} or <<static "css/app.css">>.');
      // A Handlebars parse error in a construct is reported at the construct's line.
      expect(renderError(hb, 'ok\n<<static "a" (>>').message).toMatch(/^Parse error on line 2:/);
    });

    test("in a partial and a precompiled template, errors point into the partial's own source", () => {
      const hb = angle();
      hb.registerPartial("p", "\n\\<<static>> <<static 'css/none.css'>>");
      expect(renderError(hb, "{{> p}}").message).toMatch(/^static helper at line 2, column 13: Static file "css\/none\.css"/);
      const template = precompiled(hb, instance(), "\n\n  <<integrity 7>>");
      expect(() => template({})).toThrow("integrity helper at line 3, column 3: A static file name must be a string, got a number.");
    });

    test("registering twice wraps parse once: angle: false afterwards restores the original", () => {
      const hb = Handlebars.create();
      const original = hb.parse;
      registerStatic(hb, files, { angle: true });
      registerStatic(hb, files, { angle: true });
      expect(render(hb, '\\<<static "x">> <<static "css/app.css">>')).toBe(`<<static "x">> /static/css/app.css?${FOO}`);
      registerStatic(hb, files, { angle: false });
      expect(hb.parse).toBe(original);
      expect(render(hb, '<<static "css/app.css">> {{static "css/app.css"}}')).toBe(`<<static "css/app.css">> /static/css/app.css?${FOO}`);
    });

    test("the parse wrapper keeps AST input and parseWithoutProcessing working", () => {
      const hb = angle();
      const ast = hb.parse('<<static "css/app.css">>');
      expect(ast.body[0].type).toBe("MustacheStatement");
      expect(ast.body[0].loc.start).toEqual({ line: 1, column: 0 });
      expect(hb.compile(ast)({})).toBe(`/static/css/app.css?${FOO}`);
      const raw = hb.parseWithoutProcessing('\\<<static "x">>');
      expect(raw.body).toEqual([expect.objectContaining({ type: "ContentStatement", value: '<<static "x">>' })]);
    });
  });

  /** C++, shell, PHP, Ruby and UML text: every `<<` and `>>` here must survive untouched. */
  const CODE_PAGE = String.raw`<pre><code class="cpp">
#include <iostream>
template <typename T> using Grid = std::vector<std::vector<T>>;
int main() {
  std::cout << "static " << x << std::endl;
  std::cout <<static_cast<int>(y)>> 2;
  unsigned flags = 1u << 31 >> 2; flags <<= 3; flags >>= 1;
  std::map<int, std::vector<int>> m; return a >> b << c;
}
</code></pre>
<pre><code class="bash">
cat <<EOF >> out.txt
static "css/app.css"
EOF
cat <<static >> log.txt
echo hi
static
cat <<static > new.txt; echo done >> log.txt
$s = <<<EOT
  text
EOT;
sql = <<~SQL
  SELECT 1 >> 2
SQL
</code></pre>
<p>UML: class Shape <<abstract>>, <<interface>>, <<static>>, << static >>, <<static >>, <<static~>>.</p>
<p>Unclosed: <<static "css/app.css" and <<integrity path and a lone <<static</p>
<p>Across lines: <<static
"css/app.css">> and <<static "css/
app.css">> and <<static name
other>></p>
<p>Unterminated string: <<static "css/app.css>> and <<integrity 'js/app.js>></p>
<p>Not a name: <<statics "x">> <<static_url "x">> <<Static "x">> <<<< x >>>></p>
<p>Mismatched: <<<static "css/app.css">> and <<<<static "js/app.js">>></p>
<p>Backslashes: \<< x >> \\<< y >> C:\path\<<file>></p>
`;

  describe("Express 5 on 127.0.0.1", () => {
    let server: Server | undefined;
    afterEach(async () => {
      if (server) await new Promise((resolve) => server!.close(resolve));
      server = undefined;
    });

    async function serve(app: express.Express): Promise<string> {
      app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).type("text/plain").send(error.message);
      });
      server = app.listen(0, "127.0.0.1");
      await new Promise((resolve) => server!.once("listening", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    test("express-handlebars: helpers on engine.handlebars (the global module by default), a layout and a partial", async () => {
      writeTree(views, {
        "layouts/main.hbs": '<html><head><link href="{{static "css/app.css"}}"></head><body>{{{body}}}</body></html>',
        "partials/script.hbs": '<script src="{{static src}}" integrity="{{integrity src}}"></script>',
        "home.hbs": '{{#each styles}}<link href="{{static this}}">{{/each}}{{> script src="js/app.js"}}',
        "broken.hbs": "ok\n  {{static 'css/missing.css'}}",
      });
      const engine = createExpressHandlebars({ extname: ".hbs", layoutsDir: join(views, "layouts"), partialsDir: join(views, "partials") });
      expect(engine.handlebars).toBe(Handlebars);
      registerStatic(engine.handlebars, files);
      try {
        const app = express();
        app.engine(".hbs", engine.engine);
        app.set("view engine", ".hbs");
        app.set("views", views);
        app.get("/", (_req, res) => res.render("home", { styles: ["css/print.css"] }));
        app.get("/broken", (_req, res) => res.render("broken"));
        const base = await serve(app);
        const page = await fetch(`${base}/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toBe(
          `<html><head><link href="/static/css/app.css?${FOO}"></head><body><link href="/static/css/print.css?${BAR}">` +
            `<script src="/static/js/app.js?${FOO}" integrity="${integrityOf("foo")}"></script></body></html>`,
        );
        const broken = await fetch(`${base}/broken`);
        expect(broken.status).toBe(500);
        expect(await broken.text()).toMatch(/^static helper at line 2, column 3: Static file "css\/missing\.css" was not found/);
        expect((await fetch(`${base}/`)).status).toBe(200); // the failed render left nothing behind
      } finally {
        Handlebars.unregisterHelper("static");
        Handlebars.unregisterHelper("integrity");
      }
    });

    test("express-handlebars with an isolated Handlebars.create() and the angle syntax in views, layout and partials", async () => {
      writeTree(views, {
        "layouts/main.hbs": '<link href="<<static "css/app.css">>">{{{body}}}',
        "partials/script.hbs": '<script src="<<static src>>" integrity="<<integrity src>>"></script>',
        "home.hbs": "<pre>x << 2 >> 1</pre>\\<<static \"x\">>{{> script src=\"js/app.js\"}}",
      });
      const engine = createExpressHandlebars({
        handlebars: Handlebars.create(),
        extname: ".hbs",
        layoutsDir: join(views, "layouts"),
        partialsDir: join(views, "partials"),
      });
      registerStatic(engine, files, { angle: true }); // the express-handlebars object stands for engine.handlebars
      expect(Handlebars.parse("<<static x>>").body[0].type).toBe("ContentStatement"); // the global module is untouched
      const app = express();
      app.engine(".hbs", engine.engine);
      app.set("view engine", ".hbs");
      app.set("views", views);
      app.get("/", (_req, res) => res.render("home"));
      const base = await serve(app);
      expect(await (await fetch(`${base}/`)).text()).toBe(
        `<link href="/static/css/app.css?${FOO}"><pre>x << 2 >> 1</pre><<static "x">>` +
          `<script src="/static/js/app.js?${FOO}" integrity="${integrityOf("foo")}"></script>`,
      );
    });

    test("hbs: registerStatic(hbs.handlebars) or the hbs object itself, with and without angle", async () => {
      writeTree(views, {
        "page.hbs": '<link href="{{static "css/app.css"}}">{{> script}}',
        "angle.hba": "<link href=\"<<static name>>\">\n<<static>>",
        "broken.hbs": "\n\n{{integrity 'js/none.js'}}",
      });
      const plain = hbs.create();
      registerStatic(plain.handlebars, files);
      plain.registerPartial("script", '<script src="{{static "js/app.js"}}"></script>');
      const angled = hbs.create();
      registerStatic(angled, files, { angle: true });

      const app = express();
      app.set("views", views);
      app.engine("hbs", plain.__express);
      app.engine("hba", angled.__express);
      app.get("/", (_req, res) => res.render("page.hbs"));
      app.get("/angle", (_req, res) => res.render("angle.hba", { name: "css/print.css" }));
      app.get("/broken", (_req, res) => res.render("broken.hbs"));
      const base = await serve(app);
      expect(await (await fetch(`${base}/`)).text()).toBe(`<link href="/static/css/app.css?${FOO}"><script src="/static/js/app.js?${FOO}"></script>`);
      expect(await (await fetch(`${base}/angle`)).text()).toBe(`<link href="/static/css/print.css?${BAR}">\n<<static>>`);
      const broken = await fetch(`${base}/broken`);
      expect(broken.status).toBe(500);
      // hbs puts the view's path in front.
      const prefix = `${join(views, "broken.hbs")}: integrity helper at line 3, column 1: Static file "js/none.js" was not found`;
      expect((await broken.text()).slice(0, prefix.length)).toBe(prefix);
    });
  });
});

// The shared adapter conformance suite (test/conformance/templates.ts), in every form of the handlebars tag.
/** Renders `source` with `{ name }` on a fresh isolated instance, as a page would. */
function renderWith(angle: boolean, files: StaticFiles, source: string, name: string): string {
  const hb = Handlebars.create();
  registerStatic(hb, files, { angle });
  return hb.compile(source)({ name });
}

// Handlebars string literals take JSON's double-quoted form; names with a quote only come via the variable.
const nameIn = (call: ConformanceCall) => (call.via === "literal" ? JSON.stringify(call.name) : "name");

testAdapter({
  name: "handlebars",
  forms: [
    {
      name: "{{ }}",
      escapes: true,
      escape: Handlebars.escapeExpression,
      render: (files, call) => renderWith(false, files, `{{${call.helper} ${nameIn(call)}}}`, call.name),
    },
    {
      name: "{{{ }}}",
      escapes: false,
      render: (files, call) => renderWith(false, files, `{{{${call.helper} ${nameIn(call)}}}}`, call.name),
    },
    {
      name: "subexpression",
      escapes: true,
      escape: Handlebars.escapeExpression,
      render: (files, call) => renderWith(false, files, `{{#with (${call.helper} ${nameIn(call)}) as |value|}}{{value}}{{/with}}`, call.name),
    },
    {
      name: "<<angle>>",
      escapes: true,
      escape: Handlebars.escapeExpression,
      render: (files, call) => renderWith(true, files, `<<${call.helper} ${nameIn(call)}>>`, call.name),
    },
    {
      name: "<<<angle>>>",
      escapes: false,
      render: (files, call) => renderWith(true, files, `<<<${call.helper} ${nameIn(call)}>>>`, call.name),
    },
  ],
  additionalTests: (site) => {
    test("a render error names the helper and the line and column of the call", () => {
      expect(() => renderWith(false, site().files(), 'first line\n  <link href="{{static "css/missing.css"}}">', "")).toThrow(
        /^static helper at line 2, column 15: Static file "css\/missing\.css" was not found; searched /,
      );
    });
  },
});
