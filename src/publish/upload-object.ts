import { createReadStream } from "node:fs";
import type { LocalFile } from "./local-files.js";
import { withRetries } from "./retry.js";
import { loadStorageSdk, type S3ClientLike, type S3Sdk } from "./s3-sdk.js";

/** Files this large and larger go up in parts, streamed. */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

export interface UploadTarget {
  readonly sdk: S3Sdk;
  readonly client: S3ClientLike;
  readonly bucket: string;
}

/**
 * Puts one file under `key` with its headers and its MD5 in the `md5` metadata, retrying throttling,
 * 5xx, timeouts and dropped connections. `bytes` (a small file read once) is sent as is; otherwise
 * each attempt reopens the file. `Content-MD5` makes the store refuse bytes that differ from the
 * digest the skip decision used.
 */
export async function uploadFile(
  target: UploadTarget,
  key: string,
  file: LocalFile,
  digest: { md5: string; size: number; bytes?: Buffer },
  { onRetry, singlePut = false }: { onRetry?: (error: unknown) => void; singlePut?: boolean } = {},
): Promise<void> {
  const params = {
    Bucket: target.bucket,
    Key: key,
    ContentType: file.contentType,
    CacheControl: file.cacheControl,
    ContentEncoding: file.contentEncoding,
    Metadata: { md5: digest.md5 },
  };
  if (digest.size >= MULTIPART_THRESHOLD && !singlePut && digest.bytes === undefined) {
    const { Upload } = await loadStorageSdk();
    await withRetries(async () => {
      const body = createReadStream(file.path, { highWaterMark: 1024 * 1024 });
      try {
        const upload = new Upload({
          client: target.client as never,
          params: { ...params, Body: body },
          partSize: PART_SIZE,
          queueSize: PARTS_IN_FLIGHT,
          leavePartsOnError: false,
        });
        await upload.done();
      } finally {
        body.destroy();
      }
    }, onRetry);
    return;
  }
  const contentMd5 = Buffer.from(digest.md5, "hex").toString("base64");
  await withRetries(async () => {
    const body = digest.bytes ?? createReadStream(file.path, { highWaterMark: 256 * 1024 });
    try {
      await target.client.send(new target.sdk.PutObjectCommand({ ...params, Body: body, ContentLength: digest.size, ContentMD5: contentMd5 }));
    } finally {
      if (!Buffer.isBuffer(body)) body.destroy();
    }
  }, onRetry);
}
