import { createHash } from "node:crypto";
import { booleanOption, checkOptionNames, optionError, show } from "../core/check-options.js";
import { eachConcurrently } from "./concurrently.js";
import { planDeletions } from "./deletion-plan.js";
import { parseDestination } from "./destination.js";
import { PublishError } from "./errors.js";
import { fileMd5 } from "./file-md5.js";
import { MANIFEST_NAME, readLocalFolder, type LocalFile } from "./local-files.js";
import type { PublishProblem } from "./problems.js";
import { describeListingFailure, reasonOf } from "./remote-errors.js";
import { listObjects, type RemoteObject } from "./remote-listing.js";
import { ATTEMPTS, withRetries } from "./retry.js";
import { createS3Client, loadS3Sdk, type S3ClientLike, type S3Sdk } from "./s3-sdk.js";
import { uploadFile, type UploadTarget } from "./upload-object.js";

export interface PublishOptions {
  /** The collected folder: it must hold a staticfiles.json (ours, or Django's). */
  readonly from: string;
  /** `s3://<bucket>[/<prefix>]`. */
  readonly to: string;
  /** An S3-compatible server (`http://127.0.0.1:9000`, `https://<account>.r2.cloudflarestorage.com`): path-style, checksums only where required. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Requests in flight at a time (default 16). */
  readonly concurrency?: number;
  /** Upload every file even when the bucket already holds the same bytes. */
  readonly force?: boolean;
  /** List and compare, then report what would be uploaded and deleted; nothing is written. */
  readonly dryRun?: boolean;
  /** Delete objects the folder does not hold that are older than this many days. */
  readonly deleteOlderThan?: number;
  /** Refuse the whole deletion when more objects than this would go (default 1000). */
  readonly maxDeletes?: number;
  /** Your own client of `@aws-sdk/client-s3`; its endpoint, region, credentials and retries apply. */
  readonly s3Client?: S3ClientLike;
  /** Idle time in ms after which a request with no answer is abandoned and retried (default 60,000). */
  readonly requestTimeoutMs?: number;
  /** Keys per ListObjectsV2 page (default 1000, S3's maximum). */
  readonly listPageSize?: number;
  readonly onProgress?: (progress: PublishProgress) => void;
}

export interface PublishProgress {
  /** Files compared (and uploaded when needed) so far, the manifest included. */
  readonly done: number;
  readonly total: number;
  readonly bytes: number;
}

export interface PublishResult {
  /** True when every file is in place, the manifest is up and any deletion went through. */
  readonly ok: boolean;
  /** Objects uploaded (with `dryRun`: that would be). */
  readonly uploaded: number;
  /** Files the bucket already held with the same size and MD5. */
  readonly skipped: number;
  readonly deleted: number;
  /** Bytes uploaded. */
  readonly bytes: number;
  readonly problems: PublishProblem[];
  readonly durationMs: number;
  readonly dryRun: boolean;
  /** The keys uploaded and deleted (with `dryRun`: that would be), sorted. */
  readonly uploadedKeys: string[];
  readonly deletedKeys: string[];
  /** Requests sent again after throttling, a 5xx, a timeout or a dropped connection. */
  readonly retries: number;
  /** What happened to staticfiles.json: put up (with `dryRun`: would be), already the same, or left as it was because something failed. */
  readonly manifest: "uploaded" | "unchanged" | "not uploaded";
}

const DEFAULT_CONCURRENCY = 16;
const DEFAULT_MAX_DELETES = 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/**
 * Uploads a collected folder to S3 or an S3-compatible store: one listing, then every file whose
 * size and MD5 differ from the bucket's copy, then staticfiles.json last, only when everything it
 * names is in place. Bad options throw `PublishError`; everything that goes wrong remotely is a
 * problem in the result.
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const started = performance.now();
  const settings = checkOptions(options);
  const { bucket, prefix } = parseDestination(options.to);
  const folder = await readLocalFolder(options.from);
  const sdk = await loadS3Sdk();
  const client =
    options.s3Client ??
    createS3Client(sdk, { endpoint: options.endpoint, region: options.region, requestTimeoutMs: settings.requestTimeoutMs, maxSockets: settings.concurrency });

  const problems: PublishProblem[] = [];
  const uploadedKeys: string[] = [];
  const deletedKeys: string[] = [];
  let skipped = 0;
  let bytes = 0;
  let retries = 0;
  let manifest: PublishResult["manifest"] = "not uploaded";
  const onRetry = () => void retries++;
  const finish = (): PublishResult => ({
    ok: !problems.some((problem) => problem.severity === "error"),
    uploaded: uploadedKeys.length,
    skipped,
    deleted: deletedKeys.length,
    bytes,
    problems,
    durationMs: performance.now() - started,
    dryRun: settings.dryRun,
    uploadedKeys: uploadedKeys.sort(),
    deletedKeys: deletedKeys.sort(),
    retries,
    manifest,
  });

  for (const { name, reason } of folder.unreadable) {
    const invalidName = reason.includes("UTF-8");
    problems.push({
      severity: invalidName ? "warning" : "error",
      code: "UNREADABLE",
      key: prefix + name,
      message: invalidName ? `${name}: ${reason}; it is not uploaded (rename it).` : `${name} cannot be read (${reason}): fix its permissions and publish again.`,
    });
  }

  let remote: Map<string, RemoteObject>;
  try {
    remote = (await listObjects(sdk, client, { bucket, prefix, pageSize: options.listPageSize, onRetry })).objects;
  } catch (error) {
    problems.push({ severity: "error", code: "LIST_FAILED", message: describeListingFailure(error, { bucket, endpoint: options.endpoint }) });
    return finish();
  }

  const target: UploadTarget = { sdk, client, bucket };
  const total = folder.files.length + 1;
  let done = 0;
  const progress = () => options.onProgress?.({ done, total, bytes });
  progress();
  const matches = async (key: string, md5: string, size: number) => {
    const object = remote.get(key);
    if (settings.force || object === undefined || object.size !== size) return false;
    if (object.etag === md5) return true;
    // A multipart ETag is not the file's MD5: the md5 metadata every upload sets is.
    return object.etag.includes("-") && (await storedMd5(sdk, client, bucket, key, onRetry)) === md5;
  };

  await eachConcurrently(folder.files, settings.concurrency, async (file: LocalFile) => {
    const key = prefix + file.name;
    try {
      const digest = await fileMd5(file.path, file.size);
      if (await matches(key, digest.md5, digest.size)) {
        skipped++;
      } else {
        if (!settings.dryRun) await uploadFile(target, key, file, digest, { onRetry });
        uploadedKeys.push(key);
        bytes += digest.size;
      }
    } catch (error) {
      problems.push(uploadProblem(key, error));
    } finally {
      done++;
      progress();
    }
  });

  const local = new Set(folder.files.map((file) => file.name));
  for (const name of [...folder.named].sort()) {
    if (local.has(name)) continue;
    problems.push({
      severity: "error",
      code: "MANIFEST_NAMES_MISSING_FILE",
      key: prefix + name,
      message: `${MANIFEST_NAME} names ${name}, which is not in ${options.from}: run collect again so the folder and its manifest agree.`,
    });
  }

  // The manifest goes up last, in one PUT, and only when every object it names is in place.
  if (!problems.some((problem) => problem.severity === "error")) {
    const key = prefix + MANIFEST_NAME;
    const md5 = createHash("md5").update(folder.manifestBytes).digest("hex");
    try {
      if (await matches(key, md5, folder.manifestBytes.length)) {
        skipped++;
        manifest = "unchanged";
      } else {
        if (!settings.dryRun) await uploadFile(target, key, folder.manifest, { md5, size: folder.manifestBytes.length, bytes: folder.manifestBytes }, { onRetry, singlePut: true });
        uploadedKeys.push(key);
        bytes += folder.manifestBytes.length;
        manifest = "uploaded";
      }
    } catch (error) {
      problems.push(uploadProblem(key, error));
    }
  }
  done++;
  progress();

  if (settings.deleteOlderThan !== undefined && !problems.some((problem) => problem.severity === "error")) {
    const keep = new Set(folder.files.map((file) => prefix + file.name));
    const doomed = planDeletions({ remote, keep, manifestKey: prefix + MANIFEST_NAME, days: settings.deleteOlderThan, now: Date.now() });
    if (doomed.length > settings.maxDeletes) {
      problems.push({
        severity: "error",
        code: "TOO_MANY_DELETES",
        message: `${doomed.length} objects under s3://${bucket}/${prefix} are older than ${settings.deleteOlderThan} days and not in ${options.from}, more than the ${settings.maxDeletes} allowed: nothing was deleted. Check the destination, or raise --max-deletes.`,
      });
    } else if (settings.dryRun) {
      deletedKeys.push(...doomed);
    } else {
      await eachConcurrently(doomed, settings.concurrency, async (key) => {
        try {
          await withRetries(() => client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key })), onRetry);
          deletedKeys.push(key);
        } catch (error) {
          problems.push({ severity: "error", code: "DELETE_FAILED", key, message: `Deleting ${key} failed: ${reasonOf(error)}; it is kept, and the next run tries again.` });
        }
      });
    }
  }
  return finish();
}

function uploadProblem(key: string, error: unknown): PublishProblem {
  return { severity: "error", code: "UPLOAD_FAILED", key, message: `Uploading ${key} failed (${ATTEMPTS} attempts for a transient failure): ${reasonOf(error)}.` };
}

/** The `md5` metadata of an object, for the rare multipart object of the same size. */
async function storedMd5(sdk: S3Sdk, client: S3ClientLike, bucket: string, key: string, onRetry: () => void): Promise<string | undefined> {
  const head = (await withRetries(() => client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key })), onRetry)) as { Metadata?: Record<string, string> };
  return head.Metadata?.md5?.toLowerCase();
}

interface Settings {
  readonly concurrency: number;
  readonly maxDeletes: number;
  readonly deleteOlderThan: number | undefined;
  readonly requestTimeoutMs: number;
  readonly force: boolean;
  readonly dryRun: boolean;
}

const OPTION_NAMES: readonly (keyof PublishOptions)[] = [
  "from", "to", "endpoint", "region", "concurrency", "force", "dryRun", "deleteOlderThan", "maxDeletes", "s3Client", "requestTimeoutMs", "listPageSize", "onProgress",
];
const configError = (message: string, cause?: unknown) => new PublishError("PUBLISH_CONFIG", message, cause === undefined ? undefined : { cause });
const refuse = (option: string, rule: string) => optionError(option, rule, undefined, configError);

/** Checks the options before anything is read or sent; a wrong one is `PUBLISH_CONFIG` saying what to fix. */
function checkOptions(options: PublishOptions): Settings {
  if (typeof options !== "object" || options === null) throw configError("publish() takes an options object: { from, to }.");
  checkOptionNames(options, OPTION_NAMES, "publish()", configError);
  if (typeof options.from !== "string" || options.from === "") throw refuse("from", 'must be the collected folder, as in from: "dist/static".');
  const whole = (name: string, value: unknown, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) throw refuse(name, `must be a whole number of at least ${min}; got ${show(value)}.`);
    return value;
  };
  const { deleteOlderThan, endpoint } = options;
  if (deleteOlderThan !== undefined && (typeof deleteOlderThan !== "number" || !Number.isFinite(deleteOlderThan) || deleteOlderThan < 0)) {
    throw refuse("deleteOlderThan", `must be a number of days, 0 or more; got ${show(deleteOlderThan)}.`);
  }
  if (endpoint !== undefined && (typeof endpoint !== "string" || !/^https?:\/\/[^/]/.test(endpoint) || !URL.canParse(endpoint))) {
    throw refuse("endpoint", `must be an http(s) URL, as in http://127.0.0.1:9000; got ${show(endpoint)}.`);
  }
  return {
    concurrency: whole("concurrency", options.concurrency, DEFAULT_CONCURRENCY, 1),
    maxDeletes: whole("maxDeletes", options.maxDeletes, DEFAULT_MAX_DELETES, 0),
    requestTimeoutMs: whole("requestTimeoutMs", options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 1),
    deleteOlderThan,
    force: booleanOption("force", options.force, false, configError),
    dryRun: booleanOption("dryRun", options.dryRun, false, configError),
  };
}
