import type { Job, JobHandler, JobOutcome } from '../jobs/job';
import type { Sql } from '../db/sql';
import { queueEvent } from './outbox';
import { WEBHOOK_READY_KIND } from './outbox-sql';
import type { EventRoutes } from './routes';
import type { RecordingSnapshot } from './delivery';

export interface ReadySource {
  /** The recording as it is now and its owners' subs; null once deleted. */
  readyRecording(id: string): Promise<{ recording: RecordingSnapshot; owners: { sub: string }[] } | null>;
}

/**
 * recording.ready is queued by the statement that makes a recording ready (see whenReady) as
 * this job, because that statement cannot see the file rows it changes itself; the job reads
 * the recording once it is committed and queues one delivery per endpoint. The event id is
 * this job's id, so a retried preparation queues each delivery once.
 */
export function readyEventJob(sql: Sql, source: ReadySource, routes: EventRoutes): JobHandler {
  return {
    kind: WEBHOOK_READY_KIND,
    leaseMs: 60_000,
    retry: { maxAttempts: 20, baseMs: 2_000, maxMs: 600_000 },
    async run(job: Job): Promise<JobOutcome> {
      const found = await source.readyRecording(job.recordingId!);
      if (!found) return { status: 'cancelled', reason: 'the recording was deleted' };
      await sql.transaction((tx) =>
        queueEvent(tx, routes, { type: 'recording.ready', eventId: job.id, at: job.createdAt, recording: found.recording, owners: found.owners }),
      );
      return { status: 'done' };
    },
  };
}
