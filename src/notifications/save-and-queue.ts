import { DataSource } from 'typeorm';
import { SAVABLE_STATUSES } from '../recording/status';

export type SaveOutcome =
  | { result: 'saved'; queued: number }
  | { result: 'already_saved' }
  | { result: 'not_savable'; status: string }
  | { result: 'not_found' };

/**
 * Marks a recording saved and queues one email per owner, in ONE transaction (the outbox).
 * The guarded UPDATE takes the row lock, so concurrent or repeated events for the same
 * recording serialise here: only the first one saves and queues; the others see it saved.
 */
export async function saveAndQueueNotifications(dataSource: DataSource, recordingId: string): Promise<SaveOutcome> {
  return dataSource.transaction(async (m) => {
    // Wrapped in a CTE so the driver returns rows (TypeORM returns [rows, count] for a bare UPDATE).
    const updated: { id: string }[] = await m.query(
      `WITH u AS (
         UPDATE recordings SET status = 'saved', updated_at = now()
          WHERE id = $1 AND status = ANY($2) RETURNING id
       ) SELECT id FROM u`,
      [recordingId, [...SAVABLE_STATUSES]],
    );
    if (updated.length === 0) {
      const rows: { status: string }[] = await m.query('SELECT status FROM recordings WHERE id = $1', [recordingId]);
      const status = rows[0]?.status;
      if (!status) return { result: 'not_found' };
      if (status === 'saved' || status === 'notification_succeeded') return { result: 'already_saved' };
      return { result: 'not_savable', status };
    }
    const queued: { id: string }[] = await m.query(
      `WITH i AS (
         INSERT INTO notifications (id, recording_id, access_id, status)
         SELECT gen_random_uuid(), a.recording_id, a.id, 'pending'
           FROM recording_accesses a
          WHERE a.recording_id = $1 AND a.role = 'owner' AND a.email IS NOT NULL
         ON CONFLICT (recording_id, access_id) DO NOTHING
         RETURNING id
       ) SELECT id FROM i`,
      [recordingId],
    );
    if (queued.length === 0) {
      // Nobody to notify: there is nothing left to wait for.
      await m.query(`UPDATE recordings SET status = 'notification_succeeded', updated_at = now() WHERE id = $1`, [recordingId]);
    }
    return { result: 'saved', queued: queued.length };
  });
}
