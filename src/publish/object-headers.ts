import mime from "mime-types";

/** Served as is forever: the name changes whenever the bytes do. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Revalidated on every use: the name stays while the bytes change. */
export const REVALIDATE = "no-cache";

/** `Content-Type` from the name's extension, with `charset=utf-8` for text types; unknown is `application/octet-stream`. */
export function contentTypeOf(name: string): string {
  const base = name.slice(name.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return "application/octet-stream";
  return mime.contentType(base.slice(dot)) || "application/octet-stream";
}
