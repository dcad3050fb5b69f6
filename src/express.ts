/**
 * Serving half of static-hash: Express (4 or 5) middleware, or a plain `http` request listener, that
 * sends the files under the roots, or a `collect` output folder, with far-future caching only where the
 * URL's hash is proven. The work is the serving core's (src/serve/core.ts); this only adapts it.
 *
 *     app.use("/static", serveStatic(files));
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { StaticFilesOptions } from "./core/options.js";
import type { StaticFiles } from "./core/static-files.js";
import { ServingCore } from "./serve/core.js";
import { answerNode, httpError, nodeRequest, sendNodeResponse } from "./serve/node-response.js";
import type { ServeOptions } from "./serve/options.js";

export { IMMUTABLE_MAX_AGE } from "./serve/options.js";
export type ServeStaticOptions = ServeOptions;

/** A `(req, res, next?)` handler: Express middleware, or a plain `http` request listener (it answers 404 itself without `next`). */
export type StaticMiddleware = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Middleware serving the files of `files` (its roots, or the folder of its manifest). `req.url` is read
 * relative to the mount point (Express strips the mount path). Where nothing strips it (a plain `http`
 * server, or Express without a mount path), a URL under the path of `baseUrl` is read relative to it.
 */
export function serveStatic(files: StaticFiles | StaticFilesOptions = {}, options: ServeStaticOptions = {}): StaticMiddleware {
  const core = new ServingCore(files, options);
  const { fallthrough } = core.options;
  return function staticHashMiddleware(req, res, next) {
    // Express sets baseUrl to the mount path; unmounted, the URLs that files.url() prints start with the path of baseUrl.
    const mounted = Boolean((req as { baseUrl?: string }).baseUrl);
    const url = mounted ? (req.url ?? "/") : core.withinBase(req.url ?? "/");
    core.respond(nodeRequest(req, url)).then(
      (result) => {
        if (result.kind === "send") return sendNodeResponse(res, result);
        if (res.headersSent) return void res.destroy();
        if (next && result.status < 500 && fallthrough) return next();
        if (next) return next(httpError(result.status, result.reason, result.kind === "failed" ? result.cause : undefined));
        answerNode(res, result.status);
      },
      (error: unknown) => {
        if (next) return next(httpError(500, "static-hash failed to serve a request", error));
        answerNode(res, 500);
      },
    );
  };
}

export default serveStatic;
