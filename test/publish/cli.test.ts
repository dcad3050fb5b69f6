// `static-hash publish`, the built command run as a user runs it: summary, dry run, and bad input as one line with exit 1 or 2.
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PUBLISH_USAGE } from "../../src/publish/command.js";
import { publish } from "../../src/publish/index.js";
import { removeTempFolders, tempFolder } from "../temp-folders.js";
import { startS3Server, type S3Server } from "./s3-server.js";
import { BUCKET, checkBucketConsistent, collectSite, folderNames, runPublishCli, siteTree } from "./sites.js";

let server: S3Server;
let prefixes = 0;
const nextPrefix = () => `cli-${++prefixes}/`;

beforeAll(async () => {
  server = await startS3Server([BUCKET]);
});
afterAll(async () => {
  await server?.stop();
});
afterEach(removeTempFolders);

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A bucket holding a published site (old enough to delete with --delete-older-than 0) and its listing, to prove a failed run changed nothing. */
async function publishedSite(): Promise<{ prefix: string; folder: string; keys: string[] }> {
  const folder = await collectSite(siteTree());
  const prefix = nextPrefix();
  expect((await publish({ from: folder, to: `s3://${BUCKET}/${prefix}`, endpoint: server.endpoint })).ok).toBe(true);
  return { prefix, folder, keys: await server.keys(BUCKET, prefix) };
}

describe("static-hash publish", () => {
  it("--help describes every flag", async () => {
    const run = await runPublishCli(["--help"]);
    expect(run).toMatchObject({ code: 0, stdout: PUBLISH_USAGE, stderr: "" });
    for (const flag of ["--endpoint", "--region", "--concurrency", "--delete-older-than", "--max-deletes", "--force", "--dry-run", "--quiet"]) {
      expect(PUBLISH_USAGE).toContain(`  ${flag}`);
    }
  });

  it("publishes, prints one summary line and nothing on stderr (no SDK notice); a rerun uploads nothing", async () => {
    const folder = await collectSite(siteTree());
    const prefix = nextPrefix();
    const count = folderNames(folder).length;
    const first = await runPublishCli([folder, `s3://${BUCKET}/${prefix}`, "--endpoint", server.endpoint]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^Uploaded ${count} objects \\(\\d+(\\.\\d)? (bytes|kB)\\) to s3://${BUCKET}/${prefix} in \\d+\\.\\d\\d s: 0 unchanged\\.\\n$`));
    const again = await runPublishCli([folder, `s3://${BUCKET}/${prefix}`, "--endpoint", server.endpoint, "--concurrency", "2"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^Uploaded 0 objects \\(0 bytes\\) to s3://${BUCKET}/${prefix} in \\d+\\.\\d\\d s: ${count} unchanged\\.\\n$`));
    const quiet = await runPublishCli([folder, `s3://${BUCKET}/${prefix}`, "--endpoint", server.endpoint, "--quiet"]);
    expect(quiet).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it.skipIf(Number(process.versions.node.split(".")[0]) >= 22)("shows the SDK's Node 20 notice only to a user who asks for it", async () => {
    const folder = await collectSite(siteTree());
    const run = await runPublishCli([folder, `s3://${BUCKET}/${nextPrefix()}`, "--endpoint", server.endpoint, "--quiet"], {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "false",
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("NodeVersionSupportWarning");
  });

  it("--dry-run prints each key it would upload and delete, and changes nothing", async () => {
    const { prefix, keys } = await publishedSite();
    const second = await collectSite(siteTree("2"));
    const run = await runPublishCli([second, `s3://${BUCKET}/${prefix}`, "--endpoint", server.endpoint, "--dry-run", "--delete-older-than", "0"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines.filter((line) => line.startsWith("would upload ")).length).toBe(5);
    expect(lines).toContain(`would upload ${prefix}staticfiles.json`);
    expect(lines.filter((line) => line.startsWith("would delete ")).length).toBe(2);
    expect(lines.at(-1)).toMatch(/^Dry run: would upload 5 objects \(.*\) to .* in \d+\.\d\d s: \d+ unchanged, 2 to delete\.$/);
    expect(await server.keys(BUCKET, prefix)).toEqual(keys);
  });

  describe("bad input: one line that says what to fix, exit 1 or 2, nothing deleted, the manifest untouched", () => {
    const oneLine = (stderr: string) => {
      expect(stderr.endsWith("\n")).toBe(true);
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr).not.toMatch(/\n\s+at /);
    };

    it("a folder without staticfiles.json, or no folder at all", async () => {
      const empty = tempFolder("empty");
      writeFileSync(join(empty, "a.css"), "a{}");
      const run = await runPublishCli([empty, `s3://${BUCKET}/x/`, "--endpoint", server.endpoint]);
      expect(run).toMatchObject({ code: 1, stdout: "" });
      expect(run.stderr).toBe(`static-hash: The folder ${empty} has no staticfiles.json: run \`static-hash collect --out ${empty}\` (or Django's collectstatic) first, then publish that folder.\n`);
      const none = await runPublishCli([join(empty, "nope"), `s3://${BUCKET}/x/`]);
      expect(none.code).toBe(1);
      expect(none.stderr).toBe(`static-hash: The folder ${join(empty, "nope")} does not exist: give the folder \`static-hash collect --out\` wrote.\n`);
    });

    it("a destination that is not s3://bucket, flags without their value, wrong numbers: usage errors, exit 2", async () => {
      const folder = await collectSite(siteTree());
      const cases: [string[], string][] = [
        [[folder, "assets/static"], `The destination must be s3://<bucket>[/<prefix>], as in s3://assets/static/; got "assets/static".`],
        [[folder, "s3://"], "The destination s3:// names no bucket: write s3://<bucket>[/<prefix>], as in s3://assets/static/."],
        [[folder, "s3://a"], `The destination s3://a has an invalid bucket name "a": a bucket name is 3 to 63 letters, digits, dots and hyphens.`],
        [[folder], "Missing the destination: static-hash publish " + folder + " s3://<bucket>[/<prefix>]. Run `static-hash publish --help` for the options."],
        [[folder, `s3://${BUCKET}`, "--concurrency", "0"], `--concurrency must be a whole number of requests, such as 16; got "0".`],
        [[folder, `s3://${BUCKET}`, "--delete-older-than", "soon"], `--delete-older-than must be a number of days, such as 30; got "soon".`],
        [[folder, `s3://${BUCKET}`, "--endpoint", "localhost:9000"], `--endpoint must be an http(s) URL, as in http://127.0.0.1:9000; got "localhost:9000".`],
        [[folder, `s3://${BUCKET}`, "--endpoint"], "--endpoint needs a value, as in --endpoint http://127.0.0.1:9000."],
        [[folder, `s3://${BUCKET}`, "--dryrun"], "Unknown option --dryrun (did you mean --dry-run?). Run `static-hash publish --help` for the options."],
        [[folder, `s3://${BUCKET}`, "--force=yes"], "--force takes no value; write just --force."],
        [[folder, `s3://${BUCKET}`, "--region", "a", "--region", "b"], "--region is given more than once; give it once."],
      ];
      for (const [args, message] of cases) {
        const run = await runPublishCli(args);
        expect(run.stderr).toBe(`static-hash: ${message}\n`);
        expect(run.code).toBe(2);
      }
    });

    it("a bucket that does not exist", async () => {
      const folder = await collectSite(siteTree());
      const run = await runPublishCli([folder, "s3://no-such-bucket/static/", "--endpoint", server.endpoint]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`static-hash: The bucket no-such-bucket does not exist at ${server.endpoint}: create it, or fix the bucket name in s3://no-such-bucket/.\n`);
    });

    it("credentials the store refuses: nothing deleted, the manifest untouched", async () => {
      const { prefix, folder, keys } = await publishedSite();
      const second = await collectSite(siteTree("2"));
      const run = await runPublishCli([second, `s3://${BUCKET}/${prefix}`, "--endpoint", server.endpoint, "--delete-older-than", "0"], { AWS_ACCESS_KEY_ID: "WRONG", AWS_SECRET_ACCESS_KEY: "WRONG" });
      expect(run.code).toBe(1);
      oneLine(run.stderr);
      expect(run.stderr).toBe(
        `static-hash: ${server.endpoint} refused the credentials (InvalidAccessKeyId): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to a key of that store that may write to ${BUCKET}.\n`,
      );
      expect(await server.keys(BUCKET, prefix)).toEqual(keys);
      expect(await checkBucketConsistent(server, prefix, [folder, second])).toBe(0);
    });

    it("no credentials anywhere", async () => {
      const folder = await collectSite(siteTree());
      const home = tempFolder("home");
      const env = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined, HOME: home, AWS_EC2_METADATA_DISABLED: "true" };
      const run = await runPublishCli([folder, `s3://${BUCKET}/static/`, "--endpoint", server.endpoint], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        "static-hash: No credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an instance or container role is available.\n",
      );
    });

    it("an endpoint nothing answers at", async () => {
      const folder = await collectSite(siteTree());
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const run = await runPublishCli([folder, `s3://${BUCKET}/static/`, "--endpoint", endpoint]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`static-hash: Cannot reach ${endpoint} (ECONNREFUSED): check --endpoint and that the server is running and reachable.\n`);
    });

    it("@aws-sdk/client-s3 not installed", async () => {
      // The package as installed without its optional peer: dist, package.json, and every dependency but the AWS SDK.
      const repo = fileURLToPath(new URL("../../", import.meta.url));
      const install = tempFolder("install");
      cpSync(join(repo, "dist"), join(install, "dist"), { recursive: true });
      cpSync(join(repo, "package.json"), join(install, "package.json"));
      mkdirSync(join(install, "node_modules"));
      for (const name of readdirSync(join(repo, "node_modules"))) {
        if (name === "@aws-sdk" || name === "@smithy" || name === ".bin") continue;
        symlinkSync(join(repo, "node_modules", name), join(install, "node_modules", name));
      }
      const folder = await collectSite(siteTree());
      const run = await runPublishCli([folder, `s3://${BUCKET}/static/`, "--endpoint", server.endpoint], {}, install, join(install, "dist", "cli.js"));
      expect(run.code).toBe(1);
      expect(run.stderr).toBe("static-hash: publish needs @aws-sdk/client-s3: install it with `npm install @aws-sdk/client-s3`.\n");
    });
  });
});
