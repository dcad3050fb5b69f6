// Promise: a hashed name always names those bytes. A separate process replaces source files
// (write a temporary file, rename it over the source) every millisecond while collect reruns into
// folders that exist already; afterwards every hashed copy holds bytes whose digest is its name, and
// every manifest written names bytes that are there.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { collect } from "../../src/collect/index.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);
const RUNS = LONG ? 40 : 8;
const FILES = 150;
const figures = { runs: 0, succeeded: 0, refused: 0, hashedChecked: 0, renames: 0 };

afterAll(() => {
  console.info(
    `collect-hashed-name: ${figures.runs} reruns under renames (${figures.renames} renames over the sources), ` +
      `${figures.succeeded} finished, ${figures.refused} refused a changed source, ${figures.hashedChecked} hashed copies checked, 0 wrong`,
  );
});

const sha1 = (bytes: Uint8Array) => createHash("sha1").update(bytes).digest("hex");

/** Content of file `i`, version `v`: 16–80 KiB, so copying takes long enough to be overtaken. */
function content(i: number, v: number): Buffer {
  return Buffer.alloc(16_384 + ((i * 7919) % 65_536), `file ${i} version ${v} `);
}

// The other process: every millisecond, replaces a random source by new bytes, written aside then renamed over it.
const RENAMER = `
const fs = require("node:fs");
const [dir, files] = [process.argv[1], Number(process.argv[2])];
let version = 1, renames = 0;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  const i = Math.floor(Math.random() * files);
  const name = dir + "/d7/f" + i + ".bin";
  fs.writeFileSync(name + ".tmp~", Buffer.alloc(16384 + ((i * 7919) % 65536), "file " + i + " version " + (++version) + " "));
  fs.renameSync(name + ".tmp~", name);
  renames++;
  Atomics.wait(sleeper, 0, 0, 1);
  if (renames % 10 === 0 && fs.existsSync(dir + "/stop")) { process.stdout.write(String(renames)); process.exit(0); }
}
`;

/** Checks every hashed copy in `out` (filename mode): `name.<6 hex>.ext` holds bytes with that sha1. */
function checkHashedCopies(out: string): number {
  let checked = 0;
  for (const entry of fs.readdirSync(out, { recursive: true, withFileTypes: true })) {
    const match = /\.([0-9a-f]{6})\.(bin|css)$/.exec(entry.name);
    if (!entry.isFile() || !match) continue;
    const bytes = fs.readFileSync(join(entry.parentPath, entry.name));
    expect(sha1(bytes).slice(0, 6), `${entry.name} holds other bytes than its name says`).toBe(match[1]);
    checked++;
  }
  return checked;
}

/** Checks that every name of the manifest leads to bytes with its hash (query mode: `name?hash`). */
function checkManifest(out: string, mode: "query" | "filename"): void {
  const { paths } = JSON.parse(fs.readFileSync(join(out, "staticfiles.json"), "utf8")) as { paths: Record<string, string> };
  for (const [name, stored] of Object.entries(paths)) {
    const [file, hash] = mode === "query" ? [name, stored.split("?")[1]] : [stored, /\.([0-9a-f]{6})\.[^.]+$/.exec(stored)![1]];
    expect(sha1(fs.readFileSync(join(out, file))).slice(0, 6), `${stored} in the manifest`).toBe(hash);
  }
}

describe.each(["filename", "query"] as const)("collect --mode %s reruns while sources are renamed over", (mode) => {
  test(`${RUNS} reruns into existing folders: every hashed name holds its bytes`, { timeout: 60_000 + RUNS * 4_000 }, async () => {
    const base = tempFolder("renamed");
    const files: Record<string, Buffer | string> = { "css/app.css": 'body { background: url("../d7/f0.bin") }\n' };
    for (let i = 0; i < FILES; i++) files[`d7/f${i}.bin`] = content(i, 0);
    const src = writeTree(join(base, "src"), files);
    const out = join(base, "out");
    expect((await collect({ roots: [src], out, mode })).ok).toBe(true);

    const renamer = spawn(process.execPath, ["-e", RENAMER, src, String(FILES)], { stdio: ["ignore", "pipe", "inherit"] });
    let said = "";
    renamer.stdout.on("data", (chunk) => (said += chunk));
    const exited = new Promise<void>((resolve) => renamer.on("exit", () => resolve()));
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let run = 0; run < RUNS; run++) {
        const result = await collect({ roots: [src], out, mode });
        figures.runs++;
        if (result.ok) {
          figures.succeeded++;
          checkManifest(out, mode);
        } else {
          figures.refused++;
          for (const problem of result.problems) expect(problem.code, problem.message).toBe("SOURCE_CHANGED");
        }
        if (mode === "filename") figures.hashedChecked += checkHashedCopies(out);
      }
    } finally {
      fs.writeFileSync(join(src, "stop"), "");
      setTimeout(() => renamer.kill("SIGTERM"), 2_000).unref();
      await exited;
      figures.renames += Number(said) || 0;
    }
    expect(figures.renames).toBeGreaterThan(0);
  });
});
