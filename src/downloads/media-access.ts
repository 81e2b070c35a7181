import type { DataSource } from 'typeorm';
import type { WorkerKind } from '../config/config';
import type { RecordingStatus } from '../recording/status';

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

/** The part of node-postgres's Pool used here. */
interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: RawRow[] }>;
}

/**
 * TypeORM's PostgreSQL driver keeps its node-postgres Pool in `driver.master`. Querying it
 * directly with a named (prepared once per connection) statement skips TypeORM's per-query
 * QueryRunner and PostgreSQL's parse/plan: about half the time of `dataSource.query` for a
 * request nginx makes before every download and every Range request.
 */
function pgPool(dataSource: DataSource): PgPool | undefined {
  const master = (dataSource.driver as { master?: unknown }).master;
  return master && typeof (master as PgPool).query === 'function' ? (master as PgPool) : undefined;
}

/** The recording and whether one of `userSubs` may have it; null when there is no such recording. */
export async function findMediaAccess(dataSource: DataSource, recordingId: string, userSubs: string[]): Promise<MediaAccessRow | null> {
  const values = [recordingId, userSubs];
  const pool = pgPool(dataSource);
  const rows = pool
    ? (await pool.query({ name: 'recorder_media_access', text: QUERY, values })).rows
    : ((await dataSource.query(QUERY, values)) as RawRow[]);
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
