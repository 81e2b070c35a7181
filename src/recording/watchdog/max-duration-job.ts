import type { Sql } from '../../db/sql';
import type { JobHandler, JobOutcome } from '../../jobs/job';
import { enqueue } from '../../jobs/job-runner';
import { childLogger } from '../../logging/logger';
import { RecordingError } from '../errors';
import type { RecordingMediator } from '../mediator';
import { maxDurationReason } from '../reason';
import { recordedMs } from '../recording';
import type { RecordingStore } from '../store/recording-store';
import { MAX_DURATION_KIND } from './watch-job-kinds';

const log = childLogger('max-duration');

export interface MaxDurationDeps {
  store: RecordingStore;
  mediator: RecordingMediator;
  /** Where a check that came early queues the next one. */
  sql: Sql;
  /** RECORDING_MAX_DURATION_SECONDS in ms. */
  maxDurationMs: number;
  /** How long a stop may hold the job. */
  leaseMs: number;
}

/**
 * RECORDING_MAX_DURATION_SECONDS: the job queued with the first start (StartRecorder) stops the
 * recording when it has recorded that long, with `reason` `limit_reached`. It lives in the jobs
 * table, so a restart (or another instance) still stops it on time.
 */
export function maxDurationJob(deps: MaxDurationDeps): JobHandler {
  return {
    kind: MAX_DURATION_KIND,
    leaseMs: deps.leaseMs,
    retry: { maxAttempts: 20, baseMs: 2000, maxMs: 60_000 },
    async run(job): Promise<JobOutcome> {
      const recording = job.recordingId ? await deps.store.findById(job.recordingId) : null;
      if (!recording || !['initiated', 'active', 'paused'].includes(recording.status)) return { status: 'done' };
      const left = deps.maxDurationMs - recordedMs(recording);
      if (left > 0) {
        // Early (a pause moved the end, or it is paused now): look again when it could be reached.
        const runAt = new Date(Date.now() + left);
        await enqueue(deps.sql, { kind: MAX_DURATION_KIND, key: `${MAX_DURATION_KIND}:${recording.id}:${runAt.getTime()}`, recordingId: recording.id, runAt });
        return { status: 'done' };
      }
      // Still starting: its start settles first.
      if (recording.status === 'initiated') return { status: 'retry', error: 'the recording is still starting' };
      try {
        await deps.mediator.stop(recording, ['active'], maxDurationReason(deps.maxDurationMs));
        log.info({ recordingId: recording.id }, 'recording stopped at its maximum duration');
      } catch (err) {
        // failed_to_stop: the reconciler retries the stop.
        if (!(err instanceof RecordingError)) throw err;
      }
      return { status: 'done' };
    },
  };
}
