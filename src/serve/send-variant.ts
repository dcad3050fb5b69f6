/**
 * Writes a compressed variant as the response: its own ETag, `Content-Encoding`, `Vary`, and the
 * conditional requests of RFC 9110 (section 13.2.2) answered against that ETag, so a 304 is per encoding.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import mime from "mime-types";
import type { Variant } from "./compression.js";

/** Sends `variant` (headers only for HEAD), then closes its file if it has one. */
export function sendVariant(req: IncomingMessage, res: ServerResponse, variant: Variant, cacheControl: string): void {
  const handle = Buffer.isBuffer(variant.body) ? undefined : variant.body.handle;
  const close = () => void handle?.close().catch(() => undefined);
  const headers: Record<string, string | number> = {
    "Cache-Control": cacheControl,
    ETag: variant.etag,
    "Last-Modified": variant.lastModified.toUTCString(),
    Vary: varyWith(res.getHeader("Vary")),
  };
  const status = conditionalStatus(req, variant);
  if (status !== 200) {
    close();
    if (status === 412) {
      res.writeHead(412, { Vary: headers.Vary, "Content-Type": "text/plain; charset=utf-8", "Content-Length": 20 });
      return void res.end("Precondition Failed\n");
    }
    res.writeHead(304, headers);
    return void res.end();
  }
  const type = mime.contentType(variant.name.slice(variant.name.lastIndexOf("/") + 1));
  res.writeHead(200, { ...headers, "Content-Type": type || "application/octet-stream", "Content-Encoding": variant.encoding, "Content-Length": variant.size });
  if (req.method === "HEAD") {
    close();
    return void res.end();
  }
  if (Buffer.isBuffer(variant.body)) return void res.end(variant.body);
  const stream = variant.body.handle.createReadStream({ start: 0, end: Math.max(0, variant.size - 1), autoClose: true });
  let sent = 0;
  stream.on("data", (chunk: Buffer | string) => (sent += chunk.length));
  // A short or failed read must not look like a whole response: end the connection instead.
  stream.on("error", () => res.destroy());
  stream.on("end", () => sent !== variant.size && variant.size > 0 && res.destroy());
  res.on("close", () => stream.destroy());
  if (variant.size === 0) {
    stream.destroy();
    return void res.end();
  }
  stream.pipe(res);
}

/** `Accept-Encoding` added to a `Vary` value already set (by the application, say). */
export function varyWith(existing: number | string | readonly string[] | undefined): string {
  const fields = (Array.isArray(existing) ? existing.join(",") : String(existing ?? "")).split(",").map((field) => field.trim()).filter(Boolean);
  if (fields.includes("*") || fields.some((field) => field.toLowerCase() === "accept-encoding")) return fields.join(", ");
  return [...fields, "Accept-Encoding"].join(", ");
}

/** 412, 304 or 200, by the preconditions in RFC 9110's order. */
function conditionalStatus(req: IncomingMessage, variant: Variant): 200 | 304 | 412 {
  const ifMatch = req.headers["if-match"];
  const ifNoneMatch = req.headers["if-none-match"];
  const modified = Math.floor(variant.lastModified.getTime() / 1000);
  if (ifMatch !== undefined) {
    if (!matches(ifMatch, variant.etag)) return 412;
  } else {
    const since = dateOf(req.headers["if-unmodified-since"]);
    if (since !== undefined && modified > since) return 412;
  }
  if (ifNoneMatch !== undefined) return matches(ifNoneMatch, variant.etag) ? 304 : 200;
  const since = dateOf(req.headers["if-modified-since"]);
  return since !== undefined && modified <= since ? 304 : 200;
}

/** Whether a list of entity tags names `etag` (`*` names any); weak and strong tags compare by their opaque part. */
function matches(list: string, etag: string): boolean {
  if (list.trim() === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return list.split(",").some((tag) => opaque(tag) === opaque(etag));
}

function dateOf(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const time = Date.parse(header);
  return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
}
