// The conformance suite on Express 5 and on Express 4 (the `express4` alias), mounted at /static.
import { createServer } from "node:http";
import express5, { type NextFunction, type Request, type Response } from "express";
import express4 from "express4";
import { serveStatic } from "../../src/express.js";
import { close, listen } from "./http-client.js";
import { testServer } from "./conformance.js";

for (const [name, express] of [
  ["Express 5", express5],
  ["Express 4", express4 as unknown as typeof express5],
] as const) {
  testServer({
    name,
    otherMethodStatus: 404,
    async start(files, options) {
      const app = express();
      app.use("/static", serveStatic(files, options));
      app.use((_req, res) => void res.status(404).type("text/plain").send("app 404"));
      app.use((error: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(error.status ?? 500).type("text/plain").send(`refused ${error.status}`);
      });
      const server = createServer(app);
      const origin = await listen(server);
      return { origin, close: () => close(server) };
    },
  });
}
