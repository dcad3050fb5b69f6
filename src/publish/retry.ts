/** Attempts per request: the first and five retries. */
export const ATTEMPTS = 6;
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 10_000;

const RETRYABLE_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "TooManyRequests",
  "RequestTimeout",
  "RequestTimeTooSkewed",
  "InternalError",
  "ServiceUnavailable",
  "TimeoutError",
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
]);

/** Throttling, a 5xx, a timeout or a dropped connection: worth another attempt. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, code, $metadata, $retryable, message } = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    message?: string;
  };
  const status = $metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if ($retryable) return true;
  if ((name && RETRYABLE_CODES.has(name)) || (code && RETRYABLE_CODES.has(code))) return true;
  // Node's words for a connection the other side closed mid-request.
  return typeof message === "string" && /socket hang up|ECONNRESET|EPIPE|aborted/i.test(message);
}

/** Exponential backoff with full jitter: a random wait up to 100 ms, 200 ms, 400 ms, … capped at 10 s. */
export function backoffDelay(failedAttempts: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failedAttempts - 1)));
}

/** Runs `attempt` until it succeeds, a failure is not retryable, or ATTEMPTS are spent; rethrows the last failure. */
export async function withRetries<T>(attempt: (number: number) => Promise<T>, onRetry?: (error: unknown) => void): Promise<T> {
  for (let number = 1; ; number++) {
    try {
      return await attempt(number);
    } catch (error) {
      if (number >= ATTEMPTS || !isRetryable(error)) throw error;
      onRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(number)));
    }
  }
}
