// src/fs against real temporary folders: confinement, verified copies, the two digests agreeing, the walker.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { linkOnTheWay, ownEntries } from "../../src/fs/confine.js";
import { copyVerifiedSync, SOURCE_CHANGED } from "../../src/fs/copy-verified.js";
import { CHUNK_SIZE, digestFile, digestFileAsync } from "../../src/fs/digest.js";
import { findSourceFiles, walkRoots } from "../../src/fs/walk.js";
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

  /** A tree with what collect skips and warm() must see: dotfiles, a FIFO, a dangling and a looping link, a linked folder. */
  function oddTree(): [string, string] {
    const one = writeTree(tempFolder(), { ".env": "dot", "real/app.css": "a", "x~": "backup", "shadowed.txt/inner": "folder" });
    const two = writeTree(tempFolder(), { "pipe.css": "file in the second root", "dangling.css": "also", "shadowed.txt": "file" });
    execFileSync("mkfifo", [join(one, "pipe.css")]);
    fs.symlinkSync("nowhere.css", join(one, "dangling.css"));
    fs.symlinkSync("loop.css", join(one, "loop.css"));
    fs.symlinkSync(join(one, "real"), join(one, "linked"));
    fs.symlinkSync(one, join(one, "real/up"));
    return [one, two];
  }

  test("collect's rules: dotfiles and backups ignored, a FIFO and a dangling link skipped (a later root's file found), a looping link unreadable", () => {
    const [one, two] = oddTree();
    const unreadable: string[] = [];
    const found = findSourceFiles([one, two], (path) => unreadable.push(path));
    // real/ is walked once, under the first of its names listed.
    const once = [...found.keys()].filter((name) => name.endsWith("app.css"));
    expect(once).toHaveLength(1);
    expect([...found.keys()].filter((name) => !name.endsWith("app.css"))).toEqual(["dangling.css", "pipe.css", "shadowed.txt", "shadowed.txt/inner"]);
    expect(found.get("pipe.css")!.path).toBe(join(two, "pipe.css"));
    expect(unreadable).toEqual([join(one, "loop.css")]);
  });

  test("warm()'s rules: every name, every name of a linked folder, and what is no file claims its name", () => {
    const [one, two] = oddTree();
    const notAFile: string[] = [];
    const seen: [string, number][] = [];
    const found = walkRoots([one, two], {
      ignore: () => false,
      everyName: true,
      onUnreadable: (path) => expect.unreachable(path),
      onNotAFile: (name, path) => notAFile.push(`${name} ${path === join(one, name)}`),
      onFile: ({ name }, rootIndex) => seen.push([name, rootIndex]),
    });
    expect([...found.keys()]).toEqual([".env", "linked/app.css", "real/app.css", "shadowed.txt", "shadowed.txt/inner", "x~"]);
    expect(found.get("shadowed.txt")!.path).toBe(join(two, "shadowed.txt"));
    expect(notAFile.sort()).toEqual(["dangling.css true", "loop.css true", "pipe.css true"]);
    expect(seen.sort()).toEqual([[".env", 0], ["linked/app.css", 0], ["real/app.css", 0], ["shadowed.txt", 1], ["shadowed.txt/inner", 0], ["x~", 0]]);
  });
});
