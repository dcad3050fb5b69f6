/** Writing the core's answers to node's ServerResponse (plain http, Express, and the raw response of other servers). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { STATUS_TEXT, plain, type ServeRequest, type ServeResult } from "./core.js";

/** The core's view of a node request; `url` as given (the adapter decides what is relative to what). */
export function nodeRequest(req: IncomingMessage, url = req.url ?? "/"): ServeRequest {
  return {
    method: req.method ?? "GET",
    url,
    header: (name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** Sends a response; a body stream that fails midway (bytes that stopped matching) cuts the connection. */
export function sendNodeResponse(res: ServerResponse, result: ServeResult & { kind: "send" }): void {
  res.statusCode = result.status;
  for (const [name, value] of Object.entries(result.headers)) {
    // The app may have chosen its own Content-Type before: keep it, as serve-static does.
    if (name === "Content-Type" && res.getHeader("Content-Type") !== undefined && result.status < 300) continue;
    res.setHeader(name, value);
  }
  const { body } = result;
  if (body === undefined || Buffer.isBuffer(body)) return void res.end(body);
  pipeBody(body, res);
}

/** Pipes a checked body into `res`, destroying the response if the body errors (a cut response, which no cache keeps). */
export function pipeBody(body: Readable, res: ServerResponse): void {
  body.once("error", () => res.destroy());
  res.once("close", () => body.destroy());
  body.pipe(res);
}

/** Answers a refusal or failure directly: a short plain-text body, no other header but `Allow` on a 405. */
export function answerNode(res: ServerResponse, status: number): void {
  if (res.headersSent) return void res.destroy();
  for (const header of res.getHeaderNames()) res.removeHeader(header);
  sendNodeResponse(res, plain(status, status === 405 ? { Allow: "GET, HEAD" } : {}));
}

/** An error for a framework's error handler: status on it, and a stack that is only its message (development error pages print the stack). */
export function httpError(status: number, message: string, cause?: unknown): Error & { status: number; statusCode: number; expose: boolean } {
  const error = Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { status, statusCode: status, expose: status < 500 });
  error.stack = `${status < 500 ? "HttpError" : "Error"}: ${message}`;
  return error;
}

export { Readable, STATUS_TEXT };
