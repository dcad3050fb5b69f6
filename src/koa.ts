/**
 * Koa middleware serving static files with far-future caching only where the URL's hash is proven,
 * over the one serving core (src/serve/core.ts).
 *
 *     app.use(serveStatic(files, { prefix: "/static" }));          // or under koa-mount, without prefix
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough, Readable } from "node:stream";
import type { StaticFilesOptions } from "./core/options.js";
import type { StaticFiles } from "./core/static-files.js";
import { STATUS_TEXT, ServingCore } from "./serve/core.js";
import { httpError } from "./serve/node-response.js";
import type { ServeOptions } from "./serve/options.js";
import { belowPrefix, normalizePrefix } from "./serve/prefix.js";

export interface KoaServeOptions extends ServeOptions {
  /** The URL path the files are served under (`/static`). Without it, a request path is read relative to the path of `baseUrl`, or to koa-mount's mount path. */
  prefix?: string;
}

/** The part of Koa's context this middleware uses (so Koa stays an optional peer, never imported). */
export interface KoaContextLike {
  method: string;
  url: string;
  mountPath?: string;
  status: number;
  body: unknown;
  req: IncomingMessage;
  res: ServerResponse;
  set(field: Record<string, string>): void;
}

export type KoaMiddleware = (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>;

export function serveStatic(files: StaticFiles | StaticFilesOptions = {}, options: KoaServeOptions = {}): KoaMiddleware {
  const { prefix: prefixOption, ...serveOptions } = options ?? {};
  const core = new ServingCore(files, serveOptions, "static-hash/koa serveStatic", ["prefix"]);
  const prefix = normalizePrefix(prefixOption, "static-hash/koa serveStatic");
  const { fallthrough } = core.options;
  return async function staticHashKoa(ctx, next) {
    let url: string | undefined = ctx.url;
    if (prefix) url = belowPrefix(url, prefix);
    else if (!ctx.mountPath || ctx.mountPath === "/") url = core.withinBase(url);
    if (url === undefined) return void (await next());
    const result = await core.respond({
      method: ctx.method,
      url,
      header: (name) => {
        const value = ctx.req.headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      },
    });
    if (result.kind === "refused") {
      if (fallthrough) return void (await next());
      ctx.status = result.status;
      if (result.status === 405) ctx.set({ Allow: "GET, HEAD" });
      ctx.body = `${STATUS_TEXT[result.status]}\n`;
      return;
    }
    if (result.kind === "failed") throw httpError(result.status, result.reason, result.cause);
    ctx.status = result.status;
    ctx.set(result.headers);
    const { body } = result;
    if (body instanceof Readable) {
      // Koa never ends a response whose stream fails after the headers: cut it here, so no client takes it for whole.
      const relay = new PassThrough();
      body.once("error", () => {
        ctx.res.destroy();
        relay.destroy();
      });
      ctx.res.once("close", () => body.destroy());
      ctx.body = body.pipe(relay);
    } else if (body !== undefined) ctx.body = body;
  };
}

export default serveStatic;
