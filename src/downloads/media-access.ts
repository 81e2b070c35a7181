import type { DataSource } from 'typeorm';
import type { WorkerKind } from '../config/config';
import type { RecordingStatus } from '../recording/status';
import { preparedQuery } from '../db/prepared-query';

/** What media-auth needs to know about one recording and one or two callers. */
export interface MediaAccessRow {
  status: RecordingStatus;
  workerKind: WorkerKind;
  createdAt: Date;
  isPermanent: boolean;
  /** One of the given users holds an owner/administrator access to it. */
  allowed: boolean;
}

// One round trip on two indexes: the recordings primary key and the
// recording_accesses (recording_id, user_sub) unique constraint.
const QUERY = `
  SELECT r.status, r.worker_kind, r.created_at, r.is_permanent,
         EXISTS (SELECT 1 FROM recording_accesses a
                  WHERE a.recording_id = r.id AND a.user_sub = ANY($2::varchar[])) AS allowed
    FROM recordings r
   WHERE r.id = $1`;

interface RawRow {
  status: RecordingStatus;
  worker_kind: WorkerKind;
  created_at: Date | string;
  is_permanent: boolean;
  allowed: boolean;
}

/** The recording and whether one of `userSubs` may have it; null when there is no such recording. */
export async function findMediaAccess(dataSource: DataSource, recordingId: string, userSubs: string[]): Promise<MediaAccessRow | null> {
  // Prepared: nginx asks before every download and every Range request.
  const rows = await preparedQuery<RawRow>(dataSource, 'recorder_media_access', QUERY, [recordingId, userSubs]);
  const row = rows[0];
  if (!row) return null;
  return {
    status: row.status,
    workerKind: row.worker_kind,
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
    isPermanent: row.is_permanent === true,
    allowed: row.allowed === true,
  };
}
