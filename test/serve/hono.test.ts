// The conformance suite on Hono over @hono/node-server: the middleware at /static/*, reading paths relative to baseUrl.
import { serve, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import serveStatic from "../../src/hono.js";
import { close } from "./http-client.js";
import { testServer } from "./conformance.js";
import type { Server } from "node:http";

testServer({
  name: "Hono (@hono/node-server)",
  otherMethodStatus: 404,
  async start(files, options) {
    const app = new Hono<{ Bindings: HttpBindings }>();
    app.use("/static/*", serveStatic(files, options));
    app.notFound((c) => c.text("app 404", 404));
    const server = await new Promise<Server>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started as Server));
    });
    return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => close(server) };
  },
});
