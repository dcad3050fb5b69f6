// `static-hash collect` killed with SIGKILL at random points (the built CLI, as a deploy pipeline runs
// it): the previous manifest stays readable, no final name ever holds a partly written file, and the
// next run finishes with exactly what a clean run writes.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { StaticFiles } from "../../src/index.js";

const LONG = Boolean(process.env.STATIC_HASH_LONG_TESTS);
// Per mode: 24 kills in all under STATIC_HASH_LONG_TESTS, 6 by default.
const KILLS = LONG ? 12 : 3;
const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const TEMP_SUFFIX = ".static-hash-tmp";

let base: string;
const figures = { kills: 0, killedMidWrite: 0, finishedBeforeKill: 0 };

/** A site of a few hundred files: stylesheets that import each other and refer to images, scripts with maps, a few big files. */
function writeSite(root: string, version: number) {
  const put = (name: string, content: string | Buffer) => {
    fs.mkdirSync(dirname(join(root, name)), { recursive: true });
    fs.writeFileSync(join(root, name), content);
  };
  // Version 2 changes every third image and one big file: the hashes move through the references.
  const edited = (i: number) => (version === 2 && i % 3 === 0 ? ` v${version}` : "");
  for (let i = 0; i < 120; i++) {
    put(`img/pic-${i}.png`, Buffer.from(`png ${i}${edited(i)} `.repeat(200)));
    const next = i + 1 < 120 ? `@import "sheet-${i + 1}.css";\n` : "";
    put(`css/sheet-${i}.css`, `${next}.c${i} { background: url("../img/pic-${i}.png"); }\n`);
  }
  for (let i = 0; i < 40; i++) {
    put(`js/mod-${i}.js`, `export const m${i} = ${i};\n//# sourceMappingURL=mod-${i}.js.map\n`);
    put(`js/mod-${i}.js.map`, JSON.stringify({ version: 3, sources: [`mod-${i}.ts`], mappings: "" }));
  }
  for (let i = 0; i < 4; i++) {
    const big = Buffer.alloc(1024 * 1024, `big ${i}${i === 0 ? edited(0) : ""} `);
    put(`media/big-${i}.bin`, big);
  }
  put("css/app.css", '@import "sheet-0.css";\nbody { background: url("../img/pic-0.png") }\n');
}

function collectArgs(root: string, out: string, mode: string) {
  return [CLI, "collect", "--root", root, "--out", out, "--mode", mode, "--quiet"];
}

/** Every file under `dir` (relative `/` names) with its bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!fs.existsSync(dir)) return files;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path).split(sep).join("/"), fs.readFileSync(path));
  }
  return files;
}

function holdsTempFile(dir: string): boolean {
  try {
    return fs.readdirSync(dir, { recursive: true }).some((name) => String(name).endsWith(TEMP_SUFFIX));
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function copyTree(from: string, to: string) {
  fs.cpSync(from, to, { recursive: true });
}

beforeAll(() => {
  base = fs.mkdtempSync(join(tmpdir(), "static-hash-kill-"));
  writeSite(join(base, "v1"), 1);
  writeSite(join(base, "v2"), 2);
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
  console.info(
    `collect-kill: ${figures.kills} SIGKILLs (${figures.killedMidWrite} left the output between two states, ` +
      `${figures.finishedBeforeKill} runs finished before their kill), 0 partial files, every next run clean`,
  );
});

describe.each(["filename", "query"] as const)("collect --mode %s killed with SIGKILL", (mode) => {
  let clean1: Map<string, Buffer>;
  let clean2: Map<string, Buffer>;
  let cleanOut1: string;
  let cleanMs = 0;

  beforeAll(() => {
    expect(fs.existsSync(CLI), `${CLI} is missing: run npm run build`).toBe(true);
    cleanOut1 = join(base, `clean1-${mode}`);
    const cleanOut2 = join(base, `clean2-${mode}`);
    const first = spawnSync(process.execPath, collectArgs(join(base, "v1"), cleanOut1, mode), { encoding: "utf8" });
    expect(first.status, first.stderr).toBe(0);
    const started = performance.now();
    const second = spawnSync(process.execPath, collectArgs(join(base, "v2"), cleanOut2, mode), { encoding: "utf8" });
    cleanMs = performance.now() - started;
    expect(second.status, second.stderr).toBe(0);
    clean1 = tree(cleanOut1);
    clean2 = tree(cleanOut2);
    expect(clean2.size).toBeGreaterThan(300);
    expect(clean2.get("staticfiles.json")!.equals(clean1.get("staticfiles.json")!)).toBe(false);
  });

  test(`${KILLS} kills at random points: old manifest readable, no partial file, next run right`, { timeout: KILLS * 15_000 }, async () => {
    for (let kill = 0; kill < KILLS; kill++) {
      const out = join(base, `out-${mode}-${kill}`);
      // Half the runs update an earlier deploy (v1 already collected), half start from nothing; both kinds
      // are killed at a random time of the whole run and at a random time of the write phase.
      const updating = kill % 2 === 0;
      if (updating) copyTree(cleanOut1, out);
      const before = tree(out);
      const child = spawn(process.execPath, collectArgs(join(base, "v2"), out, mode), { stdio: "ignore" });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
      let running = true;
      void exited.then(() => (running = false));
      if (kill % 4 < 2) {
        // A random point of a run: anywhere from start-up to the end of a clean run's time.
        await sleep(Math.random() * cleanMs * 1.1);
      } else {
        // A random point of the write phase: once the first temporary file shows up.
        while (running && !holdsTempFile(out)) await sleep(1);
        await sleep(Math.random() * cleanMs * 0.2);
      }
      child.kill("SIGKILL");
      const signal = await exited;
      figures.kills++;
      if (signal !== "SIGKILL") figures.finishedBeforeKill++;

      const after = tree(out);
      // The manifest is the old one (or none) or the complete new one, never anything else.
      const manifest = after.get("staticfiles.json");
      if (manifest === undefined) expect(updating).toBe(false);
      else expect(manifest.equals(clean2.get("staticfiles.json")!) || (updating && manifest.equals(clean1.get("staticfiles.json")!))).toBe(true);
      // Every file under a final name holds what one of the two clean runs wrote there: no partial write.
      let between = false;
      for (const [name, bytes] of after) {
        if (name.endsWith(TEMP_SUFFIX)) {
          between = true;
          continue;
        }
        const fresh = clean2.get(name);
        const old = updating ? clean1.get(name) : undefined;
        expect((fresh && bytes.equals(fresh)) || (old && bytes.equals(old)), `${name} after kill ${kill} is partly written`).toBe(true);
        if (!(before.get(name)?.equals(bytes) ?? false)) between ||= !manifest?.equals(clean2.get("staticfiles.json")!);
      }
      // The manifest there describes files that are there: a site serving from it keeps working.
      if (manifest) {
        const files = new StaticFiles({ manifest: join(out, "staticfiles.json"), watch: false });
        const url = files.url("css/app.css");
        expect(url.startsWith("/static/css/app.")).toBe(true);
        expect(files.integrity("css/app.css")).toMatch(/^sha384-/);
      }
      if (between) figures.killedMidWrite++;

      // The next run succeeds and leaves exactly the clean run's files (and the old deploy's extras), no temp files.
      const next = spawnSync(process.execPath, collectArgs(join(base, "v2"), out, mode), { encoding: "utf8" });
      expect(next.status, next.stderr).toBe(0);
      const final = tree(out);
      for (const [name, bytes] of clean2) expect(final.get(name)?.equals(bytes), `${name} after the next run`).toBe(true);
      for (const [name, bytes] of final) {
        expect(name.endsWith(TEMP_SUFFIX), `${name} left behind`).toBe(false);
        if (!clean2.has(name)) expect(updating && clean1.get(name)?.equals(bytes)).toBe(true);
      }
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
