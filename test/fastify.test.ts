// The conformance suite on Fastify: the plugin registered with `prefix: "/static/"`, the app's own
// not-found handler beside it; and pages rendered by @fastify/view (Nunjucks, Handlebars) linking the files.
import fastifyView from "@fastify/view";
import Fastify from "fastify";
import Handlebars from "handlebars";
import nunjucks from "nunjucks";
import { expect, test } from "vitest";
import serveStatic, { acceptAbsoluteForm } from "../src/fastify.js";
import { registerStatic } from "../src/handlebars.js";
import { StaticFiles } from "../src/index.js";
import { useStatic } from "../src/nunjucks.js";
import { FOO, IMMUTABLE, expectPageLinksImmutableCss, templateFolder, testServer } from "./conformance/servers.js";
import { rawRequest } from "./serve/http-client.js";

testServer(
  {
    name: "Fastify",
    otherMethodStatus: 404,
    async start(files, options) {
      const app = Fastify({ rewriteUrl: acceptAbsoluteForm });
      app.setNotFoundHandler((_request, reply) => reply.code(404).type("text/plain").send("app 404"));
      await app.register(serveStatic, { files, prefix: "/static/", ...options });
      const origin = await app.listen({ port: 0, host: "127.0.0.1" });
      return { origin, close: () => app.close() };
    },
  },
  ({ root }) => {
    async function listen(app: ReturnType<typeof Fastify>) {
      return { origin: await app.listen({ port: 0, host: "127.0.0.1" }), close: () => app.close() };
    }

    test("@fastify/view with Nunjucks: onConfigure adds the tags, the page's URL is served immutable", async () => {
      const files = new StaticFiles({ roots: [root({ "css/app.css": "foo" })] });
      const app = Fastify();
      await app.register(fastifyView, { engine: { nunjucks }, root: templateFolder(), options: { onConfigure: (env: nunjucks.Environment) => useStatic(env, files) } });
      await app.register(serveStatic, { files, prefix: "/static/" });
      app.get("/", (_request, reply) => reply.view("page.njk", { title: "Home" }));
      const server = await listen(app);
      try {
        await expectPageLinksImmutableCss(server.origin, "/", `/static/css/app.css?${FOO}`);
      } finally {
        await server.close();
      }
    });

    test("@fastify/view with a Handlebars instance: registerStatic on it, filename mode", async () => {
      const files = new StaticFiles({ roots: [root({ "css/app.css": "foo" })], mode: "filename" });
      const hb = Handlebars.create();
      registerStatic(hb, files);
      const app = Fastify();
      await app.register(fastifyView, { engine: { handlebars: hb }, root: templateFolder() });
      await app.register(serveStatic, { files });
      app.get("/", (_request, reply) => reply.view("page.hbs", { title: "Home" }));
      const server = await listen(app);
      try {
        await expectPageLinksImmutableCss(server.origin, "/", `/static/css/app.${FOO}.css`);
      } finally {
        await server.close();
      }
    });

    test("encapsulation: the plugin's routes and not-found handling stay in the context it is registered in", async () => {
      const files = new StaticFiles({ roots: [root({ "css/app.css": "foo" })] });
      const app = Fastify();
      app.setNotFoundHandler((_request, reply) => reply.code(404).type("text/plain").send("root 404"));
      // Inside a context registered at /assets, the plugin serves under that prefix.
      await app.register(
        async (child) => {
          child.setNotFoundHandler((_request, reply) => reply.code(404).type("text/plain").send("child 404"));
          await child.register(serveStatic, { files });
        },
        { prefix: "/assets" },
      );
      const server = await listen(app);
      try {
        const hit = await rawRequest(server.origin, `/assets/css/app.css?${FOO}`);
        expect([hit.status, hit.body.toString(), hit.headers["cache-control"]]).toEqual([200, "foo", IMMUTABLE]);
        expect((await rawRequest(server.origin, "/assets/nope.css")).body.toString()).toBe("child 404");
        // Nothing leaks to the parent: the default path of baseUrl is not served there.
        expect((await rawRequest(server.origin, "/static/css/app.css")).body.toString()).toBe("root 404");
      } finally {
        await server.close();
      }
    });

    test("registering without files, or with an unknown option, is STATIC_CONFIG", async () => {
      await expect(Fastify().register(serveStatic, {} as never).ready()).rejects.toMatchObject({ code: "STATIC_CONFIG", message: expect.stringContaining("fastify.register(serveStatic, { files") });
      await expect(Fastify().register(serveStatic, { files: { roots: ["."] }, maxage: 1 } as never).ready()).rejects.toMatchObject({ code: "STATIC_CONFIG", message: expect.stringContaining("`maxage`") });
    });
  },
);

