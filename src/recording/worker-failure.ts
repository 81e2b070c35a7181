import { reasonOf, type RecordingReason } from './reason';
import { WorkerError } from './workers/worker-states';

/** A worker failure in one line for logs and `worker_error` (at most 500 characters). */
export function describe(err: unknown): string {
  if (err instanceof WorkerError) return `${err.code}: ${err.message}`.slice(0, 500);
  if (err instanceof Error && err.name === 'TimeoutError') return `timeout: ${err.message}`.slice(0, 500);
  return `unexpected: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
}

/** Why a start failed: no recorder free, no answer in time, or the worker's refusal or failure. */
export function startFailure(err: unknown, described: string): RecordingReason {
  if (err instanceof WorkerError && err.code === 'unavailable') return reasonOf('no_recorder_available', described);
  if ((err instanceof WorkerError && err.code === 'timeout') || (err instanceof Error && err.name === 'TimeoutError')) return reasonOf('start_timeout', described);
  return reasonOf('start_failed', described);
}

export function workerDetail(op: 'start' | 'stop', err: unknown): string {
  if (err instanceof WorkerError) {
    if (err.code === 'unavailable') return `The recording could not ${op}: no recorder available.`;
    if (err.code === 'not_configured') return `The recording could not ${op}: ${err.message}`;
    if (err.code === 'timeout') return `The recording could not ${op}: the recording worker did not answer in time.`;
    if (err.code === 'unreachable') return `The recording could not ${op}: the recording worker is unreachable.`;
    return `The recording could not ${op}: the recording worker refused (${err.code}).`;
  }
  if (err instanceof Error && err.name === 'TimeoutError') return `The recording could not ${op}: the recording worker did not answer in time.`;
  return `The recording could not ${op}: the recording worker failed.`;
}
