/**
 * The data of bench/list and bench/list-explain: rooms room-0..999 and users user-0..4999;
 * recording i is in room i % 1000, owned by user i % 5000, created over the last 365 days, in
 * a final status; rooms room-0..99 let their members view. `files`: each recording also gets
 * its composite file row, as a saved recording has.
 */
import type { Client } from 'pg';

export const RECORDINGS = 100_000;
export const ROOMS = 1_000;
export const USERS = 5_000;

export async function seedList(db: Client, options: { files?: boolean } = {}): Promise<void> {
  await db.query(`
    INSERT INTO recordings (id, room, mode, status, worker_kind, created_at, updated_at, reconcile_at)
    SELECT gen_random_uuid(), 'room-' || (i % ${ROOMS}), 'screen_recording',
           (ARRAY['saved','notification_succeeded','failed_to_start','aborted'])[1 + i % 4], 'livekit-video',
           now() - (i * interval '315 seconds'), now(), NULL
      FROM generate_series(0, ${RECORDINGS - 1}) AS i`);
  await db.query(`
    INSERT INTO recording_accesses (id, recording_id, user_sub, role)
    SELECT gen_random_uuid(), r.id, 'user-' || (row_number() OVER (ORDER BY r.created_at) % ${USERS}), 'owner' FROM recordings r`);
  await db.query(`INSERT INTO room_recording_access (room, members, updated_by) SELECT 'room-' || i, 'view', 'bench' FROM generate_series(0, 99) AS i`);
  if (options.files) {
    await db.query(`
      INSERT INTO recording_files (recording_id, relative_key, kind, content_type, size, status)
      SELECT id, id || '.mp4', 'composite', 'video/mp4', 100000000, 'saved' FROM recordings`);
  }
  await db.query('ANALYZE');
}

/** The list bench's caller: ~20 recordings of their own, and three rooms (each letting members view) of 100 recordings. */
export const LIST_USER = { sub: 'user-42', rooms: { 'room-42': 'owner', 'room-7': 'member', 'room-8': 'member' } as Record<string, 'owner' | 'member'> };
