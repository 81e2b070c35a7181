/** How long a worker call took and how it ended, for metrics. */
export type WorkerCallObserver = (kind: string, op: 'start' | 'stop', outcome: 'ok' | 'error', seconds: number) => void;

/** Runs a worker call and tells `observe` its duration and outcome (ok, or error when it throws). */
export async function timedCall<T>(observe: WorkerCallObserver | undefined, kind: string, op: 'start' | 'stop', call: () => Promise<T>): Promise<T> {
  const began = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - began) / 1e9;
  try {
    const value = await call();
    observe?.(kind, op, 'ok', seconds());
    return value;
  } catch (err) {
    observe?.(kind, op, 'error', seconds());
    throw err;
  }
}
