// The built `static-hash` command, run as a user runs it: exit codes, messages, summary, progress bar only on a terminal.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { summary, USAGE } from "../../src/collect/command.js";
import type { CollectResult } from "../../src/collect/index.js";
import { CLI, readTree, runCli, tempFolder, writeTree } from "./trees.js";

const TREE = { "img/a.png": "foo", "css/app.css": "a{background:url(../img/a.png)}" };

describe("static-hash collect", () => {
  it("is the package's bin, a node script", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(pkg.bin).toEqual({ "static-hash": "./dist/cli.js" });
    expect(readFileSync(CLI, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("collects, prints one summary line on stdout and nothing else when not on a terminal", async () => {
    const root = writeTree(tempFolder("root"), TREE);
    const out = join(tempFolder("out"), "static");
    const first = await runCli(["collect", "--root", root, "--out", out, "--mode", "filename"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^Collected 2 files \\(34 bytes\\) into ${out} in \\d+\\.\\d\\d s: 2 originals, 2 hashed copies and staticfiles\\.json \\(5 written, 0 unchanged\\), 1 reference rewritten\\.\\n$`),
    );
    expect(readTree(out)["img/a.0beec7.png"]).toBe("foo");

    const second = await runCli(["collect", `--root=${root}`, `--out=${out}`, "--mode=filename"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/ s: 2 originals, 2 hashed copies and staticfiles\.json \(0 written, 5 unchanged\), 1 reference rewritten\.\n$/);

    const query = await runCli(["collect", "--root", root, "--out", join(tempFolder("out"), "static")]);
    expect(query.code).toBe(0);
    expect(query.stdout).toMatch(/ s: 2 copies and staticfiles\.json \(3 written, 0 unchanged\), 1 reference rewritten\.\n$/);
  });

  it("takes every flag: repeated roots, algorithm, accuracy, base URL, quiet, clear", async () => {
    const first = writeTree(tempFolder("first"), { "a.txt": "foo", "css/x.css": "a{background:url(/assets/a.txt)}" });
    const second = writeTree(tempFolder("second"), { "a.txt": "other", "b.txt": "" });
    const out = join(tempFolder("out"), "static");
    writeTree(out, { "stale.txt": "x" });
    const run = await runCli([
      "collect", "--root", first, "--root", second, "--out", out, "--mode", "filename",
      "--algorithm", "md5", "--accuracy", "12", "--base-url", "/assets/", "--quiet", "--clear",
    ]);
    expect(run).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(readTree(out)).toEqual({
      "a.acbd18db4cc2.txt": "foo",
      "a.txt": "foo",
      "b.d41d8cd98f00.txt": "",
      "b.txt": "",
      "css/x.css": "a{background:url(/assets/a.txt)}",
      [JSON.parse(readTree(out)["staticfiles.json"]).paths["css/x.css"]]: "a{background:url(/assets/a.acbd18db4cc2.txt)}",
      "staticfiles.json": readTree(out)["staticfiles.json"],
    });
  });

  it("prints --help on stdout and exits 0", async () => {
    for (const args of [["collect", "--help"], ["collect", "-h"], ["collect", "--root", "x", "--help"]]) {
      expect(await runCli(args)).toEqual({ code: 0, stdout: USAGE, stderr: "" });
    }
    expect(USAGE).toContain("--root <folder>");
    for (const flag of ["--out", "--mode", "--algorithm", "--accuracy", "--base-url", "--missing", "--quiet", "--clear"]) expect(USAGE).toContain(flag);
  });

  it("exits 1 when collecting fails, naming every file, line and reference, and leaves the manifest alone", async () => {
    const root = writeTree(tempFolder("root"), { "css/app.css": "a{background:url(x.png)}\nb{background:url(y.png)}" });
    const out = join(tempFolder("out"), "static");
    const run = await runCli(["collect", "--root", root, "--out", out]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n")).toEqual([
      `error: css/app.css, line 1: url(x.png) refers to css/x.png, which is in none of the roots (${root}): add the file or fix the reference, or pass --missing warn (missing: "warn") to collect anyway.`,
      `error: css/app.css, line 2: url(y.png) refers to css/y.png, which is in none of the roots (${root}): add the file or fix the reference, or pass --missing warn (missing: "warn") to collect anyway.`,
      `static-hash: collecting failed with 2 errors; ${join(out, "staticfiles.json")} was not changed.`,
      "",
    ]);

    const warned = await runCli(["collect", "--root", root, "--out", out, "--missing", "warn"]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^warning: css\/app\.css, line 1: url\(x\.png\) refers to css\/x\.png, .*\nwarning: css\/app\.css, line 2: /);
    expect(warned.stdout).toMatch(/, 2 warnings\.\n$/);
  });

  it("exits 2 with a message saying what to fix for a usage error", async () => {
    const root = writeTree(tempFolder("root"), { "a.txt": "" });
    const out = join(tempFolder("out"), "static");
    const usageErrors: [string[], string][] = [
      [[], "Missing command: static-hash collect --root <folder> --out <folder>, or static-hash publish <folder> s3://<bucket>[/<prefix>]. Run `static-hash --help` for the commands."],
      [["build"], 'Unknown command "build": the commands are `static-hash collect`, `static-hash publish`. Run `static-hash --help` for the commands.'],
      [["collect", "--out", out], "Missing --root: give the folder to collect, as in --root static. Run `static-hash collect --help` for the options."],
      [["collect", "--root", root], "Missing --out: give the folder to write into, as in --out dist/static. Run `static-hash collect --help` for the options."],
      [["collect", "--root", root, "--out", out, "--frobnicate"], "Unknown option --frobnicate. Run `static-hash collect --help` for the options."],
      [["collect", "--root", root, "--out", out, "--rot", "x"], "Unknown option --rot (did you mean --root?). Run `static-hash collect --help` for the options."],
      [["collect", "--root", root, "--out", out, "-q"], "Unknown option -q. Run `static-hash collect --help` for the options."],
      [["collect", "--root", "--out", out], "--root needs a value, as in --root static."],
      [["collect", "--root=", "--out", out], "--root needs a value, as in --root static."],
      [["colect", "--root", root], 'Unknown command "colect" (did you mean collect?): the commands are `static-hash collect`, `static-hash publish`. Run `static-hash --help` for the commands.'],
      [["collect", "--root", root, "--out", out, "--base_url", "/s/"], "Unknown option --base_url (did you mean --base-url?). Run `static-hash collect --help` for the options."],
      [["collect", "--root", root, "--out", out, "--mode", "hash"], '--mode must be query or filename; got "hash".'],
      [["collect", "--root", root, "--out", out, "--missing", "ignore"], '--missing must be error or warn; got "ignore".'],
      [["collect", "--root", root, "--out", out, "--algorithm", "crc32"], '--algorithm must be sha1 or md5 or sha256 or sha384 or sha512; got "crc32".'],
      [["collect", "--root", root, "--out", out, "--accuracy", "0"], '--accuracy must be a positive whole number of hash characters, such as 6 or 12; got "0".'],
      [["collect", "--root", root, "--out", out, "--accuracy", "six"], '--accuracy must be a positive whole number of hash characters, such as 6 or 12; got "six".'],
      [["collect", "--root", root, "--out", out, "--out", out], "--out is given more than once; give it once."],
      [["collect", "--root", root, "--out", out, "--quiet=yes"], "--quiet takes no value; write just --quiet."],
      [["collect", "extra", "--root", root, "--out", out], 'Unexpected argument "extra": give folders with --root and --out. Run `static-hash collect --help` for the options.'],
      [["collect", "--root", join(root, "nope"), "--out", out], `The root ${join(root, "nope")} does not exist: check the path, or create the folder.`],
      [["collect", "--root", root, "--out", out, "--base-url", "/static/?v=1"], '--base-url must be a plain URL prefix such as "/static/" or "https://cdn.example.com/static/", without a query, fragment, quote or space; got "/static/?v=1".'],
    ];
    for (const [args, message] of usageErrors) {
      const run = await runCli(args);
      expect({ args, ...run }).toEqual({ args, code: 2, stdout: "", stderr: `static-hash: ${message}\n` });
    }
  });

  it("draws a progress bar on a terminal, and none with --quiet", async () => {
    const root = writeTree(tempFolder("root"), TREE);
    const out = join(tempFolder("out"), "static");
    // `script` gives the command a pseudo-terminal, as an interactive shell would.
    const onTerminal = (args: string[]) =>
      execFileSync("script", ["-qec", [process.execPath, CLI, "collect", "--root", root, "--out", out, ...args].map((a) => `'${a}'`).join(" "), "/dev/null"], {
        encoding: "utf8",
      });
    const shown = onTerminal([]);
    expect(shown).toMatch(/reading \[[=-]{40}\] \d\/2 files/);
    expect(shown).toMatch(/writing \[={40}\] 2\/2 files/);
    expect(shown).toMatch(/Collected 2 files \(34 bytes\)/);
    const quiet = onTerminal(["--quiet"]);
    expect(quiet).toBe("");
  });

  it("lists its commands with --help or -h, and prints the version with --version", async () => {
    const commands = [
      "Usage: static-hash <command> [options]",
      "",
      "Commands:",
      "  collect  copy the roots into one folder with content hashes, and write staticfiles.json",
      "           static-hash collect --root <folder> --out <folder>",
      "  publish  upload a collected folder to S3-compatible object storage, staticfiles.json last",
      "           static-hash publish <folder> s3://<bucket>[/<prefix>]",
      "",
      "Run `static-hash <command> --help` for the options of a command.",
      "Exit status: 0 done (warnings included), 1 the command failed, 2 usage error.",
      "",
    ].join("\n");
    expect(await runCli(["--help"])).toEqual({ code: 0, stdout: commands, stderr: "" });
    expect(await runCli(["-h"])).toEqual({ code: 0, stdout: commands, stderr: "" });
    const version = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const args of [["--version"], ["collect", "--version"]]) {
      expect(await runCli(args)).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    }
  });

  it("takes the flags before the command too", async () => {
    const root = writeTree(tempFolder("root"), TREE);
    const out = join(tempFolder("out"), "static");
    expect(await runCli(["--root", root, "--out", out, "--quiet", "collect"])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(Object.keys(readTree(out)).sort()).toEqual(["css/app.css", "img/a.png", "staticfiles.json"]);
  });

  it("--out naming a file is a usage error saying so, not a stack trace", async () => {
    const root = writeTree(tempFolder("root"), TREE);
    const file = join(writeTree(tempFolder("out"), { "notes.txt": "keep" }), "notes.txt");
    expect(await runCli(["collect", "--root", root, "--out", file])).toEqual({
      code: 2,
      stdout: "",
      stderr: `static-hash: The output folder ${file} is a file, not a folder: give a folder to write into, such as "dist/static" (it is created if missing).\n`,
    });
    expect(await runCli(["collect", "--root", root, "--out", join(file, "static")])).toEqual({
      code: 2,
      stdout: "",
      stderr: `static-hash: The output folder ${join(file, "static")} cannot be created: ${file} is a file, not a folder. Give a folder to write into, such as "dist/static".\n`,
    });
    expect(readFileSync(file, "utf8")).toBe("keep");
  });

  it("says in its summary what the output holds", () => {
    const result = (files: number, written: number, unchanged: number, references: number, removed = 0): CollectResult => ({
      ok: true,
      manifest: undefined,
      manifestFile: "dist/static/staticfiles.json",
      problems: [],
      stats: { files, bytes: 48_213_377, written, unchanged, references, removed, variants: 0, durationMs: 2_104 },
    });
    expect(summary(result(5883, 11767, 0, 1204), "dist/static", "filename", 0)).toBe(
      "Collected 5,883 files (48.2 MB) into dist/static in 2.10 s: 5,883 originals, 5,883 hashed copies and staticfiles.json (11,767 written, 0 unchanged), 1,204 references rewritten.",
    );
    expect(summary(result(5883, 12, 5872, 1204, 3), "dist/static", "query", 2)).toBe(
      "Collected 5,883 files (48.2 MB) into dist/static in 2.10 s: 5,883 copies and staticfiles.json (12 written, 5,872 unchanged), 1,204 references rewritten, 3 removed, 2 warnings.",
    );
    expect(summary(result(1, 3, 0, 0), "out", "filename", 1)).toBe(
      "Collected 1 file (48.2 MB) into out in 2.10 s: 1 original, 1 hashed copy and staticfiles.json (3 written, 0 unchanged), 0 references rewritten, 1 warning.",
    );
  });
});
