/** A request URL split into the static name it asks for and its query, or why it is refused. */
export type RequestPath =
  | { readonly ok: true; readonly name: string; readonly query: string | undefined }
  | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

const PERCENT = /%(?![0-9a-fA-F]{2})/;
// After decoding, a segment may not smuggle a separator, a NUL or any other control character.
const FORBIDDEN_DECODED = /[/\\\u0000-\u001f\u007f]/;

/**
 * Maps a request URL (`/css/app.css?4e1243`, relative to the mount point) to a static name.
 * Each segment is percent-decoded exactly once; anything that could climb out of the roots or
 * mean two things is refused: `.`/`..` (raw or encoded), `\`, NUL and controls, an encoded `/`,
 * invalid percent-encoding or UTF-8 (overlong `%c0%ae` included) -> 400; an empty segment
 * (`//etc/passwd`), a dotfile or a directory (trailing `/`) -> 404.
 */
export function parseRequestPath(url: string): RequestPath {
  const queryAt = url.indexOf("?");
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? undefined : url.slice(queryAt + 1);
  if (!pathname.startsWith("/")) return refuse(400, "the path does not start with /");
  if (pathname.includes("\\")) return refuse(400, "the path contains a backslash");
  const segments = pathname.slice(1).split("/");
  const names: string[] = [];
  for (const segment of segments) {
    if (segment === "") return refuse(404, "the path has an empty segment or names a directory");
    if (PERCENT.test(segment)) return refuse(400, "the path has invalid percent-encoding");
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return refuse(400, "the path is not valid UTF-8 once decoded");
    }
    if (decoded === "." || decoded === "..") return refuse(400, "the path has a . or .. segment");
    if (FORBIDDEN_DECODED.test(decoded)) return refuse(400, "a path segment decodes to a separator or control character");
    if (decoded.startsWith(".")) return refuse(404, "dotfiles are not served");
    names.push(decoded);
  }
  return { ok: true, name: names.join("/"), query };
}

// RFC 9112 3.2.2: `scheme://authority` before the path (proxies send it; Express keeps it after a mount path).
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/** The origin form of a request target: `http://host/static/x.css?1` -> `/static/x.css?1`; other targets as they are. */
export function originFormOf(target: string): string {
  const origin = ABSOLUTE_FORM.exec(target);
  if (!origin) return target;
  const rest = target.slice(origin[0].length);
  return rest.startsWith("/") ? rest : "/" + rest;
}

function refuse(status: 400 | 404, reason: string): RequestPath {
  return { ok: false, status, reason };
}
