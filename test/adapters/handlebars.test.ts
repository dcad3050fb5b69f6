import Handlebars from "handlebars";
import type { StaticFiles } from "../../src/index.js";
import { registerStatic } from "../../src/handlebars.js";
import { runConformance, type ConformanceCall } from "./conformance.js";

/** Renders `source` with `{ name }` on a fresh isolated instance, as a page would. */
function renderWith(angle: boolean, files: StaticFiles, source: string, name: string): string {
  const hb = Handlebars.create();
  registerStatic(hb, files, { angle });
  return hb.compile(source)({ name });
}

// Handlebars string literals take JSON's double-quoted form; names with a quote only come via the variable.
const nameIn = (call: ConformanceCall) => (call.via === "literal" ? JSON.stringify(call.name) : "name");

runConformance({
  name: "handlebars {{ }}",
  escapes: true,
  escape: Handlebars.escapeExpression,
  render: (files, call) => renderWith(false, files, `{{${call.helper} ${nameIn(call)}}}`, call.name),
});

runConformance({
  name: "handlebars {{{ }}}",
  escapes: false,
  render: (files, call) => renderWith(false, files, `{{{${call.helper} ${nameIn(call)}}}}`, call.name),
});

runConformance({
  name: "handlebars subexpression",
  escapes: true,
  escape: Handlebars.escapeExpression,
  render: (files, call) => renderWith(false, files, `{{#with (${call.helper} ${nameIn(call)}) as |value|}}{{value}}{{/with}}`, call.name),
});

runConformance({
  name: "handlebars <<angle>>",
  escapes: true,
  escape: Handlebars.escapeExpression,
  render: (files, call) => renderWith(true, files, `<<${call.helper} ${nameIn(call)}>>`, call.name),
});

runConformance({
  name: "handlebars <<<angle>>>",
  escapes: false,
  render: (files, call) => renderWith(true, files, `<<<${call.helper} ${nameIn(call)}>>>`, call.name),
});
