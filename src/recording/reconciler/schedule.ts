import type { RecordingStatus } from '../status';

export interface ReconcileSettings {
  /** RECONCILE_INTERVAL_MS: how often live recordings are checked (max duration, lost webhooks). */
  intervalMs: number;
  /** RECONCILE_STOPPED_GRACE_MS: how long a stopped recording may wait for its storage event. */
  stoppedGraceMs: number;
  /** RECONCILE_INITIATED_GRACE_MS: added to a start's own deadline before the reconciler may judge it. */
  initiatedGraceMs: number;
}

/** Longest wait between two looks at a recording that does not settle. */
export const MAX_BACKOFF_MS = 3600_000;

/**
 * When the reconciler should next look at a recording that just entered `status`, in ms from
 * now; null when nothing can happen to it any more. `initiated` is not here: its first look is
 * the start's lease (see RecordingService.start), never earlier.
 */
export function reconcileDelayMs(status: RecordingStatus, s: ReconcileSettings): number | null {
  switch (status) {
    case 'active':
      return s.intervalMs;
    case 'stopped':
      return s.stoppedGraceMs;
    case 'failed_to_stop':
      // The stop failed just now: try again at the next pass, not at once.
      return s.intervalMs;
    case 'failed_to_start':
      // A start that timed out may still have reached the worker: look once for a late job.
      return s.initiatedGraceMs;
    default:
      return null;
  }
}

/** Exponential backoff for a recording the reconciler could not settle: interval * 2^attempts, capped. */
export function backoffMs(attempts: number, intervalMs: number): number {
  return Math.min(MAX_BACKOFF_MS, Math.max(1, intervalMs) * 2 ** Math.min(attempts, 20));
}
