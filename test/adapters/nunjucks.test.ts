import nunjucks from "nunjucks";
import { angleTags, useStatic } from "../../src/nunjucks.js";
import type { StaticFiles } from "../../src/index.js";
import { runConformance, type ConformanceCall } from "./conformance.js";

/** Renders `source` with `{ name }` in a fresh Environment, through the callback API so errors arrive as a render would see them. */
function renderWith(options: nunjucks.ConfigureOptions, files: StaticFiles, source: string, name: string): Promise<string> {
  const env = new nunjucks.Environment(null, options);
  useStatic(env, files);
  return new Promise((resolve, reject) => env.renderString(source, { name }, (error, result) => (error ? reject(error) : resolve(result ?? ""))));
}

const nameIn = (call: ConformanceCall) => (call.via === "literal" ? JSON.stringify(call.name) : "name");

runConformance({
  name: "nunjucks tag",
  escapes: true,
  render: (files, call) => renderWith({ autoescape: true }, files, `{% ${call.helper} ${nameIn(call)} %}`, call.name),
});

runConformance({
  name: "nunjucks tag, autoescape off",
  escapes: false,
  render: (files, call) => renderWith({ autoescape: false }, files, `{% ${call.helper} ${nameIn(call)} %}`, call.name),
});

runConformance({
  name: "nunjucks `as` form",
  escapes: true,
  render: (files, call) => renderWith({ autoescape: true }, files, `{% ${call.helper} ${nameIn(call)} as value %}{{ value }}`, call.name),
});

runConformance({
  name: "nunjucks filter",
  escapes: true,
  render: (files, call) => renderWith({ autoescape: true }, files, `{{ ${nameIn(call)} | ${call.helper} }}`, call.name),
});

runConformance({
  name: "nunjucks angle tags",
  escapes: true,
  render: (files, call) => renderWith({ autoescape: true, tags: angleTags }, files, `<% ${call.helper} ${nameIn(call)} %>`, call.name),
});
