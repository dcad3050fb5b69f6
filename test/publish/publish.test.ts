// publish() against a real s3rver: headers per kind of name, skipping, manifest last, force, dry run, pagination, multipart, deletion.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { publish, type PublishOptions } from "../../src/publish/index.js";
import { removeTempFolders } from "../temp-folders.js";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.js";
import { startS3Server, type S3Server } from "./s3-server.js";
import { addVariants, BUCKET, checkBucketConsistent, collectSite, folderNames, manifestPaths, siteTree } from "./sites.js";

let server: S3Server;
let proxy: FaultProxy;
let prefixes = 0;
/** A fresh prefix per test: the suites share one bucket. */
const nextPrefix = () => `site-${++prefixes}/`;

beforeAll(async () => {
  server = await startS3Server([BUCKET, "other"]);
  proxy = await startFaultProxy(server.endpoint);
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});
afterEach(() => {
  removeTempFolders();
  proxy.setFaults(() => "pass");
  proxy.setListedEtags(undefined);
  proxy.log.length = 0;
});

const publishTo = (from: string, prefix: string, options: Partial<PublishOptions> = {}) =>
  publish({ from, to: `s3://${BUCKET}/${prefix}`, endpoint: proxy.endpoint, ...options });
const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");
const puts = () => proxy.log.filter((entry) => entry.method === "PUT").map((entry) => entry.key);

describe("publish", () => {
  it("uploads every file with the Content-Type, Cache-Control and Content-Encoding of its kind of name", async () => {
    const folder = await collectSite(siteTree());
    const paths = manifestPaths(folder);
    addVariants(folder, [paths["css/app.css"], "css/app.css", paths["js/app.js"]]);
    const prefix = nextPrefix();

    const result = await publishTo(folder, prefix);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    const names = folderNames(folder);
    expect(result.uploaded).toBe(names.length);
    expect(result.skipped).toBe(0);
    expect(result.manifest).toBe("uploaded");
    expect(result.uploadedKeys).toEqual(names.map((name) => prefix + name).sort());
    expect(result.bytes).toBe(names.reduce((sum, name) => sum + readFileSync(join(folder, name)).length, 0));
    expect(await server.keys(BUCKET, prefix)).toEqual(names.map((name) => prefix + name));

    const headers = async (name: string) => {
      const head = (await server.head(BUCKET, prefix + name))!;
      return [head.ContentType, head.CacheControl, head.ContentEncoding];
    };
    const immutable = "public, max-age=31536000, immutable";
    const css = paths["css/app.css"];
    expect(css).toMatch(/^css\/app\.[0-9a-f]{6}\.css$/);
    expect(await headers(css)).toEqual(["text/css; charset=utf-8", immutable, undefined]);
    expect(await headers("css/app.css")).toEqual(["text/css; charset=utf-8", "no-cache", undefined]);
    expect(await headers(`${css}.br`)).toEqual(["text/css; charset=utf-8", immutable, "br"]);
    expect(await headers(`${css}.gz`)).toEqual(["text/css; charset=utf-8", immutable, "gzip"]);
    expect(await headers("css/app.css.br")).toEqual(["text/css; charset=utf-8", "no-cache", "br"]);
    expect(await headers(`${paths["js/app.js"]}.gz`)).toEqual(["text/javascript; charset=utf-8", immutable, "gzip"]);
    expect(await headers(paths["js/app.js"])).toEqual(["text/javascript; charset=utf-8", immutable, undefined]);
    expect(await headers(paths["img/logo.png"])).toEqual(["image/png", immutable, undefined]);
    expect(await headers(paths["img/icon.svg"])).toEqual(["image/svg+xml", immutable, undefined]);
    expect(await headers(paths["fonts/f.woff2"])).toEqual(["font/woff2", immutable, undefined]);
    expect(await headers("fonts/f.woff2")).toEqual(["font/woff2", "no-cache", undefined]);
    // A .gz the manifest lists is a file of its own, not a variant.
    expect(await headers(paths["data/archive.tar.gz"])).toEqual(["application/gzip", immutable, undefined]);
    expect(await headers(paths.Makefile)).toEqual(["application/octet-stream", immutable, undefined]);
    expect(await headers("staticfiles.json")).toEqual(["application/json; charset=utf-8", "no-cache", undefined]);

    for (const name of names) {
      const bytes = readFileSync(join(folder, name));
      expect(await server.get(BUCKET, prefix + name)).toEqual(bytes);
      expect((await server.head(BUCKET, prefix + name))!.Metadata).toEqual({ md5: md5(bytes) });
    }
  });

  it("a rerun with nothing changed makes one listing request and no PUT", async () => {
    const folder = await collectSite(siteTree());
    const prefix = nextPrefix();
    expect((await publishTo(folder, prefix)).ok).toBe(true);
    proxy.log.length = 0;

    const again = await publishTo(folder, prefix);
    expect(again).toMatchObject({ ok: true, uploaded: 0, skipped: folderNames(folder).length, bytes: 0, manifest: "unchanged", problems: [] });
    expect(proxy.log.map((entry) => [entry.method, entry.key, entry.query.includes("list-type=2")])).toEqual([["GET", "", true]]);
  });

  it("after a change, uploads only the changed file, its hashed copy and the files referring to it, then the manifest last", async () => {
    const first = await collectSite(siteTree());
    const prefix = nextPrefix();
    expect((await publishTo(first, prefix)).ok).toBe(true);
    const tree = siteTree();
    tree["css/base.css"] = "body { margin: 1px }\n"; // app.css imports base.css: its hashed copy changes, its original does not
    const second = await collectSite(tree);
    const paths = manifestPaths(second);
    proxy.log.length = 0;

    const result = await publishTo(second, prefix);
    expect(result.ok).toBe(true);
    const expected = [paths["css/app.css"], "css/base.css", paths["css/base.css"], "staticfiles.json"].map((name) => prefix + name).sort();
    expect(result.uploadedKeys).toEqual(expected);
    expect(puts().map((key) => `${key}`).sort()).toEqual(expected);
    // The manifest's PUT reached the proxy after every other PUT had its answer.
    const manifestPut = proxy.log.find((entry) => entry.method === "PUT" && entry.key === `${prefix}staticfiles.json`)!;
    const others = proxy.log.filter((entry) => entry.method === "PUT" && entry !== manifestPut);
    expect(others.length).toBe(3);
    for (const entry of others) expect(entry.answeredAt).toBeLessThanOrEqual(manifestPut.receivedAt);
    expect(proxy.log.at(-1)).toBe(manifestPut);
    expect(await checkBucketConsistent(server, prefix, [first, second])).toBe(1);
  });

  it("in query mode every object is revalidated: no name is hashed", async () => {
    const folder = await collectSite(siteTree(), { mode: "query" });
    expect(manifestPaths(folder)["css/app.css"]).toMatch(/^css\/app\.css\?[0-9a-f]{6}$/);
    const prefix = nextPrefix();
    expect((await publishTo(folder, prefix)).ok).toBe(true);
    for (const name of folderNames(folder)) expect((await server.head(BUCKET, prefix + name))!.CacheControl).toBe("no-cache");
  });

  it("--force uploads everything again; --dry-run lists what would go and writes nothing", async () => {
    const folder = await collectSite(siteTree());
    const prefix = nextPrefix();
    const dry = await publishTo(folder, prefix, { dryRun: true });
    expect(dry).toMatchObject({ ok: true, dryRun: true, uploaded: folderNames(folder).length, skipped: 0, manifest: "uploaded" });
    expect(dry.uploadedKeys).toEqual(folderNames(folder).map((name) => prefix + name));
    expect(puts()).toEqual([]);
    expect(await server.keys(BUCKET, prefix)).toEqual([]);

    expect((await publishTo(folder, prefix)).uploaded).toBe(folderNames(folder).length);
    proxy.log.length = 0;
    const forced = await publishTo(folder, prefix, { force: true });
    expect(forced).toMatchObject({ ok: true, uploaded: folderNames(folder).length, skipped: 0 });
    expect(puts().length).toBe(folderNames(folder).length);
    expect(puts().at(-1)).toBe(`${prefix}staticfiles.json`);
  });

  it("reads a listing of many pages in one pass (s3rver's continuation tokens)", async () => {
    const folder = await collectSite(siteTree());
    const prefix = nextPrefix();
    expect((await publishTo(folder, prefix, { listPageSize: 4 })).ok).toBe(true);
    proxy.log.length = 0;
    const again = await publishTo(folder, prefix, { listPageSize: 4 });
    const count = folderNames(folder).length;
    expect(again).toMatchObject({ ok: true, uploaded: 0, skipped: count });
    expect(proxy.log.every((entry) => entry.method === "GET" && entry.query.includes("list-type=2"))).toBe(true);
    expect(proxy.log.length).toBe(Math.ceil(count / 4));
  });

  it("uploads a file of 64 MiB in parts, with its MD5 in the metadata, and skips it on a rerun", async () => {
    const folder = await collectSite({ "video/small.bin": "small" });
    const big = Buffer.alloc(64 * 1024 * 1024 + 7, 0x61);
    big.write("first bytes");
    // A file the manifest does not list is published too (revalidated); one is enough to see the parts.
    writeFileSync(join(folder, "video/big.bin"), big);
    const prefix = nextPrefix();
    const result = await publishTo(folder, prefix);
    expect(result.problems).toEqual([]);
    expect(proxy.log.filter((entry) => entry.query.includes("partNumber=")).length).toBe(9);
    expect(md5((await server.get(BUCKET, `${prefix}video/big.bin`))!)).toBe(md5(big));
    expect((await server.head(BUCKET, `${prefix}video/big.bin`))!.Metadata).toEqual({ md5: md5(big) });
    proxy.log.length = 0;
    expect(await publishTo(folder, prefix)).toMatchObject({ ok: true, uploaded: 0 });
  });

  it("for an object listed with a multipart ETag, compares the md5 metadata (one HEAD), and uploads when it differs or is missing", async () => {
    const folder = await collectSite(siteTree());
    const prefix = nextPrefix();
    expect((await publishTo(folder, prefix)).ok).toBe(true);
    const logo = `${prefix}${manifestPaths(folder)["img/logo.png"]}`;
    proxy.setListedEtags((key) => (key === logo || key === `${prefix}Makefile` ? "0123456789abcdef0123456789abcdef-2" : undefined));
    proxy.log.length = 0;
    const same = await publishTo(folder, prefix);
    expect(same).toMatchObject({ ok: true, uploaded: 0 });
    expect(proxy.log.filter((entry) => entry.method === "HEAD").map((entry) => entry.key).sort()).toEqual([`${prefix}Makefile`, logo]);

    // Another tool wrote the same size without the metadata: publish cannot prove the bytes, so it uploads.
    await server.put(BUCKET, `${prefix}Makefile`, readFileSync(join(folder, "Makefile")));
    const rewritten = await publishTo(folder, prefix);
    expect(rewritten.uploadedKeys).toEqual([`${prefix}Makefile`]);
  });

  it("takes the caller's own S3 client, and refuses bad options before anything is sent", async () => {
    const folder = await collectSite(siteTree());
    const prefix = nextPrefix();
    const result = await publish({ from: folder, to: `s3://${BUCKET}/${prefix}`, s3Client: server.client });
    expect(result).toMatchObject({ ok: true, uploaded: folderNames(folder).length });
    const bad: [Partial<PublishOptions>, string][] = [
      [{ concurrency: 0 }, "Option `concurrency` must be a whole number of at least 1; got 0."],
      [{ maxDeletes: -1 }, "Option `maxDeletes` must be a whole number of at least 0; got -1."],
      [{ deleteOlderThan: Number.NaN }, "Option `deleteOlderThan` must be a number of days, 0 or more; got null."],
      [{ to: "assets" }, 'The destination must be s3://<bucket>[/<prefix>], as in s3://assets/static/; got "assets".'],
      [{ dryrun: true } as Partial<PublishOptions>, "Unknown publish() option `dryrun`: did you mean `dryRun`?"],
      [{ bucket: "assets" } as Partial<PublishOptions>, "Unknown publish() option `bucket`; the options are from, to, endpoint, region, concurrency, force, dryRun, deleteOlderThan, maxDeletes, s3Client, requestTimeoutMs, listPageSize, onProgress."],
      [{ force: "yes" } as unknown as Partial<PublishOptions>, 'Option `force` must be true or false; got "yes".'],
    ];
    for (const [options, message] of bad) {
      await expect(publish({ from: folder, to: `s3://${BUCKET}/${prefix}`, endpoint: proxy.endpoint, ...options })).rejects.toMatchObject({ code: "PUBLISH_CONFIG", message });
    }
    expect(proxy.log).toEqual([]);
  });

  it("deletes old objects the folder no longer holds, with their variants, never the manifest, and refuses more than maxDeletes", async () => {
    const first = await collectSite(siteTree());
    const oldPaths = manifestPaths(first);
    addVariants(first, [oldPaths["css/app.css"]]);
    const prefix = nextPrefix();
    expect((await publishTo(first, prefix)).ok).toBe(true);
    await server.put("other", `${prefix}outside.txt`, "another bucket");
    await server.put(BUCKET, "outside-the-prefix.txt", "same bucket, other prefix");
    const tree = siteTree("2");
    const second = await collectSite(tree);
    const newPaths = manifestPaths(second);
    addVariants(second, [newPaths["css/app.css"]]);
    const gone = [oldPaths["css/app.css"], `${oldPaths["css/app.css"]}.br`, `${oldPaths["css/app.css"]}.gz`, oldPaths["js/app.js"]].map((name) => prefix + name).sort();

    // Nothing is older than a day: nothing goes.
    const young = await publishTo(second, prefix, { deleteOlderThan: 1 });
    expect(young).toMatchObject({ ok: true, deleted: 0 });

    const refused = await publishTo(second, prefix, { deleteOlderThan: 0, maxDeletes: 3 });
    expect(refused.ok).toBe(false);
    expect(refused.deleted).toBe(0);
    expect(refused.problems).toEqual([
      {
        severity: "error",
        code: "TOO_MANY_DELETES",
        message: `4 objects under s3://${BUCKET}/${prefix} are older than 0 days and not in ${second}, more than the 3 allowed: nothing was deleted. Check the destination, or raise --max-deletes.`,
      },
    ]);
    for (const key of gone) expect(await server.head(BUCKET, key)).toBeDefined();

    const dry = await publishTo(second, prefix, { deleteOlderThan: 0, dryRun: true });
    expect(dry.deletedKeys).toEqual(gone);
    for (const key of gone) expect(await server.head(BUCKET, key)).toBeDefined();

    const done = await publishTo(second, prefix, { deleteOlderThan: 0, maxDeletes: 4 });
    expect(done).toMatchObject({ ok: true, deleted: 4, deletedKeys: gone });
    expect(await server.keys(BUCKET, prefix)).toEqual(folderNames(second).map((name) => prefix + name));
    expect(await server.get("other", `${prefix}outside.txt`)).toEqual(Buffer.from("another bucket"));
    expect(await server.get(BUCKET, "outside-the-prefix.txt")).toBeDefined();
    expect(await checkBucketConsistent(server, prefix, [first, second])).toBe(1);
  });

  it("keeps a variant whose file stays, even when the variant is gone from the folder", async () => {
    const folder = await collectSite(siteTree());
    const css = manifestPaths(folder)["css/app.css"];
    addVariants(folder, [css]);
    const prefix = nextPrefix();
    expect((await publishTo(folder, prefix)).ok).toBe(true);
    const { rmSync } = await import("node:fs");
    rmSync(join(folder, `${css}.br`));
    const result = await publishTo(folder, prefix, { deleteOlderThan: 0 });
    expect(result).toMatchObject({ ok: true, deleted: 0 });
    expect(await server.head(BUCKET, `${prefix}${css}.br`)).toBeDefined();
  });
});
