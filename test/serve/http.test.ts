// The conformance suite on a plain node `http` server: the middleware is the request listener.
import { createServer } from "node:http";
import { serveStatic } from "../../src/express.js";
import { close, listen } from "./http-client.js";
import { testServer } from "../conformance/servers.js";

testServer({
  name: "node:http",
  otherMethodStatus: 404,
  async start(files, options) {
    const serve = serveStatic(files, options);
    // Without next, the middleware answers refusals itself; the app's own 404 stands in for fallthrough.
    const server = createServer((req, res) => {
      serve(req, res, options?.fallthrough === false ? undefined : () => {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("app 404");
      });
    });
    await listen(server);
    return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => close(server) };
  },
});
