// Promise: a hashed name always names those bytes, and a file rewritten once while collect reads it
// is read as one version, not as a failure. Another process rewrites the start of a large file in
// place the moment this process opens it (it watches /proc/<pid>/fd), so the rewrite lands while
// the file is being read: a stylesheet's read sees its signature move and reads the file again; a
// script read (and copied) by the lane is parsed from that copy, not read a second time.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { collect, type CollectProgress } from "../../src/collect/index.js";
import { readFileWithRetry } from "../../src/fs/digest.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);

const sha1 = (bytes: Uint8Array) => createHash("sha1").update(bytes).digest("hex");

// Large enough that reading it takes far longer than the other process takes to notice the open.
const SIZE = 64 * 1024 * 1024;
const VERSION_1 = "/* version 1 */\n";
const VERSION_2 = "/* version 2 */\n";
const first = () => Buffer.concat([Buffer.from(VERSION_1), Buffer.alloc(SIZE - VERSION_1.length, "a { color: red }\n")]);
const second = () => Buffer.concat([Buffer.from(VERSION_2), first().subarray(VERSION_2.length)]);

// The other process: waits until process <pid> holds <file> open, rewrites its first bytes in place
// once, then says whether the file was still open (the rewrite landed while it was read) or not.
// Once <file>.stop exists (the read is over), it rewrites nothing: later opens are not reads.
const REWRITER = `
const fs = require("node:fs");
const [pid, file, text] = process.argv.slice(1);
const target = fs.realpathSync(file);
const folder = "/proc/" + pid + "/fd";
const isOpen = () => fs.readdirSync(folder).some((fd) => { try { return fs.readlinkSync(folder + "/" + fd) === target; } catch { return false; } });
const stopped = () => fs.existsSync(file + ".stop");
fs.writeSync(1, "ready\\n");
for (;;) {
  if (stopped()) break;
  if (!isOpen() || stopped()) continue;
  const handle = fs.openSync(file, "r+");
  fs.writeSync(handle, Buffer.from(text), 0, Buffer.byteLength(text), 0);
  fs.closeSync(handle);
  fs.writeSync(1, isOpen() ? "during" : "after");
  break;
}
`;

type Landed = "during" | "after" | "missed";

/** Starts the rewriter for `file`; resolves once it watches. `stop()` ends it and tells where its rewrite landed, if it made one. */
async function rewriteOnOpen(file: string): Promise<{ stop: () => Promise<Landed> }> {
  const child = spawn(process.execPath, ["-e", REWRITER, String(process.pid), file, VERSION_2], { stdio: ["ignore", "pipe", "inherit"] });
  let said = "";
  const ended = new Promise<Landed>((resolve) => child.on("exit", () => resolve(said.endsWith("during") ? "during" : said.endsWith("after") ? "after" : "missed")));
  await new Promise<void>((resolve) =>
    child.stdout.on("data", (chunk) => {
      said += chunk;
      if (said.includes("ready")) resolve();
    }),
  );
  return {
    stop: () => {
      fs.writeFileSync(`${file}.stop`, "");
      return ended;
    },
  };
}

// The other process may be scheduled too late to rewrite while the file is read: tries until one
// rewrite lands during the read (each try checks the promise either way).
const TRIES = 10;

describe.skipIf(process.platform !== "linux")("a file rewritten once while it is read", () => {
  test("readFileWithRetry returns the bytes of one version: the new one when the rewrite landed during the read", { timeout: 60_000 }, async () => {
    let during = 0;
    for (let attempt = 0; attempt < TRIES && during === 0; attempt++) {
      const file = join(writeTree(tempFolder("read-once"), { "big.css": first() }), "big.css");
      const rewriter = await rewriteOnOpen(file);
      const bytes = readFileWithRetry(file);
      const when = await rewriter.stop();
      if (when === "during") {
        during++;
        expect(sha1(bytes)).toBe(sha1(second()));
      } else expect([sha1(first()), sha1(second())]).toContain(sha1(bytes));
    }
    expect(during, "no rewrite landed while the file was read").toBe(1);
  });

  test("collect reads the stylesheet again: the run succeeds, and its names hold the new version", { timeout: 120_000 }, async () => {
    const hash = sha1(second()).slice(0, 6);
    let during = 0;
    for (let attempt = 0; attempt < TRIES && during === 0; attempt++) {
      const base = tempFolder("collect-read-once");
      const src = writeTree(join(base, "src"), { "css/big.css": first(), "css/app.css": 'body { background: url("small.png") }\n', "css/small.png": "png" });
      const out = join(base, "out");
      const rewriter = await rewriteOnOpen(join(src, "css/big.css"));
      let landed: Promise<Landed> | undefined;
      // Every file is read before the first is copied: the rewriter stops there.
      const onProgress = ({ phase, done, total }: CollectProgress) => void ((phase !== "read" || done === total) && (landed ??= rewriter.stop()));
      const result = await collect({ roots: [src], out, mode: "filename", onProgress });
      if ((await (landed ?? rewriter.stop())) !== "during") {
        // Rewritten after it was read, or not at all: refused, or collected before the change reached it.
        if (!result.ok) expect(result.problems.map((problem) => problem.code)).toEqual(["SOURCE_CHANGED"]);
        continue;
      }
      during++;
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.manifest!.paths["css/big.css"]).toBe(`css/big.${hash}.css`);
      expect(sha1(fs.readFileSync(join(out, `css/big.${hash}.css`)))).toBe(sha1(second()));
      expect(sha1(fs.readFileSync(join(out, "css/big.css")))).toBe(sha1(second()));
    }
    expect(during, "no rewrite landed while the file was read").toBe(1);
  });

  test("a script with the words of a source map comment, rewritten while the lane first reads and copies it: read again, both names hold the new version", { timeout: 120_000 }, async () => {
    // No comment, so no reference: copied as it was read, the hashed name a hard link to that copy.
    const script = (version: string) => Buffer.concat([Buffer.from(`var v = "${version}", word = "sourceMappingURL";\n`), Buffer.alloc(SIZE, "run();\n")]);
    // A first run without the rewriter: the reader's buffer has its size, so the next read starts at once.
    const warm = tempFolder("collect-script-warm");
    expect((await collect({ roots: [writeTree(join(warm, "src"), { "js/big.js": script("0") })], out: join(warm, "out"), mode: "filename" })).ok).toBe(true);
    let during = 0;
    for (let attempt = 0; attempt < TRIES && during === 0; attempt++) {
      const base = tempFolder("collect-script-once");
      const src = writeTree(join(base, "src"), { "js/big.js": script("1"), "css/app.css": "a { color: red }\n" });
      const out = join(base, "out");
      const rewriter = await rewriteOnOpen(join(src, "js/big.js"));
      let landed: Promise<Landed> | undefined;
      const onProgress = ({ phase, done, total }: CollectProgress) => void ((phase !== "read" || done === total) && (landed ??= rewriter.stop()));
      const result = await collect({ roots: [src], out, mode: "filename", onProgress });
      const when = await (landed ?? rewriter.stop());
      if (when === "during") expect(result.problems).toEqual([]);
      else if (!result.ok) {
        expect(result.problems.map((problem) => problem.code)).toEqual(["SOURCE_CHANGED"]);
        continue;
      }
      const stored = result.manifest!.paths["js/big.js"];
      const hash = /\.([0-9a-f]{6})\.js$/.exec(stored)![1];
      expect(sha1(fs.readFileSync(join(out, stored))).slice(0, 6), `${stored} holds other bytes than its name says`).toBe(hash);
      expect(sha1(fs.readFileSync(join(out, "js/big.js"))).slice(0, 6)).toBe(hash);
      if (when !== "during") continue;
      // The read saw the file change and read it again: the new version, under both names.
      during++;
      expect(hash).toBe(sha1(Buffer.concat([Buffer.from(VERSION_2), script("1").subarray(VERSION_2.length)])).slice(0, 6));
    }
    expect(during, "no rewrite landed while the file was read").toBe(1);
  });
});
