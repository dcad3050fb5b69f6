// Benchmark 1: what {% static %} / {{static}} adds to a page render, against a no-op tag that returns
// the precomputed URL from a Map (the engine's own cost of calling a tag), in Nunjucks and Handlebars.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Handlebars from "handlebars";
import nunjucks from "nunjucks";
import { StaticFiles } from "static-hash";
import { registerStatic } from "static-hash/handlebars";
import { useStatic } from "static-hash/nunjucks";
import { compareSync, pairedRatio, summarize } from "./measure.js";
import { writeSiteTree } from "./trees.js";

const TAGS = 100;

/** A Nunjucks extension with one tag whose run() returns the URL from a Map: the least a tag can cost. */
class NoopExtension {
  constructor(urls) {
    this.tags = ["noop"];
    this.urls = urls;
  }
  parse(parser, nodes) {
    const token = parser.nextToken();
    const args = parser.parseSignature(null, true);
    parser.advanceAfterBlockEnd(token.value);
    return new nodes.CallExtension(this, "run", args);
  }
  run(_context, name) {
    return this.urls.get(name);
  }
}

/** A page of `TAGS` links, each written by `link(name)`. */
function page(names, link) {
  const lines = names.map((name) => `    <link rel="preload" href="${link(name)}">`);
  return `<!doctype html>\n<html>\n  <head>\n    <title>{{ title }}</title>\n${lines.join("\n")}\n  </head>\n  <body><h1>{{ title }}</h1></body>\n</html>\n`;
}

export function benchRender({ quick }) {
  const root = mkdtempSync(join(tmpdir(), "static-hash-bench-render-"));
  try {
    const names = writeSiteTree(root, 128).slice(0, TAGS);
    const files = new StaticFiles({ roots: [root], watch: false });
    const watched = new StaticFiles({ roots: [root], watch: true });
    const urls = new Map(names.map((name) => [name, files.url(name)]));
    const context = { title: "Benchmark" };
    const options = { rounds: quick ? 5 : 21, roundMs: quick ? 20 : 60 };

    // Nunjucks, autoescape on as the contract's examples have it.
    const environment = (setup) => {
      const env = new nunjucks.Environment(null, { autoescape: true });
      setup(env);
      return env;
    };
    const nunjucksPages = {
      static: new nunjucks.Template(page(names, (name) => `{% static "${name}" %}`), environment((env) => useStatic(env, files))),
      noop: new nunjucks.Template(page(names, (name) => `{% noop "${name}" %}`), environment((env) => env.addExtension("noop", new NoopExtension(urls)))),
      watch: new nunjucks.Template(page(names, (name) => `{% static "${name}" %}`), environment((env) => useStatic(env, watched))),
      literal: new nunjucks.Template(page(names, (name) => urls.get(name)), environment(() => {})),
    };
    // Handlebars, {{ }} (escaped) as the contract's examples have it.
    const handlebars = (setup) => {
      const hb = Handlebars.create();
      setup(hb);
      return hb;
    };
    const handlebarsPages = {
      static: handlebars((hb) => registerStatic(hb, files)).compile(page(names, (name) => `{{static "${name}"}}`)),
      noop: handlebars((hb) => hb.registerHelper("noop", (name) => urls.get(name))).compile(page(names, (name) => `{{noop "${name}"}}`)),
      watch: handlebars((hb) => registerStatic(hb, watched)).compile(page(names, (name) => `{{static "${name}"}}`)),
      literal: handlebars(() => {}).compile(page(names, (name) => urls.get(name))),
    };
    const expected = nunjucksPages.literal.render(context);
    for (const [engine, pages, render] of [
      ["Nunjucks", nunjucksPages, (template) => template.render(context)],
      ["Handlebars", handlebarsPages, (template) => template(context)],
    ]) {
      for (const [variant, template] of Object.entries(pages)) {
        if (render(template) !== expected) throw new Error(`${engine} ${variant} page renders differently from the literal page`);
      }
    }

    const results = {};
    let sink = 0;
    for (const [engine, pages, render] of [
      ["Nunjucks", nunjucksPages, (template) => template.render(context)],
      ["Handlebars", handlebarsPages, (template) => template(context)],
    ]) {
      const cases = {};
      for (const [variant, template] of Object.entries(pages)) {
        cases[variant] = (n) => {
          for (let i = 0; i < n; i++) sink += render(template).length;
        };
      }
      const { perRound } = compareSync(cases, options);
      results[engine] = {
        rows: Object.fromEntries(Object.entries(perRound).map(([variant, values]) => [variant, summarize(values)])),
        staticVsNoop: pairedRatio(perRound.static, perRound.noop),
        watchVsNoop: pairedRatio(perRound.watch, perRound.noop),
        noopVsLiteral: pairedRatio(perRound.noop, perRound.literal),
      };
    }
    if (sink === 0) throw new Error("nothing was rendered");
    return { tags: TAGS, engines: results };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
