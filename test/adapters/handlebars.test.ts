import Handlebars from "handlebars";
import { expect, test } from "vitest";
import type { StaticFiles } from "../../src/index.js";
import { registerStatic } from "../../src/handlebars.js";
import { testAdapter, type ConformanceCall } from "./conformance.js";

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
