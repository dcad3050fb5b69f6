// The output folder as collect's target, against real temporary folders: staged outputs appear only
// at commit, up-to-date files are left alone, links are refused, a failure leaves nothing behind.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { FolderTarget } from "../../src/collect/folder-target.js";
import { WorkLane } from "../../src/collect/lane-work.js";
import { LinksInOutput, TargetError, type Output } from "../../src/collect/target.js";
import { failureProblems } from "../../src/collect/target-failure.js";
import { folderSnapshot, removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";

afterEach(removeTempFolders);

const sha1 = (bytes: string | Uint8Array) => createHash("sha1").update(bytes).digest("hex");
const lane = new WorkLane(false);

/** The outputs of a site: a copy of `img/a.png` under its name and its hashed name, and a rewritten stylesheet. */
function site(root: string): Output[] {
  const png = join(root, "img/a.png");
  const css = Buffer.from("body { background: url(../img/a.e9d71f.png) }");
  return [
    { name: "img/a.png", content: { copyOf: png }, size: 3, hex: sha1("png"), from: "img/a.png" },
    { name: "img/a.e9d71f.png", content: { copyOf: png }, size: 3, hex: sha1("png"), from: "img/a.png", aliasOf: "img/a.png" },
    { name: "css/app.css", content: { bytes: css }, size: css.length, hex: sha1(css), from: "css/app.css" },
  ];
}

/** Plans, stages and commits `outputs` into `out`; returns the target. */
async function write(out: string, outputs: readonly Output[]): Promise<FolderTarget> {
  const target = new FolderTarget(out, "sha1");
  await target.prepare();
  await target.checkExisting(outputs, lane);
  for (const output of outputs) target.plan(output);
  target.makeRoom();
  expect(await target.stage(lane, () => true, () => undefined)).toBe(true);
  await target.commit(lane);
  return target;
}

describe("FolderTarget", () => {
  test("outputs appear under their names only at commit; a second name of the same bytes is a hard link", async () => {
    const root = writeTree(tempFolder("target-root"), { "img/a.png": "png" });
    const out = join(tempFolder("target-out"), "static");
    const target = new FolderTarget(out, "sha1");
    await target.prepare();
    for (const output of site(root)) target.plan(output);
    target.makeRoom();
    expect(await target.stage(lane, () => true, () => undefined)).toBe(true);
    expect(Object.keys(folderSnapshot(out)).every((name) => name.endsWith(".static-hash-tmp"))).toBe(true);
    await target.commit(lane);
    expect(folderSnapshot(out)).toEqual({
      "img/a.png": "png",
      "img/a.e9d71f.png": "png",
      "css/app.css": "body { background: url(../img/a.e9d71f.png) }",
    });
    expect(fs.statSync(join(out, "img/a.e9d71f.png")).ino).toBe(fs.statSync(join(out, "img/a.png")).ino);
    expect([target.written, target.unchanged]).toEqual([3, 0]);
  });

  test("outputs already in place are left alone and counted unchanged; a changed one is written again", async () => {
    const root = writeTree(tempFolder("target-root"), { "img/a.png": "png" });
    const out = join(tempFolder("target-out"), "static");
    await write(out, site(root));
    const before = fs.statSync(join(out, "img/a.png"));
    fs.writeFileSync(join(out, "css/app.css"), "edited by hand");
    const again = await write(out, site(root));
    expect([again.written, again.unchanged, again.pendingWrites]).toEqual([1, 2, 1]);
    expect(fs.statSync(join(out, "img/a.png")).mtimeMs).toBe(before.mtimeMs);
    expect(folderSnapshot(out)["css/app.css"]).toBe("body { background: url(../img/a.e9d71f.png) }");
  });

  test("a symbolic link on the way to an output is refused, never written through", async () => {
    const root = writeTree(tempFolder("target-root"), { "img/a.png": "png" });
    const elsewhere = tempFolder("target-elsewhere");
    const out = tempFolder("target-out");
    fs.symlinkSync(elsewhere, join(out, "img"));
    const target = new FolderTarget(out, "sha1");
    for (const output of site(root)) target.plan(output);
    let thrown: unknown;
    try {
      target.makeRoom();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TargetError);
    expect((thrown as TargetError).error).toBeInstanceOf(LinksInOutput);
    expect(failureProblems(thrown).map(({ code, message }) => [code, message.split(" ")[0]])).toEqual([["LINK_IN_OUTPUT", join(out, "img")]]);
    target.discard();
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(folderSnapshot(out)).toEqual({ img: `-> ${elsewhere}` });
  });

  test("a source changed after it was hashed stops the stage with SOURCE_CHANGED; discard leaves the previous output as it was", async () => {
    const root = writeTree(tempFolder("target-root"), { "img/a.png": "png" });
    const out = join(tempFolder("target-out"), "static");
    await write(out, site(root));
    const previous = folderSnapshot(out);
    writeTree(root, { "img/a.png": "new", "fresh/b.png": "b" });
    const target = new FolderTarget(out, "sha1");
    const outputs: Output[] = [
      { name: "fresh/b.png", content: { copyOf: join(root, "fresh/b.png") }, size: 1, hex: sha1("b"), from: "fresh/b.png" },
      // Hashed when it held "old": the copy finds other bytes.
      { name: "img/a.png", content: { copyOf: join(root, "img/a.png") }, size: 3, hex: sha1("old"), from: "img/a.png" },
    ];
    for (const output of outputs) target.plan(output);
    target.makeRoom();
    const thrown = await target.stage(lane, () => true, () => undefined).catch((error: unknown) => error);
    expect(failureProblems(thrown)).toEqual([
      {
        severity: "error",
        code: "SOURCE_CHANGED",
        message: `${join(root, "img/a.png")} changed while collect copied it, after its hash was taken: nothing was written under a name that does not match its bytes. Run collect again once the files stop changing.`,
      },
    ]);
    target.discard();
    expect(folderSnapshot(out)).toEqual(previous);
    expect(fs.existsSync(join(out, "fresh"))).toBe(false);
  });

  test("the manifest is written only when its text changed", async () => {
    const out = tempFolder("target-out");
    const target = new FolderTarget(out, "sha1");
    expect(await target.writeManifest("staticfiles.json", '{"paths": {}}')).toBe(true);
    expect(await target.writeManifest("staticfiles.json", '{"paths": {}}')).toBe(false);
    expect(await target.writeManifest("staticfiles.json", '{"paths": {"a": "b"}}')).toBe(true);
    expect(folderSnapshot(out)).toEqual({ "staticfiles.json": '{"paths": {"a": "b"}}' });
  });

  test("removeOthers keeps the names given, removes the rest and empty folders, and removes a link as a link", async () => {
    const elsewhere = writeTree(tempFolder("target-elsewhere"), { "keep-me.txt": "mine" });
    const out = writeTree(tempFolder("target-out"), { "a.css": "a", "old/a.1234ab.css": "old", "b.css": "b" });
    fs.symlinkSync(elsewhere, join(out, "linked"));
    const removed = await new FolderTarget(out, "sha1").removeOthers(new Set(["a.css", "b.css"]));
    expect(removed).toBe(2);
    expect(folderSnapshot(out)).toEqual({ "a.css": "a", "b.css": "b" });
    expect(folderSnapshot(elsewhere)).toEqual({ "keep-me.txt": "mine" });
  });

  test("prepare removes temporary files left by a process that died, and nothing else", async () => {
    const out = writeTree(tempFolder("target-out"), { "css/.app.css.999999999-0.static-hash-tmp": "half", "css/app.css": "a" });
    await new FolderTarget(out, "sha1").prepare();
    expect(folderSnapshot(out)).toEqual({ "css/app.css": "a" });
  });
});
