import { PublishError } from "./errors.js";

/** Where objects go: a bucket and a key prefix that is empty or ends in `/`. */
export interface Destination {
  readonly bucket: string;
  readonly prefix: string;
}

// S3's bucket naming rules, loosely: other S3-compatible stores accept a little more (upper case, underscores).
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{2,254}$/;

/** Parses `s3://bucket[/prefix]`; the prefix is taken as a folder (`s3://b/static` -> `static/`). */
export function parseDestination(to: unknown): Destination {
  if (typeof to !== "string" || !to.startsWith("s3://")) {
    throw new PublishError("PUBLISH_CONFIG", `The destination must be s3://<bucket>[/<prefix>], as in s3://assets/static/; got ${JSON.stringify(to)}.`);
  }
  const rest = to.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (bucket === "") throw new PublishError("PUBLISH_CONFIG", `The destination ${to} names no bucket: write s3://<bucket>[/<prefix>], as in s3://assets/static/.`);
  if (!BUCKET.test(bucket)) {
    throw new PublishError("PUBLISH_CONFIG", `The destination ${to} has an invalid bucket name ${JSON.stringify(bucket)}: a bucket name is 3 to 63 letters, digits, dots and hyphens.`);
  }
  const segments = (slash === -1 ? "" : rest.slice(slash + 1)).split("/").filter((segment) => segment !== "");
  if (segments.some((segment) => segment === "." || segment === "..")) {
    throw new PublishError("PUBLISH_CONFIG", `The destination ${to} has a "." or ".." in its prefix: write the prefix as plain folder names.`);
  }
  return { bucket, prefix: segments.length === 0 ? "" : segments.join("/") + "/" };
}
