import { statement } from '../../db/sql';
import { JOIN_PARTS_KIND } from '../pause/join-job-kind';

/** The part statements (recording_segments, recording_parts); only src/recording/store/ runs them. */

const PART_COLUMNS = `p.seq, p.file_key AS "fileKey", p.written_key AS "writtenKey", p.part_key AS "partKey", p.track_id AS "trackId",
  p.worker_id AS "workerId", p.status, p.size, (extract(epoch FROM now() - p.updated_at) * 1000)::float8 AS "idleMs"`;

export const PART_SQL = {
  /** The first pause: the stretch recorded since the start becomes segment 0 (from when it became active). */
  firstSegment: statement(
    'part_first_segment',
    `INSERT INTO recording_segments (recording_id, seq, started_at, ended_at)
     SELECT r.id, 0, COALESCE((SELECT min(f.started_at) FROM recording_files f WHERE f.recording_id = r.id AND f.kind = 'composite'), r.created_at), now()
       FROM recordings r
      WHERE r.id = $1 AND NOT EXISTS (SELECT 1 FROM recording_segments g WHERE g.recording_id = r.id)`,
  ),
  endSegment: statement('part_end_segment', `UPDATE recording_segments SET ended_at = now() WHERE recording_id = $1 AND ended_at IS NULL`),
  /**
   * At the first pause, each file recorded since the start (the composite, each track with an
   * egress) gets its first part (seq 0): written where the worker wrote it, moved under parts/ by the join.
   * `$2`: the composite's part key; tracks get `{id}/parts/{track id}-0.ogg`. A Jibri composite
   * is not written yet (its upload URL is issued after the pause): it goes straight to its part key.
   */
  firstParts: statement(
    'part_first_parts',
    `INSERT INTO recording_parts (recording_id, seq, file_key, written_key, part_key, track_id, worker_id, status)
     SELECT f.recording_id, 0, f.relative_key,
            CASE WHEN f.kind = 'composite' AND r.worker_kind = 'jibri' THEN $2 ELSE f.relative_key END,
            CASE WHEN f.kind = 'composite' THEN $2 ELSE f.recording_id::text || '/parts/' || f.track_id || '-0.ogg' END,
            f.track_id, f.egress_id, 'pending'
       FROM recording_files f JOIN recordings r ON r.id = f.recording_id
      WHERE f.recording_id = $1 AND (f.kind = 'composite' OR f.egress_id IS NOT NULL)
     ON CONFLICT DO NOTHING`,
  ),
  /** The stretch's running parts are stopped: they wait for their files. */
  partsStopped: statement('part_parts_stopped', `UPDATE recording_parts SET status = 'pending', updated_at = now() WHERE recording_id = $1 AND status = 'recording'`),
  nextSeq: statement('part_next_seq', `SELECT COALESCE(max(seq) + 1, 1)::int AS seq FROM recording_segments WHERE recording_id = $1`),
  openSegment: statement('part_open_segment', `INSERT INTO recording_segments (recording_id, seq, started_at) VALUES ($1, $2, now())`),
  addPart: statement(
    'part_add',
    `INSERT INTO recording_parts (recording_id, seq, file_key, written_key, part_key, track_id, worker_id, status)
     VALUES ($1, $2, $3, $4, $4, $5, $6, 'recording')`,
  ),
  partsOf: statement('part_parts_of', `SELECT ${PART_COLUMNS} FROM recording_parts p WHERE p.recording_id = $1 ORDER BY p.file_key, p.seq`),
  hasParts: statement('part_has_parts', `SELECT EXISTS (SELECT 1 FROM recording_parts WHERE recording_id = $1) AS has`),
  /** The part a stored object is: by its part key, or (a first stretch) by where its worker wrote it while it still waits. */
  partAt: statement(
    'part_at',
    `SELECT ${PART_COLUMNS} FROM recording_parts p
      WHERE p.recording_id = $1 AND (p.part_key = $2 OR (p.written_key = $2 AND p.written_key <> p.part_key AND p.status IN ('recording', 'pending')))
      LIMIT 1`,
  ),
  /** Guarded: only a part not yet settled changes. */
  settlePart: statement(
    'part_settle',
    `UPDATE recording_parts SET status = $3, size = COALESCE($4::bigint, size), updated_at = now()
      WHERE recording_id = $1 AND part_key = $2 AND status IN ('recording', 'pending') RETURNING part_key`,
  ),
  partsRemoved: statement(
    'part_removed',
    `UPDATE recording_parts SET status = 'removed', updated_at = now() WHERE recording_id = $1 AND file_key = $2 AND status = 'stored'`,
  ),
  /** The recording's join job runs now instead of at its next retry (a part landed). */
  nudgeJoin: statement(
    'part_nudge_join',
    `UPDATE jobs SET run_at = now() WHERE key = '${JOIN_PARTS_KIND}:' || $1 AND status = 'pending' AND run_at > now() RETURNING id`,
  ),
  /** A pause undone: a first pause leaves no trace (never paused), a later one reopens its stretch. */
  undoFirstPause: statement(
    'part_undo_first_pause',
    `WITH g AS (DELETE FROM recording_segments WHERE recording_id = $1 AND (SELECT count(*) FROM recording_segments WHERE recording_id = $1) = 1 RETURNING recording_id)
     DELETE FROM recording_parts WHERE recording_id IN (SELECT recording_id FROM g)`,
  ),
  reopenStretch: statement(
    'part_reopen_stretch',
    `WITH last AS (SELECT max(seq) AS seq FROM recording_segments WHERE recording_id = $1),
     g AS (UPDATE recording_segments SET ended_at = NULL WHERE recording_id = $1 AND seq = (SELECT seq FROM last))
     UPDATE recording_parts SET status = 'recording', updated_at = now()
      WHERE recording_id = $1 AND seq = (SELECT seq FROM last) AND seq > 0 AND status = 'pending'`,
  ),
  /** The recording's reason, its row locked (a part's failure and the reason it sets serialise). */
  lockReason: statement('part_lock_reason', `SELECT reason FROM recordings WHERE id = $1 FOR UPDATE`),
  partCounts: statement(
    'part_counts',
    `SELECT count(*) FILTER (WHERE status = 'failed')::int AS failed, count(*)::int AS total FROM recording_parts WHERE recording_id = $1`,
  ),
  setReason: statement('part_set_reason', `UPDATE recordings SET reason = $2::jsonb, updated_at = now() WHERE id = $1`),
} as const;
