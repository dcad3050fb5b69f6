/**
 * Serving half of static-hash: Express 5 (or plain `http`) middleware that sends the files under the
 * roots, or a `collect` output folder, with far-future caching only where the URL's hash proves it safe.
 *
 *     app.use("/static", serveStatic(files));
 */
import { createHash } from "node:crypto";
import { fstatSync, type ReadStream, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import send from "send";
import { StaticFileError } from "./core/errors.js";
import { FILE_GONE, sameSignature, signatureOf } from "./core/hash.js";
import type { Manifest } from "./core/manifest.js";
import { encodePath, hashInQuery, parseName, unhashPath } from "./core/names.js";
import type { StaticFilesOptions } from "./core/options.js";
import { StaticFiles, staticFilesFrom } from "./core/static-files.js";
import { ContentDigests, type ContentDigest } from "./serve/content-digest.js";
import { parseRequestPath } from "./serve/request-path.js";

export interface ServeStaticOptions {
  /** Hand 4xx requests (missing file, refused path, other methods) to `next()` instead of answering them. Default `true`, as serve-static. */
  fallthrough?: boolean;
  /** `max-age` of immutable responses, in milliseconds (as serve-static). Default and maximum: one year. */
  maxAge?: number;
  /** Only `false`, accepted for serve-static users: directories and index files are never served. */
  index?: false;
}

/** A `(req, res, next?)` handler: Express middleware, or a plain `http` request listener (it answers 404 itself without `next`). */
export type StaticMiddleware = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

export const IMMUTABLE_MAX_AGE = 31_536_000_000;
const OPTION_NAMES = ["fallthrough", "maxAge", "index"];

/** How the request's hash is checked before the response may be marked immutable. */
type Proof =
  | { readonly kind: "none" }
  /** The digest of the bytes sent must start with `hash`. */
  | { readonly kind: "digest"; readonly hash: string }
  /** A current hashed name from a filename-mode manifest (collect writes it once, atomically, named after its content), or a file Vite's manifest lists. */
  | { readonly kind: "manifest-name" };

/** The file a request resolves to: `name` under `root`, and what would make it immutable. */
interface Target {
  readonly root: string;
  readonly name: string;
  readonly stats: Stats;
  readonly proof: Proof;
}

const NO_PROOF: Proof = { kind: "none" };
const TRUSTED_NAME: Proof = { kind: "manifest-name" };

/**
 * Middleware serving the files of `files` (its roots, or the folder of its manifest). `req.url` is read
 * relative to the mount point (Express strips the mount path). Where nothing strips it (a plain `http`
 * server, or Express without a mount path), a URL under the path of `baseUrl` is read relative to it.
 */
export function serveStatic(files: StaticFiles | StaticFilesOptions = {}, options: ServeStaticOptions = {}): StaticMiddleware {
  const staticFiles = staticFilesFrom(files);
  const { fallthrough, maxAgeSeconds } = resolveServeOptions(options);
  const { algorithm, accuracy, cacheMax } = staticFiles.options;
  const digests = new ContentDigests(algorithm, cacheMax || 1000);
  const hashLength = Math.min(accuracy, createHash(algorithm).digest("hex").length);
  const storedNames = new WeakMap<Manifest, Set<string>>();
  const basePath = new URL(staticFiles.baseUrl, "http://localhost/").pathname;

  /** Non-manifest: the real file first (first root wins), else `x.<h>.ext` served from `x.ext`. */
  async function resolveInRoots(name: string, query: string | undefined): Promise<Target | undefined> {
    const requested = hashInQuery(query);
    const direct = await findInRoots(staticFiles.roots, name);
    // Vite put its content hash in the names its manifest lists: trusted as collect's hashed names are.
    if (direct) return { ...direct, name, proof: staticFiles.isViteFile(name) ? TRUSTED_NAME : digestProof(requested) };
    const unhashed = unhashPath(name);
    if (!unhashed) return undefined;
    const original = await findInRoots(staticFiles.roots, unhashed.path);
    return original && { ...original, name: unhashed.path, proof: digestProof(unhashed.hash) };
  }

  function digestProof(hash: string): Proof {
    return hash.length === hashLength ? { kind: "digest", hash } : NO_PROOF;
  }

  /** Manifest: the collected folder; hashed names map back through the manifest. */
  async function resolveInManifest(manifest: Manifest, name: string, query: string | undefined): Promise<Target | undefined> {
    const root = dirname(staticFiles.options.manifest!);
    const stats = await fileStats(join(root, name));
    if (stats) {
      if (currentStoredNames(manifest).has(name) || staticFiles.isViteFile(name)) return { root, name, stats, proof: TRUSTED_NAME };
      const stored = manifest.paths.get(name);
      const requested = hashInQuery(query);
      const recorded = stored?.startsWith(name + "?") ? hashInQuery(stored.slice(name.length + 1)) : "";
      return { root, name, stats, proof: requested !== "" && requested === recorded ? { kind: "digest", hash: requested } : NO_PROOF };
    }
    // A stale hashed name: serve the current version of the file it named, revalidated.
    const unhashed = unhashPath(name);
    const stored = unhashed && manifest.paths.get(unhashed.path);
    if (!stored) return undefined;
    let storedPath: string;
    try {
      storedPath = parseName(stored.split("?")[0]).path;
    } catch {
      return undefined;
    }
    const current = await fileStats(join(root, storedPath));
    return current && { root, name: storedPath, stats: current, proof: NO_PROOF };
  }

  function currentStoredNames(manifest: Manifest): Set<string> {
    let names = storedNames.get(manifest);
    if (!names) {
      names = new Set([...manifest.paths.values()].filter((stored) => !stored.includes("?")));
      storedNames.set(manifest, names);
    }
    return names;
  }

  /** The digest the bytes sent must have to be immutable ("trusted" for a collected hashed name), if the URL's hash is proven. */
  async function provenDigest(target: Target): Promise<ContentDigest | "trusted" | undefined> {
    if (target.proof.kind === "manifest-name") return "trusted";
    if (target.proof.kind === "none") return undefined;
    const digest = await digests.of(join(target.root, target.name), signatureOf(target.stats));
    return digest.hex.startsWith(target.proof.hash) ? digest : undefined;
  }

  return function staticHashMiddleware(req, res, next) {
    const refuse = (status: number, reason: string, cause?: unknown): void => {
      // Too late to answer with a status: end the connection so the client sees a failed response.
      if (res.headersSent) return void res.destroy();
      if (next && status < 500 && fallthrough) return next();
      if (next) return next(httpError(status, reason, cause));
      answer(res, status, status === 405 ? { Allow: "GET, HEAD" } : {});
    };
    if (req.method !== "GET" && req.method !== "HEAD") return refuse(405, `${req.method} is not served by static-hash`);
    let url = req.url ?? "/";
    // Express sets baseUrl to the mount path; unmounted, the URLs that files.url() prints start with basePath.
    if (!(req as { baseUrl?: string }).baseUrl && basePath !== "/" && url.startsWith(basePath)) url = url.slice(basePath.length - 1);
    const path = parseRequestPath(url);
    if (!path.ok) return refuse(path.status, `Refused ${JSON.stringify(req.url)}: ${path.reason}.`);
    let manifest: Manifest | undefined;
    try {
      manifest = staticFiles.manifest;
    } catch (error) {
      return refuse(500, (error as Error).message, error);
    }
    const resolving = manifest ? resolveInManifest(manifest, path.name, path.query) : resolveInRoots(path.name, path.query);
    resolving
      .then(async (target) => {
        if (!target) return refuse(404, `No static file ${JSON.stringify(path.name)}.`);
        sendTarget(req, res, target, await provenDigest(target), maxAgeSeconds, algorithm, refuse);
      })
      .catch((error: unknown) => refuse(500, `static-hash could not serve ${JSON.stringify(path.name)}: ${(error as Error).message}`, error));
  };
}

/**
 * Streams the target with `send`. `proof` is the digest that the URL's hash matched (or "trusted" for a
 * collected hashed name); the response is immutable only if the bytes sent are that digest's bytes:
 * the signature is checked when `send` stats the file and again on the descriptor it reads (a file
 * renamed over in between is sent as `no-cache`), and a full response still marked immutable withholds
 * its last chunk until the digest of everything sent has been compared.
 */
function sendTarget(
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
  proof: ContentDigest | "trusted" | undefined,
  maxAgeSeconds: number,
  algorithm: string,
  refuse: (status: number, reason: string, cause?: unknown) => void,
): void {
  let immutable = false;
  const stream = send(req, "/" + encodePath(target.name), { root: target.root, index: false, dotfiles: "allow", cacheControl: false });
  stream.on("headers", (response: ServerResponse, _path: string, stats: Stats) => {
    immutable = proof === "trusted" || (proof !== undefined && sameSignature(signatureOf(stats), proof.signature));
    response.setHeader("Cache-Control", immutable ? `public, max-age=${maxAgeSeconds}, immutable` : "no-cache");
  });
  stream.on("stream", (file: ReadStream) => {
    cutUnlessContentLength(file, res);
    if (!immutable || proof === "trusted" || proof === undefined) return;
    const expected = proof;
    file.on("open", (fd: number) => {
      const opened = fstatSync(fd);
      if (res.headersSent || sameSignature(signatureOf(opened), expected.signature)) return;
      // Renamed over since send's stat: send this other version whole and revalidated, or nothing if its size is not Content-Length.
      immutable = false;
      if (opened.size !== expected.signature.size) return cut(file, res);
      res.setHeader("Cache-Control", "no-cache");
      // send took these from the replaced file: a later 304 must not bless these bytes.
      res.removeHeader("ETag");
      res.removeHeader("Last-Modified");
    });
    if (res.statusCode === 200) withholdUnlessDigestMatches(file, res, expected.hex, algorithm, () => immutable);
  });
  stream.on("directory", () => refuse(404, `${JSON.stringify(target.name)} is a directory.`));
  stream.on("error", (error: Error & { status?: number; headers?: Record<string, string> }) => {
    const status = error.status ?? 500;
    // The file exists: a failed precondition or an unsatisfiable range is answered, never passed on.
    if (status === 412 || status === 416) return answer(res, status, error.headers ?? {});
    refuse(status, error.message, error);
  });
  stream.pipe(res);
}

/**
 * While the response is still marked immutable, hashes the body as it streams and destroys the response
 * before its last chunk is written when the digest differs (the file changed in place mid-read): the
 * client gets a short, uncacheable response.
 */
function withholdUnlessDigestMatches(file: ReadStream, res: ServerResponse, hex: string, algorithm: string, stillImmutable: () => boolean): void {
  const total = Number(res.getHeader("Content-Length"));
  const hash = createHash(algorithm);
  let seen = 0;
  // Registered before send pipes the stream, so it sees each chunk before the response does.
  file.on("data", (chunk: Buffer | string) => {
    if (!stillImmutable()) return;
    hash.update(chunk);
    seen += chunk.length;
    if (seen >= total && hash.digest("hex") !== hex) cut(file, res);
  });
}

/**
 * Cuts the response when the file gives other than Content-Length bytes (it changed in place after
 * send's stat): a byte too many (send reads one byte of a file that was empty when stat'ed), or a body
 * too short, would make the client read the next response on the connection as part of this one.
 */
function cutUnlessContentLength(file: ReadStream, res: ServerResponse): void {
  const declared = Number(res.getHeader("Content-Length"));
  let seen = 0;
  // Registered before send pipes the stream: they run before the pipe writes a chunk or ends the response.
  file.on("data", (chunk: Buffer | string) => {
    seen += chunk.length;
    if (seen > declared) cut(file, res);
  });
  file.on("end", () => {
    if (seen < declared) cut(file, res);
  });
}

/** Ends the response unfinished: the client sees a failed response, which no cache keeps. */
function cut(file: ReadStream, res: ServerResponse): void {
  file.unpipe(res);
  res.destroy();
}

/** A short plain-text error response, with only the headers given. */
function answer(res: ServerResponse, status: number, headers: Record<string, string>): void {
  for (const header of res.getHeaderNames()) res.removeHeader(header);
  const body = `${STATUS_TEXT[status] ?? "Error"}\n`;
  res.writeHead(status, { ...headers, "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body), "X-Content-Type-Options": "nosniff" });
  res.end(body);
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  412: "Precondition Failed",
  416: "Range Not Satisfiable",
  500: "Internal Server Error",
};

async function findInRoots(roots: readonly string[], name: string): Promise<{ root: string; stats: Stats } | undefined> {
  for (const root of roots) {
    const stats = await fileStats(join(root, name));
    if (stats) return { root, stats };
  }
  return undefined;
}

async function fileStats(file: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(file);
    return stats.isFile() ? stats : undefined;
  } catch (error) {
    if (FILE_GONE.has((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw error;
  }
}

function httpError(status: number, message: string, cause?: unknown): Error & { status: number; statusCode: number; expose: boolean } {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { status, statusCode: status, expose: status < 500 });
}

function resolveServeOptions(options: ServeStaticOptions): { fallthrough: boolean; maxAgeSeconds: number } {
  if (typeof options !== "object" || options === null) {
    throw new StaticFileError("STATIC_CONFIG", "serveStatic(files, options): options must be an object such as { fallthrough: false }.");
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new StaticFileError("STATIC_CONFIG", `serveStatic does not know the option \`${key}\`; it takes ${OPTION_NAMES.map((n) => `\`${n}\``).join(", ")}.`);
    }
  }
  const { fallthrough = true, maxAge = IMMUTABLE_MAX_AGE, index = false } = options;
  if (index !== false) {
    throw new StaticFileError("STATIC_CONFIG", `serveStatic never serves directories or index files; option \`index\` can only be false, got ${JSON.stringify(index)}. Add a route for the page instead.`);
  }
  if (typeof fallthrough !== "boolean") {
    throw new StaticFileError("STATIC_CONFIG", `serveStatic option \`fallthrough\` must be true or false; got ${JSON.stringify(fallthrough)}.`);
  }
  if (typeof maxAge !== "number" || !Number.isFinite(maxAge) || maxAge < 0) {
    throw new StaticFileError("STATIC_CONFIG", `serveStatic option \`maxAge\` must be a number of milliseconds, 0 to one year; got ${JSON.stringify(maxAge)}.`);
  }
  return { fallthrough, maxAgeSeconds: Math.floor(Math.min(maxAge, IMMUTABLE_MAX_AGE) / 1000) };
}
