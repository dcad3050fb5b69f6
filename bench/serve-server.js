// One server for bench/serve.js, in its own process: `node bench/serve-server.js <framework> <root>`.
// static-hash's adapter serves the root at /static/, the framework's own static plugin at /plain/;
// prints the port once listening.
import { createServer } from "node:http";
import { StaticFiles } from "../dist/index.js";

const [framework, root] = process.argv.slice(2);
const files = new StaticFiles({ roots: [root] });
const listening = (port) => process.stdout.write(`${port}\n`);

if (framework === "express") {
  const { default: express } = await import("express");
  const { serveStatic } = await import("../dist/express.js");
  const app = express();
  app.use("/static", serveStatic(files));
  app.use("/plain", express.static(root));
  const server = createServer(app).listen(0, "127.0.0.1", () => listening(server.address().port));
} else if (framework === "fastify") {
  const { default: Fastify } = await import("fastify");
  const { default: fastifyStatic } = await import("@fastify/static");
  const { serveStatic } = await import("../dist/fastify.js");
  const app = Fastify();
  await app.register(serveStatic, { files, prefix: "/static/" });
  await app.register(fastifyStatic, { root, prefix: "/plain/" });
  await app.listen({ port: 0, host: "127.0.0.1" });
  listening(app.server.address().port);
} else if (framework === "koa") {
  const { default: Koa } = await import("koa");
  const { default: mount } = await import("koa-mount");
  const { default: koaStatic } = await import("koa-static");
  const { serveStatic } = await import("../dist/koa.js");
  const app = new Koa();
  // Connections the load generator drops at the end of a run are not worth a stack trace each.
  app.silent = true;
  app.use(serveStatic(files, { prefix: "/static" }));
  app.use(mount("/plain", koaStatic(root)));
  const server = createServer(app.callback()).listen(0, "127.0.0.1", () => listening(server.address().port));
} else if (framework === "hono") {
  const { Hono } = await import("hono");
  const { serve } = await import("@hono/node-server");
  const { serveStatic: honoStatic } = await import("@hono/node-server/serve-static");
  const { serveStatic } = await import("../dist/hono.js");
  const app = new Hono();
  app.use("/static/*", serveStatic(files));
  app.use("/plain/*", honoStatic({ root, rewriteRequestPath: (path) => path.replace(/^\/plain/, "") }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => listening(info.port));
  void server;
} else {
  throw new Error(`unknown framework ${framework}`);
}
