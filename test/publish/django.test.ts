// A folder written by Django's own collectstatic (ManifestStaticFilesStorage, python3-django) published as is.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { publish } from "../../src/publish/index.js";
import { removeTempFolders, tempFolder, writeTree } from "../temp-folders.js";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.js";
import { startS3Server, type S3Server } from "./s3-server.js";
import { BUCKET, folderNames, manifestPaths, siteTree } from "./sites.js";

const SCRIPT = fileURLToPath(new URL("../collect/django-collectstatic.py", import.meta.url));

function findDjangoPython(): string | undefined {
  for (const python of ["/usr/bin/python3", "python3"]) {
    if (spawnSync(python, ["-c", "import django"]).status === 0) return python;
  }
  return undefined;
}
const python = findDjangoPython();
if (!python) console.warn("Skipping publishing Django's collectstatic output: no python3 can import django (apt-get install python3-django).");

let server: S3Server;
let proxy: FaultProxy;

beforeAll(async () => {
  if (!python) return;
  server = await startS3Server([BUCKET]);
  proxy = await startFaultProxy(server.endpoint);
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});
afterEach(removeTempFolders);

/** Django's collectstatic of the site, into a new STATIC_ROOT. */
function djangoCollect(): string {
  const root = writeTree(tempFolder("django-src"), siteTree());
  const staticRoot = join(tempFolder("django"), "static");
  const output = execFileSync(python!, [SCRIPT, JSON.stringify({ root, staticRoot, names: [] })], { encoding: "utf8" });
  expect((JSON.parse(output) as { error: string | null }).error).toBeNull();
  return staticRoot;
}

describe.skipIf(!python)("publishing Django's collectstatic output", () => {
  it("reads Django's manifest (1.0): its hashed names are immutable, the originals revalidated, the manifest last", async () => {
    const folder = djangoCollect();
    const manifest = JSON.parse(readFileSync(join(folder, "staticfiles.json"), "utf8")) as { version: string; paths: Record<string, string> };
    expect(manifest.version).toBe("1.0");
    const paths = manifestPaths(folder);
    expect(paths["css/app.css"]).toMatch(/^css\/app\.[0-9a-f]{12}\.css$/);

    const result = await publish({ from: folder, to: `s3://${BUCKET}/django/`, endpoint: proxy.endpoint });
    expect(result.problems).toEqual([]);
    expect(result.uploaded).toBe(folderNames(folder).length);
    const immutable = "public, max-age=31536000, immutable";
    for (const [name, stored] of Object.entries(paths)) {
      expect((await server.head(BUCKET, `django/${stored}`))!.CacheControl).toBe(immutable);
      expect((await server.head(BUCKET, `django/${name}`))!.CacheControl).toBe("no-cache");
      expect(await server.get(BUCKET, `django/${stored}`)).toEqual(readFileSync(join(folder, stored)));
    }
    expect((await server.head(BUCKET, `django/${paths["css/app.css"]}`))!.ContentType).toBe("text/css; charset=utf-8");
    expect(proxy.log.filter((entry) => entry.method === "PUT").at(-1)!.key).toBe("django/staticfiles.json");
  });

  it("reads the 1.1 manifest Django 4.2+ writes (with its own hash)", async () => {
    const folder = djangoCollect();
    const manifest = JSON.parse(readFileSync(join(folder, "staticfiles.json"), "utf8")) as { paths: Record<string, string> };
    writeFileSync(join(folder, "staticfiles.json"), JSON.stringify({ paths: manifest.paths, version: "1.1", hash: "0123456789ab" }));
    const result = await publish({ from: folder, to: `s3://${BUCKET}/django-11/`, endpoint: server.endpoint });
    expect(result.problems).toEqual([]);
    expect((await server.head(BUCKET, `django-11/${manifest.paths["js/app.js"]}`))!.CacheControl).toBe("public, max-age=31536000, immutable");
    expect((await server.head(BUCKET, "django-11/js/app.js"))!.CacheControl).toBe("no-cache");
  });
});
