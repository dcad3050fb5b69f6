/** Every code a `StaticFileError` can carry. */
export type StaticFileErrorCode =
  | "STATIC_NOT_FOUND"
  | "STATIC_OUTSIDE_ROOT"
  | "STATIC_INVALID_NAME"
  | "STATIC_MANIFEST"
  | "STATIC_CONFIG";

/** The one error type of static-hash: `code` says what went wrong, `asset` which name was asked for. */
export class StaticFileError extends Error {
  readonly code: StaticFileErrorCode;
  readonly asset: string | undefined;

  constructor(code: StaticFileErrorCode, message: string, options: { asset?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StaticFileError";
    this.code = code;
    this.asset = options.asset;
  }
}

export function isStaticFileError(error: unknown): error is StaticFileError {
  return error instanceof StaticFileError;
}

/** Printable form of whatever was passed as a name, for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * The same error with where it happened in front of its message (`in "page.njk", line 3: …`), so an
 * adapter can say which template asked. A `StaticFileError` keeps its code and asset.
 */
export function withLocation(error: unknown, where: string): Error {
  if (error instanceof StaticFileError) {
    return new StaticFileError(error.code, `${where}: ${error.message}`, { asset: error.asset, cause: error.cause ?? error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${where}: ${message}`, { cause: error });
}
