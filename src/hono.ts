/**
 * Hono middleware (on @hono/node-server) serving static files with far-future caching only where the
 * URL's hash is proven, over the one serving core (src/serve/core.ts).
 *
 *     app.use("/static/*", serveStatic(files));
 */
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { StaticFileError } from "./core/errors.js";
import type { StaticFilesOptions } from "./core/options.js";
import type { StaticFiles } from "./core/static-files.js";
import { STATUS_TEXT, ServingCore } from "./serve/core.js";
import { httpError } from "./serve/node-response.js";
import type { ServeOptions } from "./serve/options.js";
import { belowPrefix, normalizePrefix } from "./serve/prefix.js";

export interface HonoServeOptions extends ServeOptions {
  /** The URL path the files are served under (`/static`). Without it, a request path is read relative to the path of `baseUrl`. */
  prefix?: string;
}

/** The part of Hono's context this middleware uses (so Hono stays an optional peer, never imported). */
export interface HonoContextLike {
  env: unknown;
  req: { method: string; raw: Request };
}

export type HonoMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | void>;

export function serveStatic(files: StaticFiles | StaticFilesOptions = {}, options: HonoServeOptions = {}): HonoMiddleware {
  const { prefix: prefixOption, ...serveOptions } = options ?? {};
  const core = new ServingCore(files, serveOptions, "static-hash/hono serveStatic", ["prefix"]);
  const prefix = normalizePrefix(prefixOption, "static-hash/hono serveStatic");
  const { fallthrough } = core.options;
  return async function staticHashHono(c, next) {
    // The request line as received: Request.url is normalised (dot segments resolved), which must never decide a file.
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (!incoming || typeof incoming.url !== "string") {
      throw new StaticFileError(
        "STATIC_CONFIG",
        "static-hash/hono serves files from the local disk and needs @hono/node-server (serve({ fetch: app.fetch })): this runtime gave no Node request in c.env.incoming. Serve static files with your platform's own static hosting there, and use files.url() for the URLs.",
      );
    }
    let url: string | undefined = incoming.url;
    url = prefix ? belowPrefix(url, prefix) : core.withinBase(url);
    if (url === undefined) return next();
    const result = await core.respond({
      method: c.req.method,
      url,
      header: (name) => {
        const value = incoming.headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      },
    });
    if (result.kind === "refused") {
      if (fallthrough) return next();
      const headers: Record<string, string> = { "Content-Type": "text/plain; charset=utf-8" };
      if (result.status === 405) headers.Allow = "GET, HEAD";
      return new Response(`${STATUS_TEXT[result.status]}\n`, { status: result.status, headers });
    }
    if (result.kind === "failed") throw httpError(result.status, result.reason, result.cause);
    const { body } = result;
    // A checked stream that fails midway errors the web stream, and @hono/node-server then cuts the response.
    const webBody = body instanceof Readable ? (Readable.toWeb(body) as ReadableStream<Uint8Array>) : body && new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return new Response(webBody ?? null, { status: result.status, headers: result.headers });
  };
}

export default serveStatic;
