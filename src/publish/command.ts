import { optionOf } from "../core/check-options.js";
import { EXIT, formatBytes, oneLine, parseFlags, plural, UsageError, type CommandIo, type Flag } from "../command-line.js";
import { PublishError } from "./errors.js";
import { MANIFEST_NAME } from "./local-files.js";
import { publish, type PublishOptions, type PublishProgress, type PublishResult } from "./publish.js";

export const PUBLISH_USAGE = `Usage: static-hash publish <collected folder> s3://<bucket>[/<prefix>] [options]

Uploads a folder written by \`static-hash collect\` (or Django's collectstatic) to S3
or an S3-compatible store. Files the bucket already holds with the same size and
MD5 are skipped; staticfiles.json goes up last, only when every file it names is
in place. Hashed names get Cache-Control: public, max-age=31536000, immutable;
everything else no-cache. Credentials come from the AWS SDK's default chain
(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance or container roles).

Options:
  --endpoint <url>            an S3-compatible server (MinIO, Cloudflare R2, Ceph...):
                              path-style addressing, checksums only where required
  --region <region>           the bucket's region (default: the SDK's, or us-east-1
                              with --endpoint)
  --concurrency <n>           requests in flight at a time (default 16)
  --delete-older-than <days>  delete objects under the prefix that the folder does not
                              hold and that are older than this; never staticfiles.json
  --max-deletes <n>           refuse the whole deletion when more would go (default 1000)
  --force                     upload every file, even those already in place
  --dry-run                   list and compare, print what would be uploaded and
                              deleted, change nothing
  --quiet                     no progress bar and no summary; problems are still printed
  -h, --help                  show this help

Every request is retried (6 attempts, backoff with jitter) on 503 SlowDown, other 5xx,
timeouts (60 s without an answer) and dropped connections.

Exit status: 0 published, 1 publishing failed (nothing half-published: the previous
manifest stays), 2 usage error.
`;

const SEE_HELP = "Run `static-hash publish --help` for the options.";

const FLAGS = {
  endpoint: { type: "string", example: "--endpoint http://127.0.0.1:9000" },
  region: { type: "string", example: "--region eu-west-1" },
  concurrency: { type: "string", example: "--concurrency 16" },
  "delete-older-than": { type: "string", example: "--delete-older-than 30" },
  "max-deletes": { type: "string", example: "--max-deletes 1000" },
  force: { type: "boolean" },
  "dry-run": { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, Flag>;

// The flag that spells each option of `publish()`, for its errors about an option.
const FLAG_OF: Record<string, string> = {
  endpoint: "--endpoint",
  region: "--region",
  concurrency: "--concurrency",
  deleteOlderThan: "--delete-older-than",
  maxDeletes: "--max-deletes",
};

/** The options of `publish` from the command line; anything wrong is a usage error saying what to fix. */
function publishOptionsFrom(argv: readonly string[]): { options: PublishOptions; quiet: boolean } | "help" {
  const { values, positionals } = parseFlags(argv, FLAGS, "publish");
  if (values.help) return "help";
  const [from, to, ...extra] = positionals;
  if (from === undefined) throw new UsageError(`Missing the folder to publish: static-hash publish dist/static s3://<bucket>/static/. ${SEE_HELP}`);
  if (to === undefined) throw new UsageError(`Missing the destination: static-hash publish ${from} s3://<bucket>[/<prefix>]. ${SEE_HELP}`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(extra[0])}: give one folder and one destination. ${SEE_HELP}`);
  const number = (flag: string, text: string | undefined, pattern: RegExp, what: string) => {
    if (text === undefined) return undefined;
    if (!pattern.test(text)) throw new UsageError(`--${flag} must be ${what}; got ${JSON.stringify(text)}.`);
    return Number(text);
  };
  return {
    quiet: values.quiet === true,
    options: {
      from,
      to,
      endpoint: values.endpoint,
      region: values.region,
      concurrency: number("concurrency", values.concurrency, /^[1-9][0-9]*$/, "a whole number of requests, such as 16"),
      deleteOlderThan: number("delete-older-than", values["delete-older-than"], /^[0-9]+(\.[0-9]+)?$/, "a number of days, such as 30"),
      maxDeletes: number("max-deletes", values["max-deletes"], /^[0-9]+$/, "a whole number of objects, such as 1000"),
      force: values.force === true,
      dryRun: values["dry-run"] === true,
    },
  };
}

/** A `PUBLISH_CONFIG` error as the command line says it: an option's rule under its flag's name. */
function asUsage(error: PublishError): string {
  const about = optionOf(error);
  const flag = about && FLAG_OF[about.option];
  return flag ? `${flag} ${about.rule}` : error.message;
}

/**
 * `static-hash publish <folder> s3://bucket[/prefix] …` (`argv` is what follows `publish`): prints
 * problems, what a dry run would do, and a summary. Returns the exit status: 0 published, 1
 * publishing failed, 2 usage error.
 */
export async function runPublishCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let request: ReturnType<typeof publishOptionsFrom>;
  try {
    request = publishOptionsFrom(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`static-hash: ${error.message}\n`);
    return EXIT.usage;
  }
  if (request === "help") {
    io.stdout.write(PUBLISH_USAGE);
    return EXIT.ok;
  }
  const { options, quiet } = request;
  // The SDK's notice that its 2027 releases need Node 22 says nothing about this deploy; a user who sets the variable to "false" sees it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

  const bar = !quiet && io.progress ? await progressBar(io.stderr as NodeJS.WritableStream) : undefined;
  let result: PublishResult;
  try {
    result = await publish({ ...options, onProgress: bar?.update });
  } catch (error) {
    bar?.stop();
    if (error instanceof PublishError) {
      io.stderr.write(`static-hash: ${asUsage(error)}\n`);
      return error.code === "PUBLISH_CONFIG" ? EXIT.usage : EXIT.failed;
    }
    io.stderr.write(`static-hash: publishing failed: ${oneLine(error)}\n`);
    return EXIT.failed;
  }
  bar?.stop();

  if (result.dryRun) {
    for (const key of result.uploadedKeys) io.stdout.write(`would upload ${key}\n`);
    for (const key of result.deletedKeys) io.stdout.write(`would delete ${key}\n`);
  }
  // A listing that fails (wrong bucket, credentials or endpoint) fails before anything is sent: one line says what to fix.
  if (result.problems.length === 1 && result.problems[0].code === "LIST_FAILED") {
    io.stderr.write(`static-hash: ${result.problems[0].message}\n`);
    return EXIT.failed;
  }
  for (const problem of result.problems) io.stderr.write(`${problem.severity}: ${problem.message}\n`);
  const destination = options.to.replace(/\/*$/, "/");
  if (!result.ok) {
    const errors = result.problems.filter((problem) => problem.severity === "error").length;
    const state = result.manifest === "uploaded" && !result.dryRun ? `the new ${MANIFEST_NAME} is in place` : `${destination}${MANIFEST_NAME} was not changed`;
    io.stderr.write(`static-hash: publishing failed with ${plural(errors, "error")}; ${state}.\n`);
    return EXIT.failed;
  }
  if (!quiet) io.stdout.write(summary(result, destination) + "\n");
  return EXIT.ok;
}

/** The one-line summary: what went up, what was already there, what was deleted, retries and time. */
export function summary(result: PublishResult, destination: string): string {
  const seconds = (result.durationMs / 1000).toFixed(2);
  const parts = [`${result.skipped} unchanged`];
  if (result.deleted > 0) parts.push(`${result.deleted} ${result.dryRun ? "to delete" : "deleted"}`);
  if (result.retries > 0) parts.push(plural(result.retries, "retry", "retries"));
  const verb = result.dryRun ? "Dry run: would upload" : "Uploaded";
  return `${verb} ${plural(result.uploaded, "object")} (${formatBytes(result.bytes)}) to ${destination} in ${seconds} s: ${parts.join(", ")}.`;
}

/** A cli-progress bar on the terminal: files compared or uploaded, and bytes sent. */
async function progressBar(stream: NodeJS.WritableStream) {
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar({ stream, format: "publishing [{bar}] {value}/{total} files, {sent}", clearOnComplete: true, hideCursor: true });
  let started = false;
  return {
    update: (progress: PublishProgress) => {
      if (!started) {
        bar.start(progress.total, progress.done, { sent: formatBytes(progress.bytes) });
        started = true;
      }
      bar.update(progress.done, { sent: formatBytes(progress.bytes) });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
