/** How a kind of job is retried: `maxAttempts` in all, waiting base * 2^(attempt-1) (capped, ±20%) between them. */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** Exponential backoff with jitter: base * 2^(attempt-1), capped, +/-20%. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jitter = 0.8 + random() * 0.4;
  return Math.max(1, Math.round(Math.min(maxMs, exp * jitter)));
}

/** An error as a short line for `last_error` and logs, without any address that may be quoted in it. */
export function scrubError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/[^\s<>"'@]+@[^\s<>"']+/g, '[address]').slice(0, 500);
}
