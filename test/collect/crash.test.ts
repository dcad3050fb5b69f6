// A collect killed (SIGKILL) in the middle leaves the previous manifest readable, no partly written file under a
// final name, and a rerun completes with the right output.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { collect } from "../../src/collect/index.js";
import { CLI, tempFolder, writeTree } from "./trees.js";

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);
const SMALL_FILES = 300;
const BIG = 24 * 1024 * 1024;
const TEMP_NAME = /^\..+\.\d+-\d+\.static-hash-tmp$/;

/** The tree of one version: many small files, stylesheets referring to them, one big file. */
function tree(version: string): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = {};
  for (let i = 0; i < SMALL_FILES; i++) files[`img/${i % 10}/file-${i}.txt`] = `${version} ${i}\n`.repeat(1 + (i % 50));
  for (let i = 0; i < 20; i++) files[`css/s${i}.css`] = `a{background:url(../img/${i % 10}/file-${i}.txt)}\n@import "s${(i + 1) % 20}.css";\n/* ${version} */`;
  files["video/big.bin"] = Buffer.alloc(BIG, version);
  return files;
}

/** name -> sha1 of the bytes of every file under `dir`. */
function fingerprints(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(relative(dir, path).split(sep).join("/"), createHash("sha1").update(readFileSync(path)).digest("hex"));
  }
  return found;
}

function countFiles(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true }).length;
  } catch {
    return 0;
  }
}

/** Spawns the command and kills it with SIGKILL as soon as `killWhen` says so (or lets it finish). */
async function runAndKill(args: string[], killWhen: () => boolean): Promise<{ killed: boolean }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: "ignore" });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));
  while (running && !killWhen()) await sleep(1);
  const killed = running && child.kill("SIGKILL");
  await exited;
  return { killed };
}

describe("a collect killed in the middle", () => {
  it("leaves the previous manifest, only whole files under final names, and a rerun completes", { timeout: 240_000 }, async () => {
    const oldRoot = writeTree(tempFolder("old"), tree("old"));
    const newRoot = writeTree(tempFolder("new"), tree("new"));
    const args = (root: string, out: string) => ["collect", "--root", root, "--out", out, "--mode", "filename", "--quiet"];

    // What each version's output is, collected into fresh folders.
    const oldReference = join(tempFolder("ref-old"), "static");
    const newReference = join(tempFolder("ref-new"), "static");
    const oldResult = await collect({ roots: oldRoot, out: oldReference, mode: "filename" });
    const newResult = await collect({ roots: newRoot, out: newReference, mode: "filename" });
    const oldFiles = fingerprints(oldReference);
    const newFiles = fingerprints(newReference);
    const outputs = newFiles.size;

    // Kill points: by how far the run got (files in the output folder), while the big file is half written, and at a few delays.
    const killPoints: { label: string; when: (out: string, started: number) => () => boolean }[] = [
      { label: "first new file", when: (out) => () => countFiles(out) > oldFiles.size },
      { label: "half the files", when: (out) => () => countFiles(out) > oldFiles.size + outputs / 4 },
      { label: "big file partly written", when: (out) => () => readdirSync(join(out, "video")).some((name) => TEMP_NAME.test(name)) },
      ...(LONG ? [0, 5, 20, 50, 100, 200, 400] : [30]).map((delay) => ({ label: `after ${delay} ms`, when: (_: string, started: number) => () => performance.now() - started >= delay })),
    ];
    let killedCount = 0;
    for (const point of killPoints) {
      const out = join(tempFolder("out"), "static");
      await collect({ roots: oldRoot, out, mode: "filename" });
      const { killed } = await runAndKill(args(newRoot, out), point.when(out, performance.now()));
      if (killed) killedCount++;

      // The manifest is whole: the old one or the new one.
      const manifest = JSON.parse(readFileSync(join(out, "staticfiles.json"), "utf8"));
      expect([oldResult.manifest, newResult.manifest], point.label).toContainEqual(manifest);
      // Every file under a final name is whole: it is the old version's or the new version's; the rest are temp files.
      for (const [name, hash] of fingerprints(out)) {
        const base = name.split("/").pop()!;
        if (TEMP_NAME.test(base)) continue;
        expect([oldFiles.get(name), newFiles.get(name)], `${point.label}: ${name}`).toContain(hash);
      }

      // A rerun completes, removes the dead run's temp files, and writes the new version exactly.
      const rerun = await collect({ roots: newRoot, out, mode: "filename" });
      expect(rerun.ok).toBe(true);
      const after = fingerprints(out);
      for (const [name, hash] of newFiles) expect(after.get(name), `${point.label}: ${name} after the rerun`).toBe(hash);
      expect([...after.keys()].filter((name) => TEMP_NAME.test(name.split("/").pop()!))).toEqual([]);
      expect([...after.keys()].every((name) => newFiles.has(name) || oldFiles.has(name))).toBe(true);
    }
    // The scenario means something only if most runs really were killed mid-way.
    expect(killedCount).toBeGreaterThanOrEqual(3);
  });
});
