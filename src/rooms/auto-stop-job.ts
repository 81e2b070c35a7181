import type { Job, JobHandler, JobOutcome } from '../jobs/job';
import { scrubError } from '../jobs/retry';
import { childLogger } from '../logging/logger';
import { RecordingError } from '../recording/errors';
import type { Recording } from '../recording/recording';
import { reasonOf, type RecordingReason } from '../recording/reason';
import type { RoomStore } from './store/room-store';
import { AUTO_STOP_KIND, type AutoStopPayload } from './room-job-kinds';

const log = childLogger('rooms');

export type AutoStopOutcome = 'stopped' | 'failed';

export interface AutoStopDeps {
  rooms: RoomStore;
  liveRecording(room: string): Promise<Recording | null>;
  /** Stops the recording's worker and records how it ended and why, as stop-recording does (RecordingMediator.stop). */
  stop(recording: Recording, why: RecordingReason): Promise<Recording>;
  graceMs: number;
  onOutcome?(outcome: AutoStopOutcome): void;
}

/** Timestamps come back from PostgreSQL to the millisecond: a job due "at" the grace may look a hair early. */
const CLOCK_TOLERANCE_MS = 1000;

/**
 * Due when a room has been empty for AUTO_STOP_GRACE_SECONDS (queued with the vacancy, at
 * room_finished due at once). It looks again: a participant back, or a later vacancy, leaves
 * the recording running (that later vacancy has its own job). Only a recording the policy
 * started is stopped. The fill is over either way, so the next one may start a recording.
 */
export function autoStopJob(deps: AutoStopDeps): JobHandler<AutoStopPayload> {
  return {
    kind: AUTO_STOP_KIND,
    leaseMs: 5 * 60_000,
    retry: { maxAttempts: 20, baseMs: 1000, maxMs: 60_000 },

    async run(job: Job<AutoStopPayload>): Promise<JobOutcome> {
      const { room, vacancy } = job.payload;
      const activity = await deps.rooms.activity(room);
      if (!activity || activity.vacancies !== vacancy || activity.participants > 0) {
        return { status: 'cancelled', reason: 'the room was occupied again' };
      }
      // A finished room (room_finished) stops its recording at once.
      const grace = activity.isActive ? deps.graceMs : 0;
      if ((activity.emptyForMs ?? 0) + CLOCK_TOLERANCE_MS < grace) {
        return { status: 'retry', error: `the room has been empty for ${Math.round(activity.emptyForMs ?? 0)} ms of ${grace}` };
      }
      await deps.rooms.endFill(room, vacancy);
      const live = await deps.liveRecording(room);
      if (!live?.automatic) return { status: 'done' };
      // A queued one (waiting for a recorder) is cancelled by the stop.
      if (live.status !== 'active' && live.status !== 'queued') return { status: 'retry', error: 'the automatic recording is still starting' };
      try {
        const stopped = await deps.stop(live, reasonOf(activity.isActive ? 'room_empty' : 'room_finished'));
        deps.onOutcome?.('stopped');
        log.info({ room, recordingId: live.id, status: stopped.status }, 'automatic recording stopped: the room is empty');
      } catch (err) {
        // failed_to_stop: the reconciler retries the stop, as for a stop through the API.
        if (!(err instanceof RecordingError)) throw err;
        // Handed to a recorder at this very moment: stop it once it runs.
        if (err.kind === 'conflict') return { status: 'retry', error: err.message };
        deps.onOutcome?.('failed');
        log.warn({ room, recordingId: live.id, reason: scrubError(err) }, 'automatic recording could not be stopped');
      }
      return { status: 'done' };
    },
  };
}
