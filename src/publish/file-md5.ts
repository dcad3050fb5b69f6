import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";

/** Files up to this size are read once into memory and sent from there; larger ones are streamed twice (digest, then upload). */
export const IN_MEMORY_LIMIT = 1024 * 1024;

/** The MD5 of a file (lowercase hex) read in bounded chunks, and its bytes when it is small enough to keep for the upload. */
export async function fileMd5(path: string, size: number): Promise<{ md5: string; bytes?: Buffer; size: number }> {
  if (size <= IN_MEMORY_LIMIT) {
    const bytes = await readFile(path);
    return { md5: createHash("md5").update(bytes).digest("hex"), bytes, size: bytes.length };
  }
  const hash = createHash("md5");
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    hash.update(chunk as Buffer);
    read += (chunk as Buffer).length;
  }
  return { md5: hash.digest("hex"), size: read };
}
