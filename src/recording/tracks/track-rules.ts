import type { TrackEgressState } from '../workers/participant-tracks';

/** What the reconciler does about a pending track file whose object is not in storage (yet). */
export type TrackDecision = 'wait' | 'stop' | 'fail';

export interface PendingTrackView {
  /** The recording still records (status `initiated` or `active`): its track egresses are meant to run. */
  live: boolean;
  /** Its egress id was recorded (the start answered). */
  hasEgress: boolean;
  /** What LiveKit says of that egress; undefined when it does not know it. */
  egress: TrackEgressState | undefined;
  /** How long since the file last changed. */
  idleMs: number;
  /** RECONCILE_STOPPED_GRACE_MS: how long a file may take to land once its egress is over. */
  graceMs: number;
  nowMs: number;
}

/**
 * The rules for one pending track, pure so they read in one place: a running egress of a
 * recording that no longer records is stopped; an egress that failed or was aborted wrote no
 * file; one that ended, or one LiveKit never heard of, gets its grace, then the file is failed.
 */
export function decideForTrack(t: PendingTrackView): TrackDecision {
  const overdue = (sinceMs: number) => sinceMs > t.graceMs;
  if (!t.hasEgress || !t.egress || t.egress.state.state === 'unknown') return overdue(t.idleMs) ? 'fail' : 'wait';
  switch (t.egress.state.state) {
    case 'starting':
    case 'active':
      return t.live ? 'wait' : 'stop';
    case 'failed':
    case 'aborted':
      return 'fail';
    case 'ended':
      return overdue(t.egress.endedAtMs !== null ? t.nowMs - t.egress.endedAtMs : t.idleMs) ? 'fail' : 'wait';
  }
}
