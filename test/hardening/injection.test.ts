// Hostile names as template variables through the real engines: the core percent-encodes what could be
// markup, the engine HTML-escapes exactly once where it autoescapes, and an attribute never breaks out.
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Handlebars from "handlebars";
import nunjucks from "nunjucks";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { StaticFiles } from "../../src/index.js";
import { hashBytes } from "../../src/core/hash.js";
import { registerStatic } from "../../src/handlebars.js";
import { angleTags, useStatic } from "../../src/nunjucks.js";

// Names an attacker would try; several are real files below, the others are missing (missing: "ignore").
const HOSTILE = [
  '"><script>alert(1)</script>',
  "'><script>alert(1)</script>",
  "' onerror='alert(1)",
  '" onload="alert(1)',
  "`${alert(1)}`",
  "{{7*7}}",
  "}}{{",
  "{{{raw}}}",
  "<%= 7*7 %>",
  "%>",
  "{% raw %}",
  "{%- endraw %}",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)//x.js",
  "data:text/html,<script>alert(1)</script>",
  "//evil.example/x.js",
  "\\\\evil.example\\x.js",
  "</script><script>alert(1)</script>",
  "<!--",
  "&lt;script&gt;",
  "&#39;&quot;",
  "x.css?\"><script>alert(1)</script>",
  "x.css?'onmouseover='alert(1)",
  "x.css#\"><img src=x onerror=alert(1)>",
  "x.css?a=`b`#<svg/onload=alert(1)>",
  "x.css? onerror=alert(1)",
  "x.css?{{7*7}}#{%raw%}",
  "line\nbreak.css",
  "tab\there.css",
  "\u2028\u2029.css",
];
// Real files with hostile names (Linux allows every byte but `/` and NUL in a file name).
const REAL_FILES = ['"><script>alert(1)<', "it's.css", "a`b.css", "{{x}}.css", "<%x%>.css", "{%x%}.css", "javascript:alert(1).js", "&amp;.css", "q\"uote.css"];

let root: string;
let rendered = 0;

beforeAll(() => {
  root = fs.mkdtempSync(join(tmpdir(), "static-hash-injection-"));
  for (const name of REAL_FILES) fs.writeFileSync(join(root, name), `content of ${name}`);
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  console.info(`injection: ${rendered} renders of hostile names checked`);
});

const NAMES = [...HOSTILE, ...REAL_FILES];

/** HTML's own unescaping of an attribute value, for the entities the engines write. */
function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, "`")
    .replace(/&#x3D;/g, "=")
    .replace(/&amp;/g, "&");
}

/**
 * The attribute value a template printed between its quotes. The page must be exactly the template's
 * text around one value that holds no quote or angle bracket: nothing broke out of the attribute.
 */
function attribute(html: string, before: string, after: string): string {
  expect(html.startsWith(before), html).toBe(true);
  expect(html.endsWith(after), html).toBe(true);
  const value = html.slice(before.length, html.length - after.length);
  expect(value, html).not.toMatch(/["'<>`]/);
  return value;
}

/** What the browser would request: the value parses as a URL on this site, never a script or another host. */
function expectSafeUrl(url: string) {
  const parsed = new URL(url, "http://site.example/page");
  expect(parsed.protocol).toBe("http:");
  expect(parsed.host).toBe("site.example");
  expect(parsed.pathname.startsWith("/static/")).toBe(true);
}

describe.each([true, false])("Nunjucks with autoescape %s", (autoescape) => {
  const files = () => new StaticFiles({ roots: [root], missing: "ignore" });
  const env = () => {
    const environment = new nunjucks.Environment(null, { autoescape });
    useStatic(environment, files());
    return environment;
  };

  test.each(NAMES)("the name %j comes out as one URL, escaped once", (name) => {
    const environment = env();
    const url = files().url(name);
    expectSafeUrl(url);
    // The URL itself carries no markup: the core percent-encodes quotes, angle brackets and backticks.
    expect(url).not.toMatch(/["'<>`\s]/);
    if (REAL_FILES.includes(name)) expect(url).toContain(hashBytes(`content of ${name}`).slice(0, 6));
    const pages: Array<[string, string, string]> = [
      ['<a href="{{ name | static }}">', '<a href="', '">'],
      ["<script src='{% static name %}'></script>", "<script src='", "'></script>"],
      ['{% static name as u %}<link href="{{ u }}">', '<link href="', '">'],
    ];
    for (const [template, before, after] of pages) {
      const html = environment.renderString(template, { name });
      rendered++;
      const value = attribute(html, before, after);
      // Escaped exactly once: unescaping once gives the URL back (and without autoescape it is the URL).
      expect(autoescape ? unescapeHtml(value) : value).toBe(url);
    }
    const integrity = environment.renderString('<script integrity="{{ name | integrity }}"></script>', { name });
    rendered++;
    expect(integrity).toMatch(/^<script integrity="(sha384-[A-Za-z0-9+/]+=*)?"><\/script>$/);
  });

  test("angle tags: a hostile name in <% static %> is escaped the same way", () => {
    const environment = new nunjucks.Environment(null, { autoescape, tags: angleTags });
    useStatic(environment, files());
    for (const name of NAMES) {
      const html = environment.renderString('<a href="<% static name %>">', { name });
      rendered++;
      const value = attribute(html, '<a href="', '">');
      expect(autoescape ? unescapeHtml(value) : value).toBe(files().url(name));
    }
  });

  test("a template cannot be injected through a name: {{ }} and {% %} in a value stay text", () => {
    const environment = env();
    const html = environment.renderString("{{ name | static }}|{% static name %}", { name: "x.css?{{ 7*7 }}{% if true %}yes{% endif %}" });
    rendered++;
    // Printed as text, not evaluated: no 49, and the if block is still there.
    expect(html).not.toContain("49");
    expect(html.split("|")).toHaveLength(2);
    expect(html.split("|")[0]).toBe(html.split("|")[1]);
    expect(unescapeHtml(html.split("|")[0])).toBe("/static/x.css?{{%207*7%20}}{%%20if%20true%20%}yes{%%20endif%20%}");
  });
});

describe("Handlebars", () => {
  const files = () => new StaticFiles({ roots: [root], missing: "ignore" });

  test.each(NAMES)("the name %j comes out as one URL: escaped once by {{ }}, as is by {{{ }}}", (name) => {
    const hb = Handlebars.create();
    registerStatic(hb, files());
    const url = files().url(name);
    const escaped: Array<[string, string, string]> = [
      ['<a href="{{static name}}">', '<a href="', '">'],
      ['{{#with (static name) as |u|}}<link href="{{u}}">{{/with}}', '<link href="', '">'],
    ];
    for (const [template, before, after] of escaped) {
      const html = hb.compile(template)({ name });
      rendered++;
      expect(unescapeHtml(attribute(html, before, after))).toBe(url);
    }
    // Triple-stash prints the URL unescaped: the core's encoding alone keeps the attribute closed.
    const raw = hb.compile("<script src='{{{static name}}}'></script>")({ name });
    rendered++;
    expect(attribute(raw, "<script src='", "'></script>")).toBe(url);
    const integrity = hb.compile('<script integrity="{{integrity name}}"></script>')({ name });
    rendered++;
    expect(integrity).toMatch(/^<script integrity="(sha384-[A-Za-z0-9+/]+=*)?"><\/script>$/);
  });

  test("angle syntax: <<static name>> with a hostile name keeps the attribute closed and prints the URL once", () => {
    const hb = Handlebars.create();
    registerStatic(hb, files(), { angle: true });
    for (const name of NAMES) {
      const html = hb.compile('<a href="<<static name>>">')({ name });
      rendered++;
      const value = attribute(html, '<a href="', '">');
      expect([value, unescapeHtml(value)]).toContain(files().url(name));
    }
  });

  test("a template cannot be injected through a name: {{ }} in a value stays text", () => {
    const hb = Handlebars.create();
    registerStatic(hb, files());
    const name = "x.css?{{static 'x'}}{{#each this}}y{{/each}}";
    const html = hb.compile("{{{static name}}}")({ name });
    rendered++;
    expect(html).toBe("/static/x.css?{{static%20%27x%27}}{{#each%20this}}y{{/each}}");
  });
});
