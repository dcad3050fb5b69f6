// The conformance suite on Fastify: the plugin registered with `prefix: "/static/"`, the app's own not-found handler beside it.
import Fastify from "fastify";
import serveStatic, { acceptAbsoluteForm } from "../../src/fastify.js";
import { testServer } from "./conformance.js";

testServer({
  name: "Fastify",
  otherMethodStatus: 404,
  async start(files, options) {
    const app = Fastify({ rewriteUrl: acceptAbsoluteForm });
    app.setNotFoundHandler((_request, reply) => reply.code(404).type("text/plain").send("app 404"));
    await app.register(serveStatic, { files, prefix: "/static/", ...options });
    const origin = await app.listen({ port: 0, host: "127.0.0.1" });
    return { origin, close: () => app.close() };
  },
});
