// The conformance suite on Koa: the middleware with `prefix: "/static"`, and under koa-mount without one;
// and pages rendered through koa-views (Nunjucks) and a plain Handlebars render linking the files.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, relative } from "node:path";
import views from "@ladjs/koa-views";
import Handlebars from "handlebars";
import Koa from "koa";
import mount from "koa-mount";
import nunjucks from "nunjucks";
import { expect, test } from "vitest";
import { registerStatic } from "../src/handlebars.js";
import { StaticFiles } from "../src/index.js";
import serveStatic from "../src/koa.js";
import { useStatic } from "../src/nunjucks.js";
import { close, listen } from "./serve/http-client.js";
import { FOO, expectPageLinksImmutableCss, templateFolder, testServer } from "./conformance/servers.js";
import { thrown } from "./temp-folders.js";

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

async function start(app: Koa) {
  const server = createServer(app.callback());
  const origin = await listen(server);
  return { origin, close: () => close(server) };
}

type Files = Parameters<typeof serveStatic>[0];
for (const [name, install] of [
  ["Koa (prefix)", (app: Koa, files: Files, options: object) => app.use(serveStatic(files, { prefix: "/static", ...options }) as Koa.Middleware)],
  ["Koa (koa-mount)", (app: Koa, files: Files, options: object) => app.use(mount("/static", serveStatic(files, options) as Koa.Middleware))],
] as const) {
  testServer(
    {
      name,
      otherMethodStatus: 404,
      start: (files, options = {}) => start(appWith((app) => install(app, files, options))),
    },
    ({ root }) => {
      if (name !== "Koa (prefix)") return;

      test("koa-views rendering Nunjucks through an environment with useStatic: the page's URL is served immutable", async () => {
        const files = new StaticFiles({ roots: [root({ "css/app.css": "foo" })] });
        const folder = templateFolder();
        const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(folder), { autoescape: true });
        useStatic(env, files);
        const renderNunjucks = (file: string, locals: object) =>
          new Promise<string>((resolve, reject) => env.render(relative(folder, file), locals, (error, html) => (error ? reject(error) : resolve(html!))));
        const server = await start(
          appWith((app) => {
            app.use(views(folder, { map: { njk: "nunjucks" }, engineSource: { nunjucks: renderNunjucks } }) as Koa.Middleware);
            app.use(serveStatic(files) as Koa.Middleware);
            app.use(async (ctx, next) => (ctx.path === "/" ? (ctx as unknown as { render(view: string, locals: object): Promise<void> }).render("page.njk", { title: "Home" }) : next()));
          }),
        );
        try {
          await expectPageLinksImmutableCss(server.origin, "/", `/static/css/app.css?${FOO}`);
        } finally {
          await server.close();
        }
      });

      test("a plain Handlebars render in Koa, filename mode, the middleware reading paths relative to baseUrl", async () => {
        const files = new StaticFiles({ roots: [root({ "css/app.css": "foo" })], mode: "filename", baseUrl: "/assets/" });
        const hb = Handlebars.create();
        registerStatic(hb, files);
        const page = hb.compile(readFileSync(join(templateFolder(), "page.hbs"), "utf8"));
        const server = await start(
          appWith((app) => {
            app.use(serveStatic(files) as Koa.Middleware);
            app.use(async (ctx, next) => {
              if (ctx.path !== "/") return next();
              ctx.type = "text/html";
              ctx.body = page({ title: "Home" });
            });
          }),
        );
        try {
          await expectPageLinksImmutableCss(server.origin, "/", `/assets/css/app.${FOO}.css`);
        } finally {
          await server.close();
        }
      });

      test("a bad prefix or option is STATIC_CONFIG", () => {
        expect(() => serveStatic({ roots: ["."] }, { prefix: "static" })).toThrow(expect.objectContaining({ code: "STATIC_CONFIG", message: expect.stringContaining('"/static"') }));
        expect(() => serveStatic({ roots: ["."] }, { root: "x" } as never)).toThrow(/^Unknown static-hash\/koa serveStatic option `root`; the options are fallthrough, maxAge, index, compression, prefix\.$/);
      });

      test("options go through the core's option checker: did you mean, and a wrongly typed value", () => {
        expect(thrown(() => serveStatic({ roots: ["."] }, { prefx: "/static" } as never))).toMatchObject({ code: "STATIC_CONFIG", message: "Unknown static-hash/koa serveStatic option `prefx`: did you mean `prefix`?" });
        expect(thrown(() => serveStatic({ roots: ["."] }, { maxAge: "1y" } as never))).toMatchObject({
          code: "STATIC_CONFIG",
          message: 'static-hash/koa serveStatic option `maxAge` must be a number of milliseconds, 0 to one year; got "1y".',
        });
        expect(thrown(() => serveStatic({ roots: ["."] }, { fallthrough: "no" } as never)).message).toBe('static-hash/koa serveStatic option `fallthrough` must be true or false; got "no".');
      });
    },
  );
}
