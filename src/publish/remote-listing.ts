import type { S3ClientLike, S3Sdk } from "./s3-sdk.js";
import { withRetries } from "./retry.js";

/** What one listing tells about an object: enough to skip an upload without a HEAD. */
export interface RemoteObject {
  readonly size: number;
  /** The ETag without quotes: the MD5 for a single-part upload, `<md5 of md5s>-<parts>` for a multipart one. */
  readonly etag: string;
  readonly lastModified: Date | undefined;
}

/** Every object under `prefix`, by key: one ListObjectsV2 pass, page after page. */
export async function listObjects(
  sdk: S3Sdk,
  client: S3ClientLike,
  { bucket, prefix, pageSize, onRetry }: { bucket: string; prefix: string; pageSize?: number; onRetry?: (error: unknown) => void },
): Promise<{ objects: Map<string, RemoteObject>; requests: number }> {
  const objects = new Map<string, RemoteObject>();
  let token: string | undefined;
  let requests = 0;
  do {
    const page = (await withRetries(() => {
      requests++;
      return client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token, MaxKeys: pageSize }));
    }, onRetry)) as import("@aws-sdk/client-s3").ListObjectsV2CommandOutput;
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      objects.set(item.Key, { size: item.Size ?? -1, etag: (item.ETag ?? "").replace(/"/g, "").toLowerCase(), lastModified: item.LastModified });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { objects, requests };
}
