/** Raw HTTP on 127.0.0.1 for serving tests: the path is sent exactly as given, nothing normalises it. */
import { request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** False when the connection ended before the whole body arrived (a withheld response). */
  complete: boolean;
}

/** Starts `server` on 127.0.0.1 on a free port and returns its origin, `http://127.0.0.1:<port>`. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Sends one request with `path` written into the request line as is. */
export function rawRequest(origin: string, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const { port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: Number(port), path, method: options.method ?? "GET", headers: options.headers, agent: false });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let failed = false;
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("aborted", () => (failed = true));
      res.on("error", () => (failed = true));
      res.on("close", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete && !failed }));
    });
    req.on("error", reject);
    req.end();
  });
}
