import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import express from "express";
import nunjucks from "nunjucks";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { StaticFileError, StaticFiles } from "../src/index.js";
import { angleTags, EXTENSION_NAME, StaticExtension, useStatic } from "../src/nunjucks.js";
import { engineSite, type EngineSite } from "./engine-site.js";
import { thrown, writeTree } from "./temp-folders.js";
import { testAdapter, type ConformanceCall } from "./conformance/templates.js";
const FOO = "0beec7"; // sha1("foo")[:6]
const BAR = "62cdb7"; // sha1("bar")[:6]
const integrityOf = (content: string, algorithm = "sha384") => `${algorithm}-${createHash(algorithm).update(content).digest("base64")}`;

let dir: string;
let root: string;
let views: string;
let files: StaticFiles;

describe("nunjucks: the engine's own cases", () => {
  let site: EngineSite;
  beforeEach(() => {
    site = engineSite("nunjucks");
    ({ dir, root, views, files } = site);
  });

  afterEach(() => site.remove());

  /** Writes templates into the views folder; returns the path of the first. */
  function writeViews(templates: Record<string, string>): string {
    writeTree(views, templates);
    return join(views, Object.keys(templates)[0]);
  }

  function environment(options: nunjucks.ConfigureOptions = {}): nunjucks.Environment {
    const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(views, { noCache: true }), { autoescape: true, ...options });
    useStatic(env, files);
    return env;
  }

  /** Renders through the callback API, as Express and most apps do. */
  function render(env: nunjucks.Environment, name: string, context: object = {}): Promise<string> {
    return new Promise((resolve, reject) => env.render(name, context, (error, result) => (error ? reject(error) : resolve(result ?? ""))));
  }

  function renderString(env: nunjucks.Environment, source: string, context: object = {}): Promise<string> {
    return new Promise((resolve, reject) => env.renderString(source, context, (error, result) => (error ? reject(error) : resolve(result ?? ""))));
  }

  async function renderError(rendering: Promise<string>): Promise<Error> {
    const outcome = await rendering.then(
      (output) => new Error(`expected a render error, got ${JSON.stringify(output)}`),
      (error: Error) => ({ error }),
    );
    if (outcome instanceof Error) throw outcome;
    return outcome.error;
  }

  /** The core's own message for a name, which the template error must carry. */
  function coreMessage(call: () => unknown): string {
    try {
      call();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected the core to throw");
  }

  describe("forms of the tag", () => {
    test("literal, variable, concatenation, lookups, inline if and filter chains all name the file", async () => {
      const env = environment();
      const source = [
        `{% static "css/app.css" %}`,
        `{% static path %}`,
        `{% static "css/" ~ file %}`,
        `{% static "css/" + file %}`,
        `{% static "CSS/APP.CSS" | lower %}`,
        `{% static path | replace("app", "print") %}`,
        `{% static path | safe %}`,
        `{% static assets.style %}`,
        `{% static list[1] %}`,
        `{% static "css/print.css" if dark else "css/app.css" %}`,
        `{% static ("js/" ~ "app") ~ ".js" %}`,
      ].join("\n");
      const context = { path: "css/app.css", file: "print.css", assets: { style: "css/print.css" }, list: ["x", "js/app.js"], dark: true };
      expect((await renderString(env, source, context)).split("\n")).toEqual([
        `/static/css/app.css?${FOO}`,
        `/static/css/app.css?${FOO}`,
        `/static/css/print.css?${BAR}`,
        `/static/css/print.css?${BAR}`,
        `/static/css/app.css?${FOO}`,
        `/static/css/print.css?${BAR}`,
        `/static/css/app.css?${FOO}`,
        `/static/css/print.css?${BAR}`,
        `/static/js/app.js?${FOO}`,
        `/static/css/print.css?${BAR}`,
        `/static/js/app.js?${FOO}`,
      ]);
    });

    test("`as NAME` prints nothing and sets NAME", async () => {
      const out = await renderString(environment(), `[{% static "css/app.css" as style %}]<link href="{{ style }}">{{ style | length }}`);
      expect(out).toBe(`[]<link href="/static/css/app.css?${FOO}">26`);
    });

    test("the integrity tag, its `as` form and the integrity filter print the SRI value", async () => {
      const out = await renderString(
        environment(),
        `{% integrity "js/app.js" %}|{% integrity path as sri %}{{ sri }}|{{ "js/app.js" | integrity }}|{{ "js/app.js" | integrity("sha512") }}`,
        { path: "js/app.js" },
      );
      const sri = integrityOf("foo");
      expect(out).toBe(`${sri}|${sri}|${sri}|${integrityOf("foo", "sha512")}`);
    });

    test("the static filter works on literals, variables and inside expressions", async () => {
      const out = await renderString(environment(), `{{ "css/app.css" | static }}|{{ path | static }}|{{ ("css/" ~ file) | static | upper }}`, {
        path: "js/app.js",
        file: "print.css",
      });
      expect(out).toBe(`/static/css/app.css?${FOO}|/static/js/app.js?${FOO}|/STATIC/CSS/PRINT.CSS?${BAR.toUpperCase()}`);
    });

    test("whitespace control works on both forms", async () => {
      const out = await renderString(environment(), `a\n  {%- static "css/app.css" -%}\n  b\n  {%- static "js/app.js" as s -%}\n  c{{ s }}`);
      expect(out).toBe(`a/static/css/app.css?${FOO}bc/static/js/app.js?${FOO}`);
    });

    test("filename mode and a CDN baseUrl come through unchanged", async () => {
      const env = new nunjucks.Environment(null, { autoescape: true });
      useStatic(env, { roots: [root], mode: "filename", baseUrl: "https://cdn.example.com/s/" });
      expect(await renderString(env, `{% static "css/app.css" %} {{ "js/app.js" | static }}`)).toBe(
        `https://cdn.example.com/s/css/app.${FOO}.css https://cdn.example.com/s/js/app.${FOO}.js`,
      );
    });

    test("a missing file under missing: 'ignore' prints the URL without a hash", async () => {
      const env = new nunjucks.Environment(null, { autoescape: true });
      useStatic(env, { roots: [root], missing: "ignore" });
      expect(await renderString(env, `{% static "css/gone.css" %}|{% integrity "js/gone.js" %}|{{ "css/gone.css?v=1" | static }}`)).toBe(
        "/static/css/gone.css||/static/css/gone.css?v=1",
      );
    });
  });

  describe("inside template structures", () => {
    test("for loops", async () => {
      const out = await renderString(environment(), `{% for f in ["app", "print"] %}{{ loop.index }}:{% static "css/" ~ f ~ ".css" %};{% endfor %}`);
      expect(out).toBe(`1:/static/css/app.css?${FOO};2:/static/css/print.css?${BAR};`);
    });

    test("macros, defined in the page or imported", async () => {
      writeViews({
        "page.njk": `{% import "macros.njk" as m %}{% macro js(n) %}<script src="{% static n %}"></script>{% endmacro %}{{ m.css("css/app.css?v=1&x") }}{{ js("js/app.js") }}`,
        "macros.njk": `{% macro css(n) %}<link href="{% static n %}">{% endmacro %}`,
      });
      expect(await render(environment(), "page.njk")).toBe(`<link href="/static/css/app.css?v=1&amp;x&amp;${FOO}"><script src="/static/js/app.js?${FOO}"></script>`);
    });

    test("included templates see the includer's variables", async () => {
      writeViews({
        "page.njk": `{% set theme = "print" %}<head>{% include "head.njk" %}</head>`,
        "head.njk": `<link href="{% static "css/" ~ theme ~ ".css" %}">`,
      });
      expect(await render(environment(), "page.njk")).toBe(`<head><link href="/static/css/print.css?${BAR}"></head>`);
    });

    test("extends and blocks, with super()", async () => {
      writeViews({
        "page.njk": `{% extends "base.njk" %}{% block scripts %}{{ super() }}<script src="{% static "js/app.js" %}"></script>{% endblock %}`,
        "base.njk": `<link href="{% static "css/app.css" %}">{% block scripts %}<script src="{% static "js/app.js?base" %}"></script>{% endblock %}`,
      });
      expect(await render(environment(), "page.njk")).toBe(
        `<link href="/static/css/app.css?${FOO}"><script src="/static/js/app.js?base&amp;${FOO}"></script><script src="/static/js/app.js?${FOO}"></script>`,
      );
    });

    test("{% call %} bodies", async () => {
      const out = await renderString(environment(), `{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}{% static "css/app.css?a&b" %}{% endcall %}`);
      expect(out).toBe(`[/static/css/app.css?a&amp;b&amp;${FOO}]`);
    });

    test("templates compiled for async filters and asyncEach", async () => {
      const env = environment();
      env.addFilter("later", (text: string, done: (error: null, value: string) => void) => setImmediate(() => done(null, text + "!")), true);
      const out = await renderString(env, `{% asyncEach f in ["css/app.css", "js/app.js"] %}{% static f %}{% static f as u %}({{ u }});{% endeach %}{{ "x" | later }}{% static "css/print.css" %}`);
      expect(out).toBe(`/static/css/app.css?${FOO}(/static/css/app.css?${FOO});/static/js/app.js?${FOO}(/static/js/app.js?${FOO});x!/static/css/print.css?${BAR}`);
    });

    test("if: only the branch taken looks its file up", async () => {
      const source = `{% if dark %}{% static "css/print.css" %}{% else %}{% static "css/not-there.css" %}{% endif %}`;
      expect(await renderString(environment(), source, { dark: true })).toBe(`/static/css/print.css?${BAR}`);
      await expect(renderString(environment(), source, { dark: false })).rejects.toThrow("css/not-there.css");
    });
  });

  describe("`as NAME` scopes exactly like {% set %}", () => {
    /** Renders a page twice, once with `{% static X as N %}` and once with `{% set N = X | static %}`; both must print `expected`. */
    async function sameAsSet(templates: Record<string, string>, expected: string): Promise<void> {
      const withSet: Record<string, string> = {};
      for (const [name, source] of Object.entries(templates)) {
        withSet[name] = source.replace(/\{% static (.+?) as (\w+) %\}/g, "{% set $2 = $1 | static %}");
        expect(withSet[name]).not.toContain("{% static");
      }
      writeViews(templates);
      const viaTag = await render(environment(), "page.njk");
      writeViews(withSet);
      const viaSet = await render(environment(), "page.njk");
      expect({ viaTag, viaSet }).toEqual({ viaTag: expected, viaSet: expected });
    }
    const url = `/static/css/app.css?${FOO}`;

    test("a top-level NAME is visible in later loops", async () => {
      await sameAsSet({ "page.njk": `{% static "css/app.css" as u %}{% for i in [1, 2] %}{{ u }};{% endfor %}` }, `${url};${url};`);
    });

    test("a NAME set in a loop stays in the loop, unless it existed outside", async () => {
      await sameAsSet({ "page.njk": `{% for i in [1] %}{% static "css/app.css" as u %}{% endfor %}[{{ u }}]` }, "[]");
      await sameAsSet({ "page.njk": `{% set u = "before" %}{% for i in [1] %}{% static "css/app.css" as u %}{% endfor %}[{{ u }}]` }, `[${url}]`);
    });

    test("a NAME set in a macro is local to the macro", async () => {
      await sameAsSet({ "page.njk": `{% macro m() %}{% static "css/app.css" as u %}({{ u }}){% endmacro %}{{ m() }}[{{ u }}]` }, `(${url})[]`);
    });

    test("includes see the includer's NAME; an included NAME does not leak back", async () => {
      await sameAsSet(
        {
          "page.njk": `{% static "css/app.css" as u %}{% include "inc.njk" %}[{{ v }}]`,
          "inc.njk": `({{ u }}){% static "js/app.js" as v %}`,
        },
        `(${url})[]`,
      );
    });

    test("in extended templates: a block's NAME stays in the block, a child's top-level NAME reaches the parent", async () => {
      await sameAsSet(
        {
          "page.njk": `{% extends "base.njk" %}{% static "css/app.css" as u %}{% block body %}{% static "js/app.js" as s %}<{{ s }}>{% endblock %}`,
          "base.njk": `{{ u }}|{% block body %}{% endblock %}|[{{ s }}]`,
        },
        `${url}|</static/js/app.js?${FOO}>|[]`,
      );
    });

    test("a top-level NAME is exported to {% from … import %} and {% import %}", async () => {
      await sameAsSet(
        {
          "page.njk": `{% from "assets.njk" import u %}{% import "assets.njk" as assets %}{{ u }}|{{ assets.u }}`,
          "assets.njk": `{% static "css/app.css" as u %}`,
        },
        `${url}|${url}`,
      );
    });
  });

  describe("escaping", () => {
    const raw = `/static/a%26b.css?x=1&y=2&${FOO}`;
    const escaped = `/static/a%26b.css?x=1&amp;y=2&amp;${FOO}`;
    const page = `{% static name %}|{{ name | static }}|{% static name as u %}{{ u }}|{% macro m(n) %}{% static n %}{% endmacro %}{{ m(name) }}|{{ u | safe }}|{{ u | escape }}|{{ name | static | escape }}`;

    test("with autoescape, & is escaped exactly once in every form; | safe prints it raw", async () => {
      const out = await renderString(environment({ autoescape: true }), page, { name: "a&b.css?x=1&y=2" });
      expect(out.split("|")).toEqual([escaped, escaped, escaped, escaped, raw, escaped, escaped]);
      expect(out).not.toContain("&amp;amp;");
    });

    test("a block {% set %} captures escaped output (nunjucks does so for any tag), which `as` avoids", async () => {
      const out = await renderString(environment(), `{% set captured %}{% static "css/app.css?a&b" %}{% endset %}{{ captured }}|{% static "css/app.css?a&b" as u %}{{ u }}`);
      expect(out).toBe(`/static/css/app.css?a&amp;amp;b&amp;amp;${FOO}|/static/css/app.css?a&amp;b&amp;${FOO}`);
    });

    test("without autoescape the URL prints raw, and | escape escapes it once", async () => {
      const out = await renderString(environment({ autoescape: false }), page, { name: "a&b.css?x=1&y=2" });
      expect(out.split("|")).toEqual([raw, raw, raw, raw, raw, escaped, escaped]);
    });
  });

  describe("errors name the template and the tag's line", () => {
    test("a missing file", async () => {
      const file = writeViews({ "page.njk": `<html>\n<head>\n  <link href="{% static "css/missing.css" %}">` });
      const error = await renderError(render(environment(), "page.njk"));
      expect(error.message).toBe(`(${file}) [Line 3, Column 18]\n  static tag: ${coreMessage(() => files.url("css/missing.css"))}`);
    });

    test("a missing file in the integrity tag", async () => {
      const file = writeViews({ "page.njk": `\n{% integrity "js/missing.js" %}` });
      const error = await renderError(render(environment(), "page.njk"));
      expect(error.message).toBe(`(${file}) [Line 2, Column 4]\n  integrity tag: ${coreMessage(() => files.integrity("js/missing.js"))}`);
    });

    test("a name that leaves the roots", async () => {
      const file = writeViews({ "page.njk": `a\nb\nc\n{% static "../secret.txt" %}` });
      const error = await renderError(render(environment(), "page.njk"));
      expect(error.message).toBe(`(${file}) [Line 4, Column 4]\n  static tag: ${coreMessage(() => files.url("../secret.txt"))}`);
      expect(error.message).toContain("leaves the static roots");
    });

    test("a name that is not a string (an undefined variable) or is empty", async () => {
      const file = writeViews({ "page.njk": `{% static nothing %}`, "empty.njk": `\n\n{% static "" as u %}` });
      const undefinedName = await renderError(render(environment(), "page.njk"));
      expect(undefinedName.message).toBe(`(${file}) [Line 1, Column 4]\n  static tag: ${coreMessage(() => files.url(undefined as unknown as string))}`);
      expect(undefinedName.message).toContain("must be a string, got undefined");
      const empty = await renderError(render(environment(), "empty.njk"));
      expect(empty.message).toBe(`(${join(views, "empty.njk")}) [Line 3, Column 4]\n  static tag: ${coreMessage(() => files.url(""))}`);
    });

    test("inside a for loop, an if and the `as` form", async () => {
      const file = writeViews({ "page.njk": `{% for f in ["app", "gone"] %}\n{% if f %}\n    {% static "css/" ~ f ~ ".css" as u %}{{ u }}\n{% endif %}{% endfor %}` });
      const error = await renderError(render(environment(), "page.njk"));
      expect(error.message).toBe(`(${file}) [Line 3, Column 8]\n  static tag: ${coreMessage(() => files.url("css/gone.css"))}`);
    });

    test("inside an included template: the included template's name and line", async () => {
      const included = writeViews({ "partials/head.njk": `<meta>\n{% static "css/gone.css" %}`, "page.njk": `{% include "partials/head.njk" %}` });
      const error = await renderError(render(environment(), "page.njk"));
      expect(error.message).toContain(`(${included}) [Line 2, Column 4]\n  static tag: ${coreMessage(() => files.url("css/gone.css"))}`);
      expect(error.message.startsWith(`(${join(views, "page.njk")})`)).toBe(true);
    });

    test("inside a block of an extended template: the child's name and line", async () => {
      const child = writeViews({ "page.njk": `{% extends "base.njk" %}\n{% block body %}\n\n{% static "js/gone.js" %}{% endblock %}`, "base.njk": `<body>{% block body %}{% endblock %}` });
      const error = await renderError(render(environment(), "page.njk"));
      expect(error.message).toBe(`(${child}) [Line 4, Column 4]\n  static tag: ${coreMessage(() => files.url("js/gone.js"))}`);
    });

    test("in a parent's own markup or an imported macro, the name is the rendered template's, as nunjucks does for its own errors", async () => {
      writeViews({
        "page.njk": `{% extends "base.njk" %}`,
        "base.njk": `\n{% static missing %}{{ fail() }}`,
        "uses-macro.njk": `{% import "macros.njk" as m %}{{ m.link(missing) }}`,
        "macros.njk": `{% macro link(n) %}\n{% static n %}{{ fail() }}{% endmacro %}`,
      });
      const env = environment();
      // The tag keeps its own line (in the file that holds it); the name is the one nunjucks gives its own errors there.
      const viaTag = await renderError(render(env, "page.njk", { missing: "gone.css" }));
      const native = await renderError(render(env, "page.njk", { missing: "css/app.css" }));
      expect(viaTag.message.startsWith(`(${join(views, "page.njk")}) [Line 2, Column 4]\n  static tag: `)).toBe(true);
      expect(native.message.split(")")[0]).toBe(viaTag.message.split(")")[0]);
      const inMacro = await renderError(render(env, "uses-macro.njk", { missing: "gone.css" }));
      const nativeInMacro = await renderError(render(env, "uses-macro.njk", { missing: "css/app.css" }));
      expect(inMacro.message.startsWith(`(${join(views, "uses-macro.njk")}) [Line 2, Column 4]\n  static tag: `)).toBe(true);
      expect(nativeInMacro.message.split(")")[0]).toBe(inMacro.message.split(")")[0]);
    });

    test("renderString has no template name: nunjucks says (unknown path)", async () => {
      const error = await renderError(renderString(environment(), `x\n{% static "nope.css" %}`));
      expect(error.message).toBe(`(unknown path) [Line 2, Column 4]\n  static tag: ${coreMessage(() => files.url("nope.css"))}`);
    });

    test("a filter error names the template (nunjucks gives filters no line)", async () => {
      const file = writeViews({ "page.njk": `{{ "css/gone.css" | static }}` });
      const error = await renderError(render(environment(), "page.njk"));
      expect(error.message).toBe(`(${file})\n  StaticFileError: static filter: ${coreMessage(() => files.url("css/gone.css"))}`);
    });

    test("a synchronous render throws the same error, and the environment keeps working", () => {
      const file = writeViews({ "page.njk": `\n{% static "gone.css" %}`, "good.njk": `{% static "css/app.css" %}` });
      const env = environment();
      expect(() => env.render("page.njk", {})).toThrow(`(${file}) [Line 2, Column 4]\n  static tag: ${coreMessage(() => files.url("gone.css"))}`);
      expect(env.render("good.njk", {})).toBe(`/static/css/app.css?${FOO}`);
    });

    test("with dev: true the error stays a StaticFileError with its code and asset", async () => {
      writeViews({ "page.njk": `{% static "../secret.txt" %}` });
      const error = await renderError(render(environment({ dev: true }), "page.njk"));
      expect(error).toBeInstanceOf(StaticFileError);
      expect(error).toMatchObject({ code: "STATIC_OUTSIDE_ROOT", asset: "../secret.txt" });
    });

    describe("malformed tags are template errors at compile time", () => {
      const cases: Array<[string, string, string]> = [
        ["no argument", `a\n{% static %}`, `[Line 2, Column 4]\n  The static tag needs a file name, as in {% static "css/app.css" %} or {% static path as url %}.`],
        ["no argument (integrity)", `{% integrity -%}`, `[Line 1, Column 4]\n  The integrity tag needs a file name, as in {% integrity "js/app.js" %} or {% integrity path as url %}.`],
        ["`as` without a name", `\n\n  {% static "css/app.css" as %}`, `[Line 3, Column 6]\n  "as" in the static tag must be followed by a variable name, as in {% static "css/app.css" %} or {% static path as url %}.`],
        ["`as` followed by a number", `{% static "css/app.css" as 5 %}`, `[Line 1, Column 4]\n  "as" in the static tag must be followed by a variable name`],
        ["`as` with two names", `{% static "css/app.css" as a b %}`, `[Line 1, Column 30]\n  The static tag ends after "as a", as in {% static "css/app.css" %} or {% static path as url %}; found "b" instead.`],
        ["two names", `{% static "a.css" "b.css" %}`, `[Line 1, Column 19]\n  The static tag takes one file name and an optional "as NAME", as in {% static "css/app.css" %} or {% static path as url %}; found "b.css" instead.`],
        ["a comma", `{% static "a.css", "b.css" %}`, `[Line 1, Column 18]\n  The static tag takes one file name and an optional "as NAME"`],
      ];
      test.each(cases)("%s", async (_, source, expected) => {
        const file = writeViews({ "page.njk": source });
        const error = await renderError(render(environment(), "page.njk"));
        expect(error.message).toContain(`(${file}) ${expected}`);
      });
    });
  });

  describe("angle tags", () => {
    test("<% static %>, its `as` form and other block tags work; {% %} is plain text", async () => {
      const env = environment({ tags: angleTags });
      const source = `<% static "css/app.css" %>|<% static path as u %>{{ u }}|<% if dark %><% integrity "js/app.js" %><% endif %>|{% static "x" %}`;
      expect(await renderString(env, source, { path: "js/app.js", dark: true })).toBe(
        `/static/css/app.css?${FOO}|/static/js/app.js?${FOO}|${integrityOf("foo")}|{% static "x" %}`,
      );
    });

    test("errors point at the line, and the hint uses the angle syntax", async () => {
      const file = writeViews({ "page.njk": `\n<% static "gone.css" %>`, "bad.njk": `<% static %>` });
      const env = environment({ tags: angleTags });
      expect((await renderError(render(env, "page.njk"))).message).toBe(`(${file}) [Line 2, Column 4]\n  static tag: ${coreMessage(() => files.url("gone.css"))}`);
      expect((await renderError(render(env, "bad.njk"))).message).toContain(`The static tag needs a file name, as in <% static "css/app.css" %> or <% static path as url %>.`);
    });
  });

  describe("environments", () => {
    test("nunjucks.configure() and nunjucks.render()", async () => {
      writeViews({ "page.njk": `<link href="{% static "css/app.css?v=1" %}">` });
      const env = nunjucks.configure(views, { autoescape: true, noCache: true });
      const returned = useStatic(env, { roots: [root] });
      expect(returned).toBeInstanceOf(StaticFiles);
      expect(returned.roots).toEqual([root]);
      expect(nunjucks.render("page.njk", {})).toBe(`<link href="/static/css/app.css?v=1&amp;${FOO}">`);
    });

    test("precompiled templates render with the extension registered on the rendering environment", async () => {
      writeViews({
        "page.njk": `{% extends "base.njk" %}{% block body %}{% static "js/app.js" as s %}<script src="{{ s }}"></script>\n{% if broken %}{% static "css/gone.css" %}{% endif %}{% endblock %}`,
        "base.njk": `<link href="{% static "css/app.css" %}">{% block body %}{% endblock %}`,
      });
      const compiling = new nunjucks.Environment([], { autoescape: true });
      useStatic(compiling, files);
      const code = nunjucks.precompile(views, { env: compiling, include: ["\\.njk$"] });
      const window: { nunjucksPrecompiled?: Record<string, unknown> } = {};
      runInNewContext(code, { window });
      expect(Object.keys(window.nunjucksPrecompiled ?? {}).sort()).toEqual(["base.njk", "page.njk"]);

      // A different environment renders, with its own StaticFiles (filename mode): URLs are computed at render time.
      const rendering = new nunjucks.Environment(new nunjucks.PrecompiledLoader(window.nunjucksPrecompiled as never), { autoescape: true });
      useStatic(rendering, { roots: [root], mode: "filename" });
      expect(await render(rendering, "page.njk", { broken: false })).toBe(`<link href="/static/css/app.${FOO}.css"><script src="/static/js/app.${FOO}.js"></script>\n`);
      const error = await renderError(render(rendering, "page.njk", { broken: true }));
      expect(error.message).toContain(`(page.njk) [Line 2, Column 19]\n  static tag: `);
      expect(error.message).toContain(`"css/gone.css" was not found`);
    });

    test("an Express app configured with nunjucks.configure(dir, { express: app })", async () => {
      writeViews({ "page.njk": `<link href="{% static "css/app.css" %}">`, "broken.njk": `<p>\n{% static "css/gone.css" %}` });
      const app = express();
      const env = nunjucks.configure(views, { autoescape: true, express: app, noCache: true });
      useStatic(env, files);
      app.get("/", (_req, res) => res.render("page.njk"));
      app.get("/broken", (_req, res) => res.render("broken.njk"));
      app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).type("text/plain").send(error.message);
      });
      const server = app.listen(0, "127.0.0.1");
      await new Promise((resolve) => server.once("listening", resolve));
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const page = await fetch(`${base}/`);
        expect([page.status, await page.text()]).toEqual([200, `<link href="/static/css/app.css?${FOO}">`]);
        const broken = await fetch(`${base}/broken`);
        expect([broken.status, await broken.text()]).toEqual([500, `(${join(views, "broken.njk")}) [Line 2, Column 4]\n  static tag: ${coreMessage(() => files.url("css/gone.css"))}`]);
        const again = await fetch(`${base}/`);
        expect(again.status).toBe(200);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    test("useStatic twice on one environment: the latest StaticFiles wins", async () => {
      const env = new nunjucks.Environment(null, { autoescape: true });
      useStatic(env, files);
      const second = useStatic(env, { roots: [root], baseUrl: "/assets/" });
      expect(second.baseUrl).toBe("/assets/");
      // nunjucks parses with the first extension that claims a tag: only the latest may be left.
      const registered = (env as unknown as { extensionsList: object[] }).extensionsList.filter((e) => e instanceof StaticExtension);
      expect(registered).toEqual([env.getExtension(EXTENSION_NAME)]);
      expect((registered[0] as StaticExtension).files).toBe(second);
      expect(await renderString(env, `{% static "css/app.css" %}|{{ "css/app.css" | static }}`)).toBe(`/assets/css/app.css?${FOO}|/assets/css/app.css?${FOO}`);
    });

    test("StaticExtension can be registered by hand", async () => {
      const env = new nunjucks.Environment(null, { autoescape: true });
      env.addExtension(EXTENSION_NAME, new StaticExtension(files));
      expect(await renderString(env, `{% static "css/app.css" %}`)).toBe(`/static/css/app.css?${FOO}`);
    });

    test("useStatic refuses what is not an environment, and bad options say what to fix", () => {
      expect(() => useStatic({} as never, files)).toThrow(TypeError);
      expect(() => useStatic(null as never, files)).toThrow("needs a nunjucks Environment");
      expect(() => useStatic(new nunjucks.Environment(), { mode: "hash" as never })).toThrow(expect.objectContaining({ code: "STATIC_CONFIG" }));
    });
  });
});

// The shared adapter conformance suite (test/conformance/templates.ts), in every form of the nunjucks tag.
/** Renders `source` with `{ name }` in a fresh Environment, through the callback API so errors arrive as a render would see them. */
function renderWith(options: nunjucks.ConfigureOptions, files: StaticFiles, source: string, name: string): Promise<string> {
  const env = new nunjucks.Environment(null, options);
  useStatic(env, files);
  return new Promise((resolve, reject) => env.renderString(source, { name }, (error, result) => (error ? reject(error) : resolve(result ?? ""))));
}

const nameIn = (call: ConformanceCall) => (call.via === "literal" ? JSON.stringify(call.name) : "name");

testAdapter({
  name: "nunjucks",
  forms: [
    {
      name: "tag",
      escapes: true,
      render: (files, call) => renderWith({ autoescape: true }, files, `{% ${call.helper} ${nameIn(call)} %}`, call.name),
    },
    {
      name: "tag, autoescape off",
      escapes: false,
      render: (files, call) => renderWith({ autoescape: false }, files, `{% ${call.helper} ${nameIn(call)} %}`, call.name),
    },
    {
      name: "`as` form",
      escapes: true,
      render: (files, call) => renderWith({ autoescape: true }, files, `{% ${call.helper} ${nameIn(call)} as value %}{{ value }}`, call.name),
    },
    {
      name: "filter",
      escapes: true,
      render: (files, call) => renderWith({ autoescape: true }, files, `{{ ${nameIn(call)} | ${call.helper} }}`, call.name),
    },
    {
      name: "angle tags",
      escapes: true,
      render: (files, call) => renderWith({ autoescape: true, tags: angleTags }, files, `<% ${call.helper} ${nameIn(call)} %>`, call.name),
    },
  ],
  additionalTests: (site) => {
    test("a render error names the template and the tag's line", () => {
      const views = writeTree(join(site().dir, "views"), { "page.njk": 'first line\n<link href="{% static "css/missing.css" %}">' });
      const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(views), { autoescape: true });
      useStatic(env, site().files());
      const error = thrown(() => env.render("page.njk"));
      expect(error.message).toMatch(/^\(.*\) \[Line 2, Column \d+\]\n {2}.*Static file "css\/missing\.css" was not found/);
      expect(error.message.split(")")[0]).toBe(`(${join(views, "page.njk")}`);
    });
  },
});
