// Faults for real, between publish and s3rver: throttling, 5xx, dropped connections, answers too late,
// a key that never goes up, and the publishing process killed at random moments.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { publish } from "../../src/publish/index.js";
import { removeTempFolders } from "../temp-folders.js";
import { startFaultProxy, type Fault, type FaultProxy } from "./fault-proxy.js";
import { startS3Server, type S3Server } from "./s3-server.js";
import { BUCKET, checkBucketConsistent, collectSite, folderNames, manifestPaths, siteTree, startPublishCli, runPublishCli } from "./sites.js";

const LONG = process.env.STATIC_HASH_LONG_TESTS === "1";

let server: S3Server;
let proxy: FaultProxy;
let prefixes = 0;
const nextPrefix = () => `faults-${++prefixes}/`;

beforeAll(async () => {
  server = await startS3Server([BUCKET]);
  proxy = await startFaultProxy(server.endpoint);
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});
afterEach(() => {
  removeTempFolders();
  proxy.setFaults(() => "pass");
  proxy.log.length = 0;
});

/** The site plus `extra` small files, half of which change with `version`. */
function biggerSite(version: number, extra: number): Record<string, string | Buffer> {
  const tree = siteTree(String(version));
  for (let i = 0; i < extra; i++) tree[`data/file-${String(i).padStart(3, "0")}.txt`] = `file ${i} ${i % 2 === 0 ? `version ${version}` : "stable"}\n`;
  return tree;
}

/** A small deterministic number from a text, to spread faults over keys the same way on every run. */
function spread(text: string, modulo: number): number {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash % modulo;
}

const KINDS: Fault[] = ["slowdown", "internal-error", "drop-before", "drop-after", { delayMs: 1500 }];

describe("publish under faults", () => {
  it("retries throttling, 5xx, dropped connections and answers that never come, and ends with everything in place", async () => {
    const folder = await collectSite(biggerSite(1, LONG ? 300 : 30));
    const prefix = nextPrefix();
    // Each request of a key fails its first 0 to 3 attempts, each time in another way; the listing is throttled once.
    const attempts = new Map<string, number>();
    proxy.setFaults(({ method, key, query }) => {
      const id = `${method} ${key} ${query.includes("list-type") ? "list" : ""}`;
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      if (query.includes("list-type")) return attempt === 1 ? "slowdown" : "pass";
      const failures = spread(key, 4);
      return attempt <= failures ? KINDS[(spread(key, KINDS.length) + attempt) % KINDS.length] : "pass";
    });

    const result = await publish({ from: folder, to: `s3://${BUCKET}/${prefix}`, endpoint: proxy.endpoint, requestTimeoutMs: 500, concurrency: 8 });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.uploaded).toBe(folderNames(folder).length);
    const faults = proxy.log.filter((entry) => entry.fault !== "pass");
    expect([...new Set(faults.map((entry) => entry.fault))].sort()).toEqual(["delay 1500 ms", "drop-after", "drop-before", "internal-error", "slowdown"]);
    // Every fault the proxy injected cost exactly one retry, the listing's included.
    expect(result.retries).toBe(faults.length);
    expect(await checkBucketConsistent(server, prefix, [folder])).toBe(0);
    for (const name of folderNames(folder)) expect(await server.get(BUCKET, prefix + name)).toEqual(readFileSync(join(folder, name)));
  });

  it("a key that always fails: exit 1 naming it after 6 attempts, the old manifest intact, and a rerun finishes the job", async () => {
    const first = await collectSite(biggerSite(1, 4));
    const prefix = nextPrefix();
    expect((await publish({ from: first, to: `s3://${BUCKET}/${prefix}`, endpoint: server.endpoint })).ok).toBe(true);
    const second = await collectSite(biggerSite(2, 4));
    const failing = prefix + manifestPaths(second)["js/app.js"];
    proxy.setFaults(({ method, key }) => (method === "PUT" && key === failing ? "slowdown" : "pass"));

    const run = await runPublishCli([second, `s3://${BUCKET}/${prefix}`, "--endpoint", proxy.endpoint]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `error: Uploading ${failing} failed (6 attempts for a transient failure): SlowDown (503): Please reduce your request rate..\n` +
        `static-hash: publishing failed with 1 error; s3://${BUCKET}/${prefix}staticfiles.json was not changed.\n`,
    );
    expect(proxy.log.filter((entry) => entry.key === failing).length).toBe(6);
    expect(proxy.log.some((entry) => entry.method === "PUT" && entry.key.endsWith("staticfiles.json"))).toBe(false);
    expect(await checkBucketConsistent(server, prefix, [first, second])).toBe(0);

    proxy.setFaults(() => "pass");
    proxy.log.length = 0;
    const rerun = await publish({ from: second, to: `s3://${BUCKET}/${prefix}`, endpoint: proxy.endpoint });
    expect(rerun.uploadedKeys).toEqual([failing, `${prefix}staticfiles.json`]);
    expect(await checkBucketConsistent(server, prefix, [first, second])).toBe(1);
  });

  it(`a publish killed at random moments leaves the old or the new manifest, each complete; a rerun uploads only what is missing`, async () => {
    const rounds = LONG ? 24 : 4;
    const prefix = nextPrefix();
    const folders: string[] = [];
    // Each PUT takes 20–60 ms more, so a run lasts long enough to be cut anywhere.
    proxy.setFaults(({ method, key }) => (method === "PUT" ? { delayMs: 20 + spread(key, 40) } : "pass"));
    let killed = 0;
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < rounds; round++) {
      const folder = await collectSite(biggerSite(round, 40));
      folders.push(folder);
      const { child, done } = startPublishCli([folder, `s3://${BUCKET}/${prefix}`, "--endpoint", proxy.endpoint, "--concurrency", "4"]);
      const killAfter = 150 + Math.floor(random() * 1500);
      const timer = setTimeout(() => child.kill("SIGKILL"), killAfter);
      const run = await done;
      clearTimeout(timer);
      expect(run.signal === "SIGKILL" || run.code === 0, run.stderr).toBe(true);
      if (run.signal === "SIGKILL") killed++;
      const up = await checkBucketConsistent(server, prefix, folders);
      if (run.code === 0) expect(up).toBe(round);
    }

    expect(killed).toBeGreaterThan(0);

    // The bucket now against the last folder: what a rerun must upload, and nothing else.
    const last = folders.at(-1)!;
    const missing: string[] = [];
    for (const name of folderNames(last)) {
      const there = await server.get(BUCKET, prefix + name);
      if (there === undefined || !there.equals(readFileSync(join(last, name)))) missing.push(prefix + name);
    }
    proxy.log.length = 0;
    const rerun = await publish({ from: last, to: `s3://${BUCKET}/${prefix}`, endpoint: proxy.endpoint });
    expect(rerun.ok).toBe(true);
    expect(rerun.uploadedKeys).toEqual(missing.sort());
    expect(await checkBucketConsistent(server, prefix, folders)).toBe(folders.length - 1);
  });
});
