// The conformance suite on Koa: the middleware with `prefix: "/static"`, and under koa-mount without one.
import { createServer } from "node:http";
import Koa from "koa";
import mount from "koa-mount";
import serveStatic from "../../src/koa.js";
import { close, listen } from "./http-client.js";
import { testServer } from "./conformance.js";

function appWith(use: (app: Koa) => void): Koa {
  const app = new Koa();
  app.silent = true;
  use(app);
  app.use((ctx) => {
    ctx.status = 404;
    ctx.type = "text/plain";
    ctx.body = "app 404";
  });
  return app;
}

for (const [name, install] of [
  ["Koa (prefix)", (app: Koa, files: Parameters<typeof serveStatic>[0], options: object) => app.use(serveStatic(files, { prefix: "/static", ...options }) as Koa.Middleware)],
  ["Koa (koa-mount)", (app: Koa, files: Parameters<typeof serveStatic>[0], options: object) => app.use(mount("/static", serveStatic(files, options) as Koa.Middleware))],
] as const) {
  testServer({
    name,
    otherMethodStatus: 404,
    async start(files, options = {}) {
      const server = createServer(appWith((app) => install(app, files, options)).callback());
      const origin = await listen(server);
      return { origin, close: () => close(server) };
    },
  });
}
