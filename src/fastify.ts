/**
 * Fastify plugin serving static files with far-future caching only where the URL's hash is proven, over
 * the one serving core (src/serve/core.ts). An ordinary encapsulated plugin: its routes and not-found
 * handling stay in the context it is registered in.
 *
 *     await fastify.register(serveStatic, { files, prefix: "/static/" });
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { StaticFileError } from "./core/errors.js";
import type { StaticFilesOptions } from "./core/options.js";
import type { StaticFiles } from "./core/static-files.js";
import { STATUS_TEXT, ServingCore } from "./serve/core.js";
import { httpError } from "./serve/node-response.js";
import type { ServeOptions } from "./serve/options.js";
import { belowPrefix, normalizePrefix } from "./serve/prefix.js";
import { originFormOf } from "./serve/request-path.js";

export interface FastifyServeOptions extends ServeOptions {
  /** The files to serve: a `StaticFiles`, or options to make one. */
  files: StaticFiles | StaticFilesOptions;
  /** Fastify's own register option: the URL path the files are served under. Without it, the path of `baseUrl`. */
  prefix?: string;
}

/** The parts of Fastify's instance, request and reply this plugin uses (so Fastify stays an optional peer, never imported). */
export interface FastifyInstanceLike {
  prefix: string;
  route(options: { method: string[]; url: string; handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown> }): unknown;
}
export interface FastifyRequestLike {
  method: string;
  raw: IncomingMessage;
  headers: Record<string, string | string[] | undefined>;
}
export interface FastifyReplyLike {
  raw: ServerResponse;
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(payload?: unknown): FastifyReplyLike;
  callNotFound(): void;
}

const WHAT = "static-hash/fastify";

async function staticHashFastify(fastify: FastifyInstanceLike, options: FastifyServeOptions): Promise<void> {
  if (typeof options !== "object" || options === null || options.files === undefined) {
    throw new StaticFileError("STATIC_CONFIG", `${WHAT}: register the plugin with the files to serve, as fastify.register(serveStatic, { files, prefix: "/static/" }).`);
  }
  const { files, prefix: _registerPrefix, ...serveOptions } = options;
  // Fastify ignores the plugin's own option names: `logLevel` and friends are its register options.
  for (const key of ["logLevel", "logSerializers", "contextConfig"]) delete (serveOptions as Record<string, unknown>)[key];
  const core = new ServingCore(files, serveOptions, `${WHAT} plugin`, []);
  // Registered with a prefix, Fastify prefixes the routes below; without one, they live at the path of baseUrl.
  const mountedAt = normalizePrefix(fastify.prefix || undefined, WHAT);
  const prefix = mountedAt ?? normalizePrefix(core.basePath, WHAT) ?? "";
  const { fallthrough } = core.options;

  const handler = async (request: FastifyRequestLike, reply: FastifyReplyLike): Promise<unknown> => {
    // The request line as received: Fastify's params are decoded, and a name must be decoded exactly once.
    const url = belowPrefix(request.raw.url ?? "/", prefix);
    if (url === undefined) return reply.callNotFound();
    const result = await core.respond({
      method: request.method,
      url,
      header: (name) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      },
    });
    if (result.kind === "refused") {
      if (fallthrough) return reply.callNotFound();
      return reply.code(result.status).headers({ "Content-Type": "text/plain; charset=utf-8" }).send(`${STATUS_TEXT[result.status]}\n`);
    }
    if (result.kind === "failed") throw httpError(result.status, result.reason, result.cause);
    reply.code(result.status).headers(result.headers);
    // A checked stream that fails after the headers cuts the connection: no client takes it for whole.
    if (result.body instanceof Readable) result.body.once("error", () => reply.raw.destroy());
    return reply.send(result.body);
  };
  fastify.route({ method: ["GET", "HEAD"], url: mountedAt ? "/*" : prefix + "/*", handler });
}

/**
 * Fastify's router does not take absolute-form request targets (`GET http://host/static/x.css`), which
 * HTTP/1.1 servers must accept: `Fastify({ rewriteUrl: acceptAbsoluteForm })` routes them by their path.
 */
export function acceptAbsoluteForm(req: IncomingMessage): string {
  return originFormOf(req.url ?? "/");
}

(staticHashFastify as unknown as Record<symbol, string>)[Symbol.for("fastify.display-name")] = "static-hash";

export { staticHashFastify as serveStatic };
export default staticHashFastify;
