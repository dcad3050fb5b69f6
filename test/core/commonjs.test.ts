// A CommonJS user: `require("static-hash")` from a project that installed it, against the built dist/.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { removeTempFolders, tempFolder, tempRoot } from "../temp-folders.js";

const PACKAGE = resolve(import.meta.dirname, "../..");
let project: string;

beforeAll(() => {
  if (!existsSync(join(PACKAGE, "dist/index.js"))) {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: PACKAGE, stdio: "inherit" });
  }
  // A project with the package installed, as npm links a local dependency.
  project = tempFolder("cjs-project");
  mkdirSync(join(project, "node_modules"));
  symlinkSync(PACKAGE, join(project, "node_modules/static-hash"), "dir");
});
afterAll(removeTempFolders);

function runCommonJs(script: string): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(process.execPath, ["-e", script], { cwd: project, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

test('require("static-hash") gives a working StaticFiles', () => {
  const root = tempRoot({ "css/app.css": "foo" });
  const { stdout, stderr, status } = runCommonJs(`
    const { StaticFiles } = require("static-hash");
    const files = new StaticFiles({ roots: [${JSON.stringify(root)}] });
    console.log(files.url("css/app.css"));
    console.log(new StaticFiles({ roots: [${JSON.stringify(root)}], mode: "filename" }).url("css/app.css?v=1#x"));
    console.log(files.integrity("css/app.css"));
  `);
  expect(stderr.replace(/.*ExperimentalWarning.*\n?|.*--trace-warnings.*\n?/g, "")).toBe("");
  expect(status).toBe(0);
  expect(stdout).toBe(
    "/static/css/app.css?0beec7\n/static/css/app.0beec7.css?v=1#x\nsha384-mMEf/f3VQGdrGhN8saIrKnA1DJpEFx1rEYDGvly7LuP3nVMsih3Z7y6OCOdSo7q7\n",
  );
});

test("a CommonJS user can catch StaticFileError by class and code", () => {
  const { stdout, status } = runCommonJs(`
    const { StaticFiles, StaticFileError } = require("static-hash");
    try {
      new StaticFiles({ roots: ["static"] }).url("../secret");
    } catch (error) {
      console.log(error instanceof StaticFileError, error instanceof Error, error.code, error.asset);
    }
  `);
  expect(status).toBe(0);
  expect(stdout).toBe("true true STATIC_OUTSIDE_ROOT ../secret\n");
});
