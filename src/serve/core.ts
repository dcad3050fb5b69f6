/**
 * The serving core: one request in, one response description out, framework-free. Each step is explicit:
 * request path -> file -> proof of its hash -> encoding -> headers -> verified bytes. Server adapters
 * (express.ts, fastify.ts, koa.ts, hono.ts) only translate their framework's request and response.
 */
import { createHash } from "node:crypto";
import { extname } from "node:path";
import type { Readable } from "node:stream";
import { contentType } from "mime-types";
import { sameSignature, signatureOf } from "../fs/signature.js";
import type { Manifest } from "../core/manifest.js";
import type { StaticFilesOptions } from "../core/options.js";
import { StaticFiles, staticFilesFrom } from "../core/static-files.js";
import { READ_WHOLE_MAX, checkedStream, openFile, readWhole, type OpenFile } from "./body.js";
import { chooseRange, evaluatePreconditions, type HeaderReader, type Validators } from "./conditional.js";
import { Compression, type EncodingDecision } from "./compression.js";
import { ContentDigests, type ProvenContent } from "./content-digest.js";
import { statusOfFileError } from "./file-errors.js";
import { Locator, type Target } from "./locate.js";
import { resolveServeOptions, type ResolvedServeOptions, type ServeOptions } from "./options.js";
import { originFormOf, parseRequestPath } from "./request-path.js";
import { variantResponse } from "./send-variant.js";

/** A request as the core needs it. */
export interface ServeRequest {
  readonly method: string;
  /** The request target relative to the mount point, path and query: `/css/app.css?4e1243` (absolute form accepted). */
  readonly url: string;
  /** Reads a request header by its lowercase name. */
  readonly header: HeaderReader;
}

/** What to answer: a response to send, or a refusal the adapter may pass on to the next handler. */
export type ServeResult =
  | { readonly kind: "send"; readonly status: number; readonly headers: Record<string, string>; readonly body: Buffer | Readable | undefined }
  | { readonly kind: "refused"; readonly status: 400 | 403 | 404 | 405; readonly reason: string }
  | { readonly kind: "failed"; readonly status: 500; readonly reason: string; readonly cause: unknown };

/** The proof that the bytes sent are the bytes the URL's hash names: kept bytes, a digest to check while streaming, or a trusted name. */
type Proof = { readonly kind: "none" } | { readonly kind: "trusted" } | { readonly kind: "digest"; readonly content: ProvenContent };

const NO_PROOF: Proof = { kind: "none" };

export const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  412: "Precondition Failed",
  416: "Range Not Satisfiable",
  500: "Internal Server Error",
};

export class ServingCore {
  readonly files: StaticFiles;
  readonly options: ResolvedServeOptions;
  /** The path of `baseUrl` (`/static/`): where the URLs that `files.url()` prints live. */
  readonly basePath: string;
  private readonly algorithm: string;
  private readonly digests: ContentDigests;
  private readonly locator: Locator;
  /** Negotiated compression, unless the `compression` option is `false`. */
  readonly compression: Compression | undefined;

  constructor(files: StaticFiles | StaticFilesOptions = {}, options: ServeOptions = {}, what = "serveStatic", extraOptions: readonly string[] = []) {
    this.files = staticFilesFrom(files);
    this.options = resolveServeOptions(options, what, extraOptions);
    const { algorithm, accuracy, cacheMax } = this.files.options;
    this.algorithm = algorithm;
    this.digests = new ContentDigests(algorithm, cacheMax || 1000);
    this.locator = new Locator(this.files, Math.min(accuracy, createHash(algorithm).digest("hex").length));
    this.basePath = new URL(this.files.baseUrl, "http://localhost/").pathname;
    this.compression = Compression.create(options.compression, this.files.options.manifest !== undefined, this.digests, algorithm);
  }

  /** A URL as the app received it (no mount path stripped): read relative to the path of `baseUrl` when under it. */
  withinBase(url: string): string {
    const target = originFormOf(url);
    return this.basePath !== "/" && target.startsWith(this.basePath) ? target.slice(this.basePath.length - 1) : target;
  }

  async respond(request: ServeRequest): Promise<ServeResult> {
    const { method } = request;
    if (method !== "GET" && method !== "HEAD") return refused(405, `${method} is not served by static-hash`);
    // 1. The request path: a static name and a query, or a refusal.
    const path = parseRequestPath(originFormOf(request.url));
    if (!path.ok) return refused(path.status, `Refused ${JSON.stringify(request.url)}: ${path.reason}.`);
    let manifest: Manifest | undefined;
    try {
      manifest = this.files.manifest;
    } catch (error) {
      return { kind: "failed", status: 500, reason: (error as Error).message, cause: error };
    }
    try {
      // 2. The file, and what the URL claims about it.
      const target = await this.locator.locate(manifest, path.name, path.query);
      if (!target) return refused(404, `No static file ${JSON.stringify(path.name)}.`);
      // 3. The proof of that claim.
      const proof = await this.prove(target);
      // 4. The encoding: a variant made from the proven identity bytes, or identity (Range is always identity).
      const encoding = await this.chooseEncoding(request, target, proof);
      if (encoding.kind === "variant") {
        return variantResponse(request, encoding.variant, encoding.variant.immutable ? `public, max-age=${this.options.maxAgeSeconds}, immutable` : "no-cache");
      }
      if (encoding.kind === "not-acceptable") return plain(406, { Vary: "Accept-Encoding" });
      // 5 and 6. Headers and the verified bytes.
      const result = await this.represent(request, target, proof);
      if (encoding.vary && result.kind === "send") result.headers.Vary = "Accept-Encoding";
      return result;
    } catch (error) {
      const status = statusOfFileError(error);
      if (status !== 500) return refused(status, status === 403 ? `${JSON.stringify(path.name)} cannot be read.` : `No static file ${JSON.stringify(path.name)}.`);
      return { kind: "failed", status: 500, reason: `static-hash could not serve ${JSON.stringify(path.name)}: ${(error as NodeJS.ErrnoException).code ?? "unexpected error"}`, cause: error };
    }
  }

  /** Checks the URL's claim: the digest of the file's current bytes (kept with them when small) must start with the hash. */
  private async prove(target: Target): Promise<Proof> {
    if (target.claim.kind === "trusted") return { kind: "trusted" };
    if (target.claim.kind === "none") return NO_PROOF;
    const content = await this.digests.of(target.file, signatureOf(target.stats));
    return content.hex !== "" && content.hex.startsWith(target.claim.hash) ? { kind: "digest", content } : NO_PROOF;
  }

  private async chooseEncoding(request: ServeRequest, target: Target, proof: Proof): Promise<EncodingDecision> {
    if (!this.compression) return { kind: "identity", vary: false };
    return this.compression.decide(request.header, target, proof.kind === "digest" ? proof.content : proof.kind === "trusted" ? "trusted" : undefined);
  }

  private async represent(request: ServeRequest, target: Target, proof: Proof): Promise<ServeResult> {
    // Proven bytes in memory are sent as they are: nothing that happens to the file since can change them.
    const kept = proof.kind === "digest" ? proof.content.bytes : undefined;
    let opened: OpenFile | undefined;
    if (!kept) {
      opened = await openFile(target.file);
      if (!opened) return refused(404, `No static file ${JSON.stringify(target.name)}.`);
    }
    try {
      let source: { bytes: Buffer; validators: Validators | undefined } | { stream: OpenFile; validators: Validators };
      let immutable: boolean;
      if (kept) {
        source = { bytes: kept, validators: validatorsOf((proof as { content: ProvenContent }).content.signature) };
        immutable = true;
      } else {
        const stats = opened!.stats;
        // A proof by digest holds for the bytes read only while the descriptor's stat is the digested version's.
        immutable = proof.kind === "trusted" || (proof.kind === "digest" && sameSignature(signatureOf(stats), proof.content.signature));
        if (stats.size <= READ_WHOLE_MAX) {
          const whole = await readWhole(opened!);
          source = { bytes: whole.bytes, validators: whole.consistent ? validatorsOf(whole.stats) : undefined };
          if (proof.kind === "digest") immutable = whole.consistent && sameSignature(signatureOf(whole.stats), proof.content.signature) && this.digestOf(whole.bytes) === proof.content.hex;
        } else source = { stream: opened!, validators: validatorsOf(stats) };
      }
      const size = "bytes" in source ? source.bytes.length : source.stream.stats.size;
      const headers: Record<string, string> = {
        "Content-Type": contentType(extname(target.name)) || "application/octet-stream",
        "Accept-Ranges": "bytes",
      };
      const cacheControl = (isImmutable: boolean) => (isImmutable ? `public, max-age=${this.options.maxAgeSeconds}, immutable` : "no-cache");
      headers["Cache-Control"] = cacheControl(immutable);
      const validators = source.validators;
      if (validators) {
        headers.ETag = validators.etag;
        headers["Last-Modified"] = validators.lastModified;
        const outcome = evaluatePreconditions(request.method, request.header, validators);
        if (outcome === 412) return plain(412, {});
        if (outcome === 304) {
          delete headers["Content-Type"];
          delete headers["Accept-Ranges"];
          return { kind: "send", status: 304, headers, body: undefined };
        }
      }
      const range = validators ? chooseRange(request.header, size, validators) : ({ kind: "all" } as const);
      if (range.kind === "unsatisfiable") return plain(416, { "Content-Range": `bytes */${size}` });
      let status = 200;
      let start = 0;
      let end = size - 1;
      if (range.kind === "part") {
        status = 206;
        ({ start, end } = range);
        headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
        // A part streamed from the file cannot be checked against the whole file's digest: revalidate it.
        if ("stream" in source && proof.kind === "digest") headers["Cache-Control"] = cacheControl((immutable = false));
      }
      headers["Content-Length"] = String(end - start + 1);
      if (request.method === "HEAD" || size === 0) return { kind: "send", status, headers, body: request.method === "HEAD" ? undefined : Buffer.alloc(0) };
      if ("bytes" in source) return { kind: "send", status, headers, body: source.bytes.subarray(start, end + 1) };
      const digest = immutable && proof.kind === "digest" ? { algorithm: this.algorithm, hex: proof.content.hex } : undefined;
      const body = checkedStream(source.stream, start, end, digest);
      opened = undefined;
      return { kind: "send", status, headers, body };
    } finally {
      await opened?.handle.close();
    }
  }

  private digestOf(bytes: Buffer): string {
    return createHash(this.algorithm).update(bytes).digest("hex");
  }
}

function validatorsOf(signature: { size: number; mtimeMs: number }): Validators {
  const mtime = Math.trunc(signature.mtimeMs);
  return { etag: `W/"${signature.size.toString(16)}-${mtime.toString(16)}"`, lastModified: new Date(mtime).toUTCString(), mtimeMs: signature.mtimeMs };
}

function refused(status: 400 | 403 | 404 | 405, reason: string): ServeResult {
  return { kind: "refused", status, reason };
}

/** A short plain-text response with only the headers given (412, 416, and refusals answered directly). */
export function plain(status: number, headers: Record<string, string>): ServeResult & { kind: "send" } {
  const body = Buffer.from(`${STATUS_TEXT[status] ?? "Error"}\n`);
  return {
    kind: "send",
    status,
    headers: { ...headers, "Content-Type": "text/plain; charset=utf-8", "Content-Length": String(body.length), "X-Content-Type-Options": "nosniff" },
    body,
  };
}

