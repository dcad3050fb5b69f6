/**
 * How a file-system error while serving maps to a status: a file that vanished, loops or cannot be
 * reached is 404, one the server may not read is 403; anything else is the server's fault (500).
 * Messages name the request's static name, never an absolute path.
 */
const NOT_FOUND: ReadonlySet<string> = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG", "ELOOP", "EISDIR", "ENXIO", "ENODEV", "ESTALE"]);
const FORBIDDEN: ReadonlySet<string> = new Set(["EACCES", "EPERM"]);

export function statusOfFileError(error: unknown): 403 | 404 | 500 {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? "";
  if (NOT_FOUND.has(code)) return 404;
  if (FORBIDDEN.has(code)) return 403;
  return 500;
}

/** True for an error that means "no such file here" (try the next root). */
export function isFileAbsent(error: unknown): boolean {
  return statusOfFileError(error) === 404;
}
