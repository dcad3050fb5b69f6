// An HTTP proxy between publish and s3rver that logs every request and injects faults on demand:
// 503 SlowDown, connections dropped before or after the store saw the request, delayed answers.
// It reads each request body whole before forwarding: S3 stores a PUT atomically, s3rver writes
// in place, and a client killed mid-body must not leave a torn object behind the store's back.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What to do with one request. */
export type Fault =
  | "pass"
  /** Answer 503 SlowDown without forwarding. */
  | "slowdown"
  /** Answer 500 InternalError without forwarding. */
  | "internal-error"
  /** Close the connection without forwarding and without an answer. */
  | "drop-before"
  /** Forward (the store does the work), then close the connection instead of answering. */
  | "drop-after"
  /** Forward after this many ms. */
  | { readonly delayMs: number };

export interface LoggedRequest {
  readonly method: string;
  /** The key, decoded, without the bucket: `css/app.css`; "" for bucket-level requests. */
  readonly key: string;
  readonly query: string;
  readonly fault: string;
  /** The store's status, or 0 when the proxy answered or dropped. */
  status: number;
  /** When the store's answer reached the proxy (ms since the proxy started), or -1. */
  answeredAt: number;
  readonly receivedAt: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly log: LoggedRequest[];
  /**
   * Rewrites the ETag of listed objects from now on (`undefined` keeps it), to show publish what S3
   * lists for a multipart object (`"<md5 of the parts' md5s>-<parts>"`), which s3rver does not.
   */
  setListedEtags(rewrite: ((key: string, etag: string) => string | undefined) | undefined): void;
  /** Decides every request from now on. */
  setFaults(decide: (request: { method: string; key: string; query: string }) => Fault): void;
  close(): Promise<void>;
}

const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`;
const ANSWERS = {
  slowdown: [503, errorXml("SlowDown", "Please reduce your request rate.")],
  "internal-error": [500, errorXml("InternalError", "We encountered an internal error. Please try again.")],
} as const;

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const started = performance.now();
  const log: LoggedRequest[] = [];
  let decide: Parameters<FaultProxy["setFaults"]>[0] = () => "pass";
  let rewriteEtag: Parameters<FaultProxy["setListedEtags"]>[0];

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    // Path-style: /<bucket>/<key>
    const key = decodeURIComponent(url.pathname.split("/").slice(2).join("/"));
    const query = url.search.slice(1);
    const method = req.method ?? "GET";
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away mid-body: nothing reaches the store
    }
    if (req.destroyed && !req.complete) return;
    const fault = decide({ method, key, query });
    const entry: LoggedRequest = {
      method,
      key,
      query,
      fault: typeof fault === "string" ? fault : `delay ${fault.delayMs} ms`,
      status: 0,
      answeredAt: -1,
      receivedAt: performance.now() - started,
    };
    log.push(entry);
    if (fault === "slowdown" || fault === "internal-error") {
      const [status, body] = ANSWERS[fault];
      res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (fault === "drop-before") {
      req.socket.destroy();
      return;
    }
    if (typeof fault === "object") await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (res.destroyed) return;
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method, path: req.url, headers: req.headers },
      (answer) => {
        const body: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => body.push(chunk));
        answer.on("end", () => {
          entry.status = answer.statusCode ?? 0;
          entry.answeredAt = performance.now() - started;
          if (fault === "drop-after") {
            req.socket.destroy();
            return;
          }
          if (res.destroyed) return;
          let payload = Buffer.concat(body);
          if (rewriteEtag && method === "GET" && query.includes("list-type=2")) payload = Buffer.from(rewriteListing(payload.toString("utf8"), rewriteEtag));
          res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "content-length": String(payload.length) });
          res.end(payload);
        });
      },
    );
    forward.on("error", () => req.socket.destroy());
    forward.end(Buffer.concat(chunks));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    setListedEtags(rewrite) {
      rewriteEtag = rewrite;
    },
    setFaults(next) {
      decide = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Applies `rewrite` to the ETag of each `<Contents>` of a ListObjectsV2 answer. */
function rewriteListing(xml: string, rewrite: (key: string, etag: string) => string | undefined): string {
  return xml.replace(/<Contents>([\s\S]*?)<\/Contents>/g, (contents: string) => {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(contents)?.[1] ?? "";
    return contents.replace(/<ETag>(?:&quot;|")?([^<&"]*)(?:&quot;|")?<\/ETag>/, (tag, etag: string) => {
      const next = rewrite(key, etag);
      return next === undefined ? tag : `<ETag>&quot;${next}&quot;</ETag>`;
    });
  });
}
