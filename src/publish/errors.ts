/** Why `publish()` refused to start; the message says what to fix. */
export type PublishErrorCode =
  /** An option is wrong (the destination, a number): a usage error, exit 2 on the command line. */
  | "PUBLISH_CONFIG"
  /** The folder, or its staticfiles.json, is missing or unreadable. */
  | "PUBLISH_FOLDER"
  /** `@aws-sdk/client-s3` (or `@aws-sdk/lib-storage`) is not installed. */
  | "PUBLISH_SDK_MISSING";

/** Thrown by `publish()` before anything is sent: nothing was uploaded or deleted. */
export class PublishError extends Error {
  readonly code: PublishErrorCode;

  constructor(code: PublishErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PublishError";
    this.code = code;
  }
}
