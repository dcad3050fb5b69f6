import { PublishError } from "./errors.js";

export type S3Sdk = typeof import("@aws-sdk/client-s3");
export type StorageSdk = typeof import("@aws-sdk/lib-storage");

/** The part of an `S3Client` publish uses: `send`. Any client of `@aws-sdk/client-s3` v3 fits. */
export interface S3ClientLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Loads `@aws-sdk/client-s3` only when publishing; a missing one is an error saying what to install. */
export async function loadS3Sdk(): Promise<S3Sdk> {
  try {
    return await import("@aws-sdk/client-s3");
  } catch (cause) {
    throw missing("@aws-sdk/client-s3", cause);
  }
}

/** Loads `@aws-sdk/lib-storage`, needed only for files of 64 MiB and more. */
export async function loadStorageSdk(): Promise<StorageSdk> {
  try {
    return await import("@aws-sdk/lib-storage");
  } catch (cause) {
    throw missing("@aws-sdk/lib-storage", cause);
  }
}

function missing(name: string, cause: unknown): Error {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return cause as Error;
  return new PublishError("PUBLISH_SDK_MISSING", `publish needs ${name}: install it with \`npm install ${name}\`.`, { cause });
}

export interface ClientSettings {
  readonly endpoint?: string;
  readonly region?: string;
  /** Idle time after which a request with no answer is abandoned (and retried). */
  readonly requestTimeoutMs: number;
  readonly maxSockets: number;
}

/**
 * An `S3Client` from the SDK's default credential chain. The client makes one attempt per request:
 * publish retries itself, reopening the file for each attempt, which the SDK cannot do for a stream.
 * With an endpoint, addressing is path-style and checksums are sent only where required, which
 * S3-compatible stores (MinIO, R2, Ceph, s3rver) need.
 */
export function createS3Client(sdk: S3Sdk, settings: ClientSettings): S3ClientLike {
  const compatible = settings.endpoint !== undefined;
  return new sdk.S3Client({
    region: settings.region ?? (compatible ? "us-east-1" : undefined),
    endpoint: settings.endpoint,
    forcePathStyle: compatible ? true : undefined,
    requestChecksumCalculation: compatible ? "WHEN_REQUIRED" : undefined,
    responseChecksumValidation: compatible ? "WHEN_REQUIRED" : undefined,
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: settings.requestTimeoutMs,
      socketTimeout: settings.requestTimeoutMs,
      httpAgent: { keepAlive: true, maxSockets: settings.maxSockets },
      httpsAgent: { keepAlive: true, maxSockets: settings.maxSockets },
    },
  });
}
