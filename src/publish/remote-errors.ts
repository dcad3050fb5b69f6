/** What the storage or the network said, as a short reason: `SlowDown (503)`, `ECONNREFUSED`. */
export function reasonOf(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { name, code, message, $metadata } = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  const label = code ?? (name && name !== "Error" ? name : undefined) ?? message ?? "unknown error";
  const detail = message && message !== label && !/^UnknownError$/.test(message) ? `: ${firstLine(message)}` : "";
  return `${label}${status ? ` (${status})` : ""}${detail}`;
}

function firstLine(text: string): string {
  const line = text.split("\n")[0].trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

const CREDENTIALS = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired"]);
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "TimeoutError", "ECONNRESET"]);

/**
 * The one line for a failure of the first request (the listing), which is where a wrong bucket,
 * wrong credentials or a wrong endpoint show: what happened and what to fix.
 */
export function describeListingFailure(error: unknown, where: { bucket: string; endpoint?: string }): string {
  const { name, code, message, $metadata } = (error ?? {}) as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const id = code ?? name ?? "";
  const server = where.endpoint ?? "AWS S3";
  if (id === "NoSuchBucket") return `The bucket ${where.bucket} does not exist at ${server}: create it, or fix the bucket name in s3://${where.bucket}/.`;
  if (CREDENTIALS.has(id)) {
    return `${server} refused the credentials (${id}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to a key of that store that may write to ${where.bucket}.`;
  }
  if (id === "CredentialsProviderError" || /Could not load credentials/i.test(message ?? "")) {
    return `No credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an instance or container role is available.`;
  }
  if (id === "AccessDenied" || $metadata?.httpStatusCode === 403) {
    return `${server} denied access to ${where.bucket} (${id || "403"}): give these credentials s3:ListBucket, s3:PutObject (and s3:DeleteObject for --delete-older-than) on the bucket.`;
  }
  if (id === "PermanentRedirect" || id === "AuthorizationHeaderMalformed" || $metadata?.httpStatusCode === 301) {
    return `The bucket ${where.bucket} is in another region (${id || "301"}): pass --region with the bucket's region.`;
  }
  if (/Region is missing/i.test(message ?? "")) return `No region: pass --region (or set AWS_REGION).`;
  const errno = (error as { code?: string; cause?: { code?: string } })?.cause?.code;
  if (UNREACHABLE.has(id) || (errno && UNREACHABLE.has(errno))) {
    return `Cannot reach ${server} (${errno ?? id}): check --endpoint and that the server is running and reachable.`;
  }
  return `Listing s3://${where.bucket}/ at ${server} failed: ${reasonOf(error)}.`;
}
