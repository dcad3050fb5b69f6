/**
 * A compressed variant as the response: its own ETag, `Content-Encoding`, `Vary`, and the conditional
 * requests of RFC 9110 (section 13.2.2) answered against that ETag, so a 304 is per encoding.
 */
import mime from "mime-types";
import { checkedStream } from "./body.js";
import type { Variant } from "./compression.js";
import { evaluatePreconditions, type HeaderReader } from "./conditional.js";
import type { ServeResult } from "./core.js";

/** The response for `variant` (headers only for HEAD); a variant held in an open file is streamed, checked for its length, and closed. */
export function variantResponse(request: { readonly method: string; readonly header: HeaderReader }, variant: Variant, cacheControl: string): ServeResult {
  const handle = Buffer.isBuffer(variant.body) ? undefined : variant.body.handle;
  const close = () => void handle?.close().catch(() => undefined);
  const headers: Record<string, string> = {
    "Cache-Control": cacheControl,
    ETag: variant.etag,
    "Last-Modified": variant.lastModified.toUTCString(),
    Vary: "Accept-Encoding",
  };
  const status = evaluatePreconditions(request.method, request.header, {
    etag: variant.etag,
    lastModified: headers["Last-Modified"],
    mtimeMs: variant.lastModified.getTime(),
  });
  if (status === 412) {
    close();
    const body = Buffer.from("Precondition Failed\n");
    return { kind: "send", status, headers: { Vary: headers.Vary, "Content-Type": "text/plain; charset=utf-8", "Content-Length": String(body.length) }, body };
  }
  if (status === 304) {
    close();
    return { kind: "send", status, headers, body: undefined };
  }
  const type = mime.contentType(variant.name.slice(variant.name.lastIndexOf("/") + 1));
  Object.assign(headers, { "Content-Type": type || "application/octet-stream", "Content-Encoding": variant.encoding, "Content-Length": String(variant.size) });
  if (request.method === "HEAD" || variant.size === 0) {
    close();
    return { kind: "send", status: 200, headers, body: request.method === "HEAD" ? undefined : Buffer.alloc(0) };
  }
  if (Buffer.isBuffer(variant.body)) return { kind: "send", status: 200, headers, body: variant.body };
  // A short or grown read errors the stream, and the adapter cuts the response rather than end it early.
  return { kind: "send", status: 200, headers, body: checkedStream({ handle: variant.body.handle }, 0, variant.size - 1) };
}
