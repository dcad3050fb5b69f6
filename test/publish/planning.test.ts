// The pure decisions of publish, pinned: destinations, content types, which old objects go, backoff and what is retried.
import { describe, expect, it } from "vitest";
import { planDeletions } from "../../src/publish/deletion-plan.js";
import { parseDestination, PublishError } from "../../src/publish/index.js";
import { contentTypeOf } from "../../src/publish/object-headers.js";
import type { RemoteObject } from "../../src/publish/remote-listing.js";
import { ATTEMPTS, backoffDelay, isRetryable } from "../../src/publish/retry.js";

describe("parseDestination", () => {
  it("takes the prefix as a folder", () => {
    expect(parseDestination("s3://assets")).toEqual({ bucket: "assets", prefix: "" });
    expect(parseDestination("s3://assets/")).toEqual({ bucket: "assets", prefix: "" });
    expect(parseDestination("s3://assets/static")).toEqual({ bucket: "assets", prefix: "static/" });
    expect(parseDestination("s3://assets//site/static/")).toEqual({ bucket: "assets", prefix: "site/static/" });
  });

  it("refuses what is not s3://bucket, with a PublishError saying what to write", () => {
    for (const bad of ["assets", "https://assets/", "s3://", "s3://a", "s3://assets/../x", 42]) {
      expect(() => parseDestination(bad)).toThrow(PublishError);
    }
  });
});

describe("contentTypeOf", () => {
  it("gives text types their charset and unknown names application/octet-stream", () => {
    expect(["a.css", "a.js", "a.mjs", "a.map", "a.json", "a.txt", "a.svg", "a.woff2", "a.png", "Makefile", "a.unknownext", ".env"].map(contentTypeOf)).toEqual([
      "text/css; charset=utf-8",
      "text/javascript; charset=utf-8",
      "text/javascript; charset=utf-8",
      "application/json; charset=utf-8",
      "application/json; charset=utf-8",
      "text/plain; charset=utf-8",
      "image/svg+xml",
      "font/woff2",
      "image/png",
      "application/octet-stream",
      "application/octet-stream",
      "application/octet-stream",
    ]);
  });
});

describe("planDeletions", () => {
  const now = Date.UTC(2026, 0, 31);
  const daysAgo = (days: number): RemoteObject => ({ size: 1, etag: "x", lastModified: new Date(now - days * 86_400_000) });
  const remote = new Map<string, RemoteObject>([
    ["s/staticfiles.json", daysAgo(90)],
    ["s/css/app.111111.css", daysAgo(40)],
    ["s/css/app.111111.css.br", daysAgo(1)], // young, but goes with its file
    ["s/css/app.222222.css", daysAgo(40)], // in the folder: kept
    ["s/css/app.222222.css.gz", daysAgo(40)], // its file stays: kept although the folder lacks it
    ["s/js/new.333333.js", daysAgo(2)], // young
    ["s/orphan.css.gz", daysAgo(40)], // its file is gone from the bucket: an ordinary old object
  ]);
  const keep = new Set(["s/css/app.222222.css", "s/css/app.css"]);

  it("deletes old objects the folder lacks, variants only with their file, never the manifest", () => {
    expect(planDeletions({ remote, keep, manifestKey: "s/staticfiles.json", days: 30, now })).toEqual([
      "s/css/app.111111.css",
      "s/css/app.111111.css.br",
      "s/orphan.css.gz",
    ]);
    expect(planDeletions({ remote, keep, manifestKey: "s/staticfiles.json", days: 0, now })).toEqual([
      "s/css/app.111111.css",
      "s/css/app.111111.css.br",
      "s/js/new.333333.js",
      "s/orphan.css.gz",
    ]);
    expect(planDeletions({ remote, keep, manifestKey: "s/staticfiles.json", days: 100, now })).toEqual([]);
  });
});

describe("retries", () => {
  it("makes at least 5 attempts, waiting a random time below a doubling cap", () => {
    expect(ATTEMPTS).toBeGreaterThanOrEqual(5);
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, () => 0.999999))).toEqual([100, 200, 400, 800, 1600, 10_000]);
    expect(backoffDelay(3, () => 0)).toBe(0);
    expect(backoffDelay(3, () => 0.5)).toBe(200);
  });

  it("retries throttling, 5xx, timeouts and dropped connections, and nothing else", () => {
    const s3 = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    expect(isRetryable(s3("SlowDown", 503))).toBe(true);
    expect(isRetryable(s3("InternalError", 500))).toBe(true);
    expect(isRetryable(s3("Unknown", 502))).toBe(true);
    expect(isRetryable(Object.assign(new Error("timed out"), { name: "TimeoutError" }))).toBe(true);
    expect(isRetryable(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe(true);
    expect(isRetryable(new Error("socket hang up"))).toBe(true);
    expect(isRetryable(s3("AccessDenied", 403))).toBe(false);
    expect(isRetryable(s3("NoSuchBucket", 404))).toBe(false);
    expect(isRetryable(s3("InvalidAccessKeyId", 403))).toBe(false);
    expect(isRetryable(new TypeError("bad"))).toBe(false);
  });
});
