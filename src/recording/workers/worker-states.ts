import type { WorkerKind } from '../../config/config';

/** What a worker's stop did: the recording was stopped cleanly, or the worker had already given up on it. */
export type StopOutcome = 'stopped' | 'aborted';

/** What a worker says about a recording it was asked about later (used by reconciliation). */
export type WorkerState =
  | { state: 'starting' | 'active' }
  | { state: 'ended'; outcome: 'complete' | 'limit_reached' }
  | { state: 'failed' | 'aborted'; error?: string }
  | { state: 'unknown' };

export type WorkerErrorCode =
  | 'not_configured' // the worker kind has no settings
  | 'unreachable' // connection refused / DNS / reset
  | 'timeout' // no answer in time
  | 'rejected' // the worker answered with an error (Twirp error, HTTP 4xx/5xx)
  | 'invalid_response' // the answer did not carry what we need (e.g. no egress id)
  | 'unavailable' // no instance free to take the job (Jibri pool exhausted)
  | 'not_found'; // the worker does not know this job

/** The only error a WorkerService may throw: callers map it to 502 and a failed status. */
export class WorkerError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    readonly kind?: WorkerKind,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}
