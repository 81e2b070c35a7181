import { statement } from '../../db/sql';
import { COLUMNS, SNAPSHOT_WITH_OWNERS } from './statements';

/** The statements on `recording_artifacts`; only src/recording/store/ runs them. */
export const ARTIFACT_SQL = {
  /** The recording, row locked until the transaction ends: a deletion waits for the write, or the write sees it gone. */
  lockRecording: statement('artifact_lock_recording', `SELECT ${COLUMNS} FROM recordings r WHERE r.id = $1 FOR UPDATE`),
  /** Inserts or replaces one artifact; `created` says which. */
  upsert: statement(
    'artifact_upsert',
    `INSERT INTO recording_artifacts AS x (recording_id, name, content_type, size) VALUES ($1, $2, $3, $4)
     ON CONFLICT (recording_id, name) DO UPDATE SET content_type = EXCLUDED.content_type, size = EXCLUDED.size, updated_at = now()
     RETURNING x.name, x.content_type AS "contentType", x.size::float8 AS size,
               to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt", (x.xmax = 0) AS created`,
  ),
  /** The recording's state as the change left it and its owners' subs, for the event's snapshot. */
  snapshot: statement('artifact_snapshot', SNAPSHOT_WITH_OWNERS),
  remove: statement('artifact_remove', `DELETE FROM recording_artifacts WHERE recording_id = $1 AND name = $2 RETURNING name`),
  /** Artifacts still stored of a recording whose files the expiry sweep removes. */
  ofRecording: statement('artifacts_of_recording', `SELECT name FROM recording_artifacts WHERE recording_id = $1 ORDER BY name`),
} as const;
