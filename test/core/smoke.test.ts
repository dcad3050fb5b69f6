import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { StaticFiles } from "../../src/index.js";

test("the original tag's vector: sha1('foo') cut to 6", () => {
  const root = mkdtempSync(join(tmpdir(), "static-hash-"));
  mkdirSync(join(root, "css"));
  writeFileSync(join(root, "css/app.css"), "foo");
  const files = new StaticFiles({ roots: [root] });
  expect(files.url("css/app.css")).toBe("/static/css/app.css?0beec7");
});
