// Worker thread of `StaticFiles.warm()`: digests each batch of files it is sent and posts the results back.
import { parentPort } from "node:worker_threads";
import { digestBatch, type WarmBatch } from "./warm.js";

parentPort!.on("message", ({ id, files, algorithm }: WarmBatch) => {
  parentPort!.postMessage({ id, digests: digestBatch(files, algorithm) });
});
