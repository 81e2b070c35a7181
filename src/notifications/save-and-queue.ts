import { DataSource } from 'typeorm';
import type { WorkerKind } from '../config/config';
import { preparedQuery } from '../db/prepared-query';
import { SAVABLE_STATUSES } from '../recording/status';

export type SaveOutcome =
  | { result: 'saved'; queued: number }
  | { result: 'already_saved' }
  | { result: 'not_savable'; status: string }
  | { result: 'not_found' };

/**
 * Marks a recording saved and queues one email per owner with an address, atomically (the
 * outbox): one statement whose CTEs update the recording and insert the notifications. The
 * guarded UPDATE takes the row lock, so concurrent or repeated events for the same recording
 * serialise: only the first saves and queues; the others find it saved and change nothing.
 * `kinds` restricts it to recordings of those worker kinds (the file's extension must fit).
 */
export async function saveAndQueueNotifications(
  dataSource: DataSource,
  recordingId: string,
  kinds?: readonly WorkerKind[],
): Promise<SaveOutcome> {
  // A data-modifying CTE's effect is invisible to the rest of the statement, so `prior`
  // reads the status as it was before this statement ran.
  const rows = await preparedQuery<{ saved: number; queued: number; prior: string | null; kind: string | null }>(
    dataSource,
    'recorder_save_and_queue',
    `WITH u AS (
       UPDATE recordings SET status = 'saved', updated_at = now()
        WHERE id = $1 AND status = ANY($2) AND ($3::text[] IS NULL OR worker_kind = ANY($3))
        RETURNING id
     ), i AS (
       INSERT INTO notifications (id, recording_id, access_id, status)
       SELECT gen_random_uuid(), a.recording_id, a.id, 'pending'
         FROM recording_accesses a JOIN u ON u.id = a.recording_id
        WHERE a.role = 'owner' AND a.email IS NOT NULL
       ON CONFLICT (recording_id, access_id) DO NOTHING
       RETURNING id
     )
     SELECT (SELECT count(*) FROM u)::int AS saved,
            (SELECT count(*) FROM i)::int AS queued,
            (SELECT status FROM recordings WHERE id = $1) AS prior,
            (SELECT worker_kind FROM recordings WHERE id = $1) AS kind`,
    [recordingId, [...SAVABLE_STATUSES], kinds ? [...kinds] : null],
  );
  const row = rows[0]!;
  if (row.saved === 0) {
    if (row.prior === null || (kinds && !kinds.includes(row.kind as WorkerKind))) return { result: 'not_found' };
    if (row.prior === 'saved' || row.prior === 'notification_succeeded') return { result: 'already_saved' };
    return { result: 'not_savable', status: row.prior };
  }
  if (row.queued === 0) {
    // Nobody to notify: there is nothing left to wait for.
    await dataSource.query(
      `UPDATE recordings SET status = 'notification_succeeded', updated_at = now() WHERE id = $1 AND status = 'saved'`,
      [recordingId],
    );
  }
  return { result: 'saved', queued: row.queued };
}
