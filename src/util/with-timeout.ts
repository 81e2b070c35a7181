export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Rejects with TimeoutError when `promise` takes longer than `ms`; otherwise settles as it does,
 * with its own rejection untouched: callers classify it by name and cause (livekit-errors.ts
 * reads fetch's TypeError and the Node error under it), so it is not rewrapped. The work behind
 * `promise` is not cancelled; a caller that needs it stopped gives it its own signal or timeout.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
