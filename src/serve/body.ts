/**
 * Verified bytes: reading a file for a response so that what is sent matches what the headers say.
 * Small files are read whole (so Content-Length and ETag come from the same version as the bytes);
 * larger ones stream through a check that cuts the response when the file gives other than
 * Content-Length bytes, or, for a full response under a proven hash, bytes of another digest.
 */
import { createHash, type Hash } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { Transform, pipeline, type Readable, type TransformCallback } from "node:stream";

/** Files up to this size are read whole into memory for a response instead of streamed. */
export const READ_WHOLE_MAX = 64 * 1024;

/** An open regular file and the stat of that descriptor: the version every header comes from. */
export interface OpenFile {
  readonly handle: FileHandle;
  readonly stats: Stats;
}

/** Opens `file` for reading without ever waiting on a FIFO swapped in; undefined unless a regular file. */
export async function openFile(file: string): Promise<OpenFile | undefined> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (stats.isFile()) return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
  await handle.close();
  return undefined;
}

/**
 * Reads an open file whole, and its stat again until both agree (a few tries): the bytes and the stat
 * returned describe one version. After the tries, the bytes read with the latest stat.
 */
export async function readWhole(opened: OpenFile): Promise<{ bytes: Buffer; stats: Stats; consistent: boolean }> {
  let stats = opened.stats;
  for (let attempt = 0; ; attempt++) {
    // One byte more than the size: a file that grew since its stat shows it.
    const buffer = Buffer.allocUnsafe(stats.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await opened.handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0 || (length += bytesRead) === buffer.length) break;
    }
    const after = await opened.handle.stat();
    const consistent = length === after.size && after.size === stats.size && after.mtimeMs === stats.mtimeMs && after.ctimeMs === stats.ctimeMs;
    if (consistent || attempt >= 2) return { bytes: buffer.subarray(0, Math.min(length, after.size)), stats: after, consistent };
    stats = after;
  }
}

/**
 * Streams bytes `start`..`end` of an open file (closing it at the end), checked: exactly `end - start + 1`
 * bytes, and when `digest` is given (a whole file under a proven hash) the last chunk is held back until
 * the digest of everything read matches. A failed check errors the stream: the adapter then cuts the
 * response, which no client or cache takes for complete.
 */
export function checkedStream(opened: Pick<OpenFile, "handle">, start: number, end: number, digest?: { algorithm: string; hex: string }): Readable {
  const read = opened.handle.createReadStream({ start, end, autoClose: true });
  const check = new CheckedBytes(end - start + 1, digest);
  pipeline(read, check, () => {});
  return check;
}

class CheckedBytes extends Transform {
  private seen = 0;
  private held: Buffer | undefined;
  private readonly hash: Hash | undefined;

  constructor(
    private readonly expected: number,
    private readonly digest?: { algorithm: string; hex: string },
  ) {
    super();
    this.hash = digest && createHash(digest.algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected) return callback(new Error("the file grew while it was sent"));
    if (!this.hash) return callback(null, chunk);
    this.hash.update(chunk);
    if (this.held) this.push(this.held);
    this.held = chunk;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen !== this.expected) return callback(new Error("the file shrank while it was sent"));
    if (this.hash && this.hash.digest("hex") !== this.digest!.hex) return callback(new Error("the file changed while it was sent"));
    callback(null, this.held);
  }
}
