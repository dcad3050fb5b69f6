// src/fs against real temporary folders: confinement, verified copies, the two digests agreeing, the walker.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { linkOnTheWay, ownEntries } from "../../src/fs/confine.js";
import { copyVerifiedSync, SOURCE_CHANGED } from "../../src/fs/copy-verified.js";
import { CHUNK_SIZE, digestFile, digestFileAsync } from "../../src/fs/digest.js";
import { findSourceFiles } from "../../src/fs/walk.js";
import { tempFolder as tempFolderIn, removeTempFolders, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);
const tempFolder = () => tempFolderIn("fs");
const sha1 = (bytes: string | Uint8Array) => createHash("sha1").update(bytes).digest("hex");

describe("confine", () => {
  test("linkOnTheWay finds the first link below the root, never the root itself", () => {
    const base = tempFolder();
    writeTree(base, { "real/a/x.txt": "x", "elsewhere/y.txt": "y" });
    fs.symlinkSync(join(base, "elsewhere"), join(base, "real/link"));
    const checked = new Map();
    expect(linkOnTheWay(join(base, "real"), join(base, "real/a"), checked)).toBeUndefined();
    expect(linkOnTheWay(join(base, "real"), join(base, "real/link/deeper/still"), checked)).toEqual({ path: join(base, "real/link"), target: join(base, "elsewhere") });
    fs.symlinkSync(join(base, "real"), join(base, "root-link"));
    expect(linkOnTheWay(join(base, "root-link"), join(base, "root-link/a"), new Map())).toBeUndefined();
  });

  test("ownEntries lists a linked folder as a link and does not walk into it", () => {
    const base = tempFolder();
    writeTree(base, { "out/a/x.txt": "x", "elsewhere/y.txt": "y" });
    fs.symlinkSync(join(base, "elsewhere"), join(base, "out/l"));
    expect(ownEntries(join(base, "out")).map(({ name, kind }) => [name, kind]).sort()).toEqual([
      ["a", "folder"],
      ["a/x.txt", "file"],
      ["l", "link"],
    ]);
  });
});

describe("copyVerifiedSync", () => {
  test("copies bytes whose digest is the one given; other bytes leave no copy and a SOURCE_CHANGED error", () => {
    const base = tempFolder();
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 7, "abc");
    fs.writeFileSync(join(base, "from"), bytes);
    copyVerifiedSync(join(base, "from"), join(base, "to"), "sha1", sha1(bytes));
    expect(fs.readFileSync(join(base, "to")).equals(bytes)).toBe(true);
    let code: string | undefined;
    try {
      copyVerifiedSync(join(base, "from"), join(base, "to2"), "sha1", sha1("other bytes"));
    } catch (error) {
      code = (error as NodeJS.ErrnoException).code;
    }
    expect(code).toBe(SOURCE_CHANGED);
    expect(fs.existsSync(join(base, "to2"))).toBe(false);
  });
});

describe("digest with retry", () => {
  test("the synchronous and the asynchronous digest agree, across several chunks", async () => {
    const base = tempFolder();
    const bytes = Buffer.alloc(2 * CHUNK_SIZE + 99, "static-hash ");
    fs.writeFileSync(join(base, "f"), bytes);
    const sync = digestFile(join(base, "f"), ["sha1"]);
    const async = await digestFileAsync(join(base, "f"), "sha1");
    expect(sync.digests.get("sha1")!.toString("hex")).toBe(sha1(bytes));
    expect(async.hex).toBe(sha1(bytes));
    expect(async.signature.size).toBe(bytes.length);
  });
});

describe("the walker", () => {
  test("first root wins, ignored names skipped, a link loop walked once", () => {
    const one = writeTree(tempFolder(), { "a.css": "one", ".hidden": "h", "b~": "backup", "CVS/x": "cvs", "sub/c.txt": "c" });
    const two = writeTree(tempFolder(), { "a.css": "two", "d.txt": "d" });
    fs.symlinkSync("..", join(one, "sub/loop"));
    const unreadable: string[] = [];
    const found = findSourceFiles([one, two], (path) => unreadable.push(path));
    expect([...found.keys()]).toEqual(["a.css", "d.txt", "sub/c.txt"]);
    expect(found.get("a.css")!.path).toBe(join(one, "a.css"));
    expect(unreadable).toEqual([]);
  });
});
