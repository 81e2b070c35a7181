import type { Job, JobHandler, JobOutcome } from '../jobs/job';
import { scrubError, type RetryPolicy } from '../jobs/retry';
import { childLogger } from '../logging/logger';
import { RecordingError } from '../recording/errors';
import type { Recording } from '../recording/recording';
import { authorAsUser, conditionHolds } from './policy';
import type { RoomStore } from './store/room-store';
import { AUTO_START_KIND, type AutoStartPayload } from './room-job-kinds';

const log = childLogger('rooms');

export type AutoStartOutcome = 'started' | 'failed' | 'already_recording' | 'skipped' | 'invalid';

export interface AutoStartDeps {
  rooms: RoomStore;
  /** The room's live (initiated or active) recording, if any. */
  liveRecording(room: string): Promise<Recording | null>;
  /** Starts a recording exactly as start-recording does (RecordingService.start). */
  start(user: ReturnType<typeof authorAsUser>, room: string, body: unknown, how: { automatic: boolean; retry: RetryPolicy }): Promise<Recording>;
  /** How the worker is asked again within the one start (AUTO_START_ATTEMPTS, AUTO_START_RETRY_BASE_MS). */
  workerRetry: RetryPolicy;
  /** At least the longest such start (every attempt and wait). */
  leaseMs: number;
  /** For metrics; `recording` is the one started, or the one that failed to start. */
  onOutcome?(outcome: AutoStartOutcome, recording?: Recording): void;
}

/**
 * The automatic start of a room's recording, queued when the policy's condition became true.
 * It looks again when it runs: nothing is started when the condition no longer holds, when a
 * recording runs (or ran during this fill and was stopped: a manual stop is respected), when
 * the policy's author was seen without an owner/administrator role in the room (suspended).
 * The start is the API's, for the policy's author. A failing worker is asked again within the
 * one start (capped attempts, backoff), so a fill of the room makes at most one recording that
 * failed to start, and one recording.failed; after it the policy waits for the next fill.
 * One live recording per room, by the database, keeps concurrent starts (other instances, an
 * API call) to one.
 */
export function autoStartJob(deps: AutoStartDeps): JobHandler<AutoStartPayload> {
  const outcome = (o: AutoStartOutcome, recording?: Recording) => deps.onOutcome?.(o, recording);
  return {
    kind: AUTO_START_KIND,
    // A start is its worker attempts under their deadlines; a claim outliving this is taken over.
    leaseMs: deps.leaseMs,
    // Only for what is not the worker's answer (the database): the worker is retried within the start.
    retry: { maxAttempts: 5, baseMs: deps.workerRetry.baseMs, maxMs: Math.max(deps.workerRetry.baseMs, 60_000) },

    async run(job: Job<AutoStartPayload>): Promise<JobOutcome> {
      const { room } = job.payload;
      const [activity, policy] = await Promise.all([deps.rooms.activity(room), deps.rooms.policy(room)]);
      if (!policy || !activity || !conditionHolds(policy.trigger, activity.participants)) {
        outcome('skipped');
        return { status: 'cancelled', reason: 'the policy condition no longer holds' };
      }
      if (policy.authorSuspendedAt) {
        outcome('skipped');
        return { status: 'cancelled', reason: "the policy's author no longer manages the room" };
      }
      if (activity.autoDone) {
        outcome('skipped');
        return { status: 'cancelled', reason: 'a recording was already started in this fill of the room' };
      }
      if (await deps.liveRecording(room)) {
        await deps.rooms.markAutoDone(room);
        outcome('already_recording');
        return { status: 'done' };
      }
      try {
        const recording = await deps.start(authorAsUser(policy), room, { mode: policy.mode, options: policy.options }, {
          automatic: true,
          retry: deps.workerRetry,
        });
        await deps.rooms.markAutoDone(room);
        outcome('started', recording);
        log.info({ room, recordingId: recording.id, attempt: job.attempts }, 'automatic recording started');
        return { status: 'done' };
      } catch (err) {
        if (!(err instanceof RecordingError)) throw err;
        if (err.kind === 'conflict') {
          await deps.rooms.markAutoDone(room);
          outcome('already_recording');
          return { status: 'done' };
        }
        if (err.kind === 'bad_request' || err.kind === 'forbidden') {
          // The policy no longer fits the configuration (e.g. its mode was removed): retrying cannot help.
          outcome('invalid');
          return { status: 'failed', error: scrubError(err) };
        }
        // Every attempt failed: this fill has its one failed recording; the next fill tries again.
        await deps.rooms.markAutoDone(room);
        outcome('failed', err.recording);
        return { status: 'failed', error: scrubError(err) };
      }
    },
  };
}
