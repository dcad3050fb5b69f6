// readFileWithRetry on real files: the bytes of the file, and the file system's errors as digestFile throws them.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { CHUNK_SIZE, readFileWithRetry } from "../../src/fs/digest.js";
import { removeTempFolders, tempFolder, thrown } from "../temp-folders.js";

afterEach(removeTempFolders);

test("reads every byte of empty, small and multi-chunk files", () => {
  const folder = tempFolder("read-retry");
  for (const size of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, 3 * CHUNK_SIZE + 7]) {
    const file = join(folder, `f${size}`);
    const bytes = Buffer.alloc(size, `size ${size} `);
    fs.writeFileSync(file, bytes);
    expect(readFileWithRetry(file).equals(bytes), `${size} bytes`).toBe(true);
  }
});

test("a folder is EISDIR, a missing file ENOENT, a FIFO EINVAL (never a read that waits forever)", () => {
  const folder = tempFolder("read-retry");
  expect(thrown(() => readFileWithRetry(folder)).code).toBe("EISDIR");
  expect(thrown(() => readFileWithRetry(join(folder, "gone"))).code).toBe("ENOENT");
  if (process.platform === "win32") return;
  const fifo = join(folder, "fifo");
  expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
  expect(thrown(() => readFileWithRetry(fifo)).code).toBe("EINVAL");
});
