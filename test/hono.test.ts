// The conformance suite on Hono over @hono/node-server: the middleware at /static/*, reading paths
// relative to baseUrl; pages rendered with Nunjucks and Handlebars returned as HTML; other runtimes refused.
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve, type HttpBindings } from "@hono/node-server";
import Handlebars from "handlebars";
import { Hono } from "hono";
import nunjucks from "nunjucks";
import { expect, test } from "vitest";
import { registerStatic } from "../src/handlebars.js";
import serveStatic from "../src/hono.js";
import { StaticFiles } from "../src/index.js";
import { useStatic } from "../src/nunjucks.js";
import { FOO, IMMUTABLE, expectPageLinksImmutableCss, templateFolder, testServer } from "./conformance/servers.js";
import { close, rawRequest } from "./serve/http-client.js";

type App = Hono<{ Bindings: HttpBindings }>;

async function start(app: App) {
  app.notFound((c) => c.text("app 404", 404));
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started as Server));
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => close(server) };
}

testServer(
  {
    name: "Hono (@hono/node-server)",
    otherMethodStatus: 404,
    start(files, options) {
      const app: App = new Hono();
      app.use("/static/*", serveStatic(files, options));
      return start(app);
    },
  },
  ({ root }) => {
    test("a page rendered by Nunjucks, returned with c.html: its URL is served immutable", async () => {
      const files = new StaticFiles({ roots: [root({ "css/app.css": "foo" })] });
      const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(templateFolder()), { autoescape: true });
      useStatic(env, files);
      const app: App = new Hono();
      app.use("/static/*", serveStatic(files));
      app.get("/", (c) => c.html(env.render("page.njk", { title: "Home" })));
      const server = await start(app);
      try {
        await expectPageLinksImmutableCss(server.origin, "/", `/static/css/app.css?${FOO}`);
      } finally {
        await server.close();
      }
    });

    test("a page rendered by a Handlebars instance, filename mode, the middleware with a prefix", async () => {
      const files = new StaticFiles({ roots: [root({ "css/app.css": "foo" })], mode: "filename", baseUrl: "/assets/" });
      const hb = Handlebars.create();
      registerStatic(hb, files);
      const page = hb.compile(readFileSync(join(templateFolder(), "page.hbs"), "utf8"));
      const app: App = new Hono();
      app.use("/assets/*", serveStatic(files, { prefix: "/assets" }));
      app.get("/", (c) => c.html(page({ title: "Home" })));
      const server = await start(app);
      try {
        await expectPageLinksImmutableCss(server.origin, "/", `/assets/css/app.${FOO}.css`);
        const other = await rawRequest(server.origin, "/assetsx/css/app.css");
        expect(other.body.toString()).toBe("app 404");
      } finally {
        await server.close();
      }
    });

    test("on a runtime without Node's request (app.request, as Workers and Deno call fetch): a STATIC_CONFIG error naming @hono/node-server", async () => {
      const files = new StaticFiles({ roots: [root({ "css/app.css": "foo" })] });
      const app = new Hono();
      app.use("/static/*", serveStatic(files));
      let caught: unknown;
      app.onError((error, c) => {
        caught = error;
        return c.text("error", 500);
      });
      await app.request(files.url("css/app.css"));
      expect(caught).toMatchObject({ code: "STATIC_CONFIG", message: expect.stringContaining("@hono/node-server") });
    });

    test("served bytes are the file's, immutable, through Hono's Response", async () => {
      const big = Buffer.alloc(300_000, "0123456789abcdef");
      const files = new StaticFiles({ roots: [root({ "big.bin": big })] });
      const app: App = new Hono();
      app.use("/static/*", serveStatic(files));
      const server = await start(app);
      try {
        const res = await rawRequest(server.origin, files.url("big.bin"));
        expect([res.status, res.complete, res.body.equals(big), res.headers["cache-control"], res.headers["content-length"]]).toEqual([200, true, true, IMMUTABLE, "300000"]);
      } finally {
        await server.close();
      }
    });
  },
);
