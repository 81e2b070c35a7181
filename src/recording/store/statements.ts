import { statement } from '../../db/sql';
import { queueReadyEvent, queueRecordingEvents } from '../../events/outbox-sql';
import { EMAIL_SAVED_KIND } from '../../notifications/email-job-kinds';
import { RETENTION_TAG_KIND } from '../retention/retention-job-kinds';
import { whenStoppedWithParts } from './part-statements-fragments';
import { SPEAKERS_JOB_KIND } from '../artifacts/artifact-job-kinds';

/**
 * The recording store's SQL statements on the recordings tables (recordings,
 * recording_accesses) and on the jobs they queue. Only src/recording/store/ runs them; the read
 * models of other consumers (media-auth, the emails, the list) keep theirs beside them.
 */

/** The recording `r`'s files as a JSON array of RecordingFile (one index lookup on recording_files). */
const FILES_OF_R = `COALESCE((SELECT json_agg(json_build_object(
    'kind', f.kind, 'relativeKey', f.relative_key, 'contentType', f.content_type, 'size', f.size, 'status', f.status,
    'participantIdentity', f.participant_identity, 'participantName', f.participant_name,
    'trackId', f.track_id, 'egressId', f.egress_id,
    'startedAt', to_char(f.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    ORDER BY f.kind, f.created_at, f.track_id)
  FROM recording_files f WHERE f.recording_id = r.id), '[]'::json)`;

/** The recording `r`'s recorded stretches, in order (empty for one never paused). */
const SEGMENTS_OF_R = `COALESCE((SELECT json_agg(json_build_object(
    'startedAt', to_char(g.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'endedAt', to_char(g.ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY g.seq)
  FROM recording_segments g WHERE g.recording_id = r.id), '[]'::json)`;

/** The recording `r`'s artifacts as a JSON array of RecordingArtifact, by name. */
const ARTIFACTS_OF_R = `COALESCE((SELECT json_agg(json_build_object(
    'name', x.name, 'contentType', x.content_type, 'size', x.size,
    'updatedAt', to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY x.name)
  FROM recording_artifacts x WHERE x.recording_id = r.id), '[]'::json)`;

/** A recording row under the alias `r`, with the field names of the Recording type. */
export const COLUMNS = `r.id, r.room, r.mode, r.status, r.worker_kind AS "workerKind", r.worker_id AS "workerId",
  r.worker_error AS "workerError", r.reason, r.options, r.is_permanent AS "isPermanent", r.automatic,
  r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.files_removed_at AS "filesRemovedAt", ${FILES_OF_R} AS files,
  ${SEGMENTS_OF_R} AS segments,
  ${ARTIFACTS_OF_R} AS artifacts`;

/** The recording $1 as one JSON value and its owners' subs: what an event's snapshot is made of. */
export const SNAPSHOT_WITH_OWNERS = `SELECT to_jsonb(x) AS recording,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('sub', a.user_sub) ORDER BY a.user_sub)
                        FROM recording_accesses a WHERE a.recording_id = x.id AND a.role = 'owner'), '[]'::jsonb) AS owners
       FROM (SELECT ${COLUMNS} FROM recordings r WHERE r.id = $1) x`;

const ACCESS_COLUMNS = `a.id, a.recording_id AS "recordingId", a.user_sub AS "userSub", a.role, a.email, a.name, a.locale, a.zoneinfo`;

/** `now() + $n ms`, or NULL when the parameter is NULL. */
const inMs = (param: string) => `CASE WHEN ${param}::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => ${param}::float8 / 1000) END`;

/** A paused Jibri recording: one of its stretches got its upload URL (the joined file never needs one). */
const PART_URL_ISSUED = `EXISTS (SELECT 1 FROM jibri_part_uploads j WHERE j.recording_id = recordings.id AND j.url_issued_at IS NOT NULL)`;

/**
 * THE moment a recording is ready: saved (its composite landed) and no track file pending any
 * more. Exactly one statement ever sees it — the one that saves the composite last, or the one
 * that settles the last track — because both change the recording row and read `status` and
 * `tracks_pending` back from their own UPDATE (RETURNING, under the row lock, after any
 * concurrent change committed). `u` names that statement's CTE; `ready` is one row when the
 * recording became ready. Whatever readiness sends is queued here, in that same statement:
 * one email per owner with an address, and the retention-tag job of a non-permanent recording
 * (its files get the tag the bucket's expiry rule looks for), and the preparation of the
 * `recording.ready` event (`routes`: the EventRoutes parameter) as `w`, and for a recording with
 * participant tracks the speaker time line's job (`sp`).
 */
export function whenReady(u: string, tagsObjects: string, routes: string): string {
  return `ready AS (
       SELECT id, is_permanent FROM ${u} WHERE status = 'saved' AND tracks_pending = 0
     ), q AS (
       INSERT INTO jobs (kind, key, recording_id, payload)
       SELECT '${EMAIL_SAVED_KIND}', '${EMAIL_SAVED_KIND}:' || a.id, a.recording_id, jsonb_build_object('accessId', a.id)
         FROM recording_accesses a JOIN ready ON ready.id = a.recording_id
        WHERE a.role = 'owner' AND a.email IS NOT NULL
       ON CONFLICT (key) DO NOTHING
       RETURNING id
     ), t AS (
       INSERT INTO jobs (kind, key, recording_id)
       SELECT '${RETENTION_TAG_KIND}', '${RETENTION_TAG_KIND}:saved:' || ready.id, ready.id FROM ready
        WHERE ${tagsObjects}::boolean AND NOT ready.is_permanent
       ON CONFLICT (key) DO NOTHING
       RETURNING id
     ), sp AS (
       INSERT INTO jobs (kind, key, recording_id)
       SELECT '${SPEAKERS_JOB_KIND}', '${SPEAKERS_JOB_KIND}:' || ready.id, ready.id FROM ready
        WHERE EXISTS (SELECT 1 FROM recording_files f WHERE f.recording_id = ready.id AND f.kind = 'track')
       ON CONFLICT (key) DO NOTHING
       RETURNING id
     ), ${queueReadyEvent('w', 'ready', routes)}`;
}

/**
 * The event a status change sends (a row `s` of a transition: its new `status` and the
 * `priorStatus` it left); none when the status stayed the same (a patch of the worker id).
 */
const TRANSITION_EVENT = `CASE WHEN s.status = s."priorStatus" THEN NULL
  WHEN s.status = 'active' AND s."priorStatus" = 'paused' THEN 'recording.resumed'
  WHEN s.status = 'queued' THEN 'recording.queued'
  WHEN s.status = 'active' THEN 'recording.started'
  WHEN s.status = 'paused' THEN 'recording.paused'
  WHEN s.status IN ('stopped', 'aborted') THEN 'recording.stopped'
  WHEN s.status IN ('failed_to_start', 'failed_to_stop') THEN 'recording.failed' END`;
const TRANSITION_REASON = `CASE WHEN s.status = 'failed_to_start' THEN COALESCE(s."workerError", 'the recording did not start')
  WHEN s.status = 'failed_to_stop' THEN COALESCE(s."workerError", 'the recording did not stop') END`;

/**
 * The guarded status change: only from the expected statuses; also resets the reconciler's
 * schedule (a final status with track files pending, or an aborted one with parts, gets a look
 * after their grace, $12, so the tracks logic settles them or a part that never came is failed),
 * and queues the event the change sends ($9: the EventRoutes) in the same statement. `prior` locks the row first, so the status it reads is the one the change leaves.
 * `also`: more CTEs of the same statement (after a comma) over `u`, the changed row.
 */
export function transitionSql(also = ''): string {
  return `WITH prior AS (SELECT id, status FROM recordings WHERE id = $1 FOR UPDATE),
     u AS (
       UPDATE recordings r
          SET status = $3, updated_at = now(),
              worker_id = CASE WHEN $4::boolean THEN $5 ELSE r.worker_id END,
              worker_error = CASE WHEN $6::boolean THEN $7 ELSE r.worker_error END,
              reason = CASE WHEN $10::boolean THEN $11::jsonb ELSE r.reason END,
              reconcile_at = CASE WHEN $8::float8 IS NULL AND (r.tracks_pending > 0 OR ($3::varchar = 'aborted' AND EXISTS (SELECT 1 FROM recording_parts rp WHERE rp.recording_id = r.id)))
                                  THEN ${inMs('$12')} ELSE ${inMs('$8')} END,
              reconcile_attempts = 0
         FROM prior p
        WHERE r.id = p.id AND r.status = ANY($2::varchar[])
        RETURNING ${COLUMNS}, p.status AS "priorStatus"
     ), ${queueRecordingEvents('ev', 'u', TRANSITION_EVENT, '$9', TRANSITION_REASON)},
     ${whenStoppedWithParts('u')}${also}
     SELECT u.*, (SELECT count(*) FROM ev)::int + (SELECT count(*) FROM jn)::int AS "jobsDue" FROM u`;
}

export const SQL = {
  insertInitiated: statement(
    'insert_initiated',
    // set_config(..., true): this statement's own (implicit) transaction commits without waiting
    // for its WAL to reach the disk; see RecordingStore.createInitiated for why that is safe.
    `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
     r AS (
       INSERT INTO recordings (id, room, mode, status, worker_kind, options, is_permanent, reconcile_at, automatic)
       VALUES ($1, $2, $3, 'initiated', $4, $5, $6, ${inMs('$7')}, $13)
       RETURNING *
     ), owner AS (
       INSERT INTO recording_accesses (id, recording_id, user_sub, role, email, name, locale, zoneinfo)
       SELECT gen_random_uuid(), r.id, $8, 'owner', $9, $10, $11, $12 FROM r
     ), composite AS (
       INSERT INTO recording_files (recording_id, relative_key, kind, content_type)
       SELECT r.id, $14, 'composite', $15 FROM r
     )
     SELECT ${COLUMNS} FROM r, async_commit`,
  ),

  transition: statement('transition', transitionSql()),

  byId: statement('by_id', `SELECT ${COLUMNS} FROM recordings r WHERE r.id = $1`),
  byWorkerId: statement('by_worker_id', `SELECT ${COLUMNS} FROM recordings r WHERE r.worker_id = $1 LIMIT 1`),
  liveInRoom: statement('live_in_room', `SELECT ${COLUMNS} FROM recordings r WHERE r.room = $1 AND r.status IN ('queued', 'initiated', 'active', 'paused')`),
  /** The room's live recording and the caller's ($2) role on it, NULL without an access row. */
  liveInRoomWithRole: statement(
    'live_in_room_with_role',
    `SELECT ${COLUMNS}, a.role AS "callerRole"
       FROM recordings r LEFT JOIN recording_accesses a ON a.recording_id = r.id AND a.user_sub = $2
      WHERE r.room = $1 AND r.status IN ('queued', 'initiated', 'active', 'paused')`,
  ),
  activeInRoom: statement('active_in_room', `SELECT ${COLUMNS} FROM recordings r WHERE r.room = $1 AND r.status = 'active'`),
  activeOfKind: statement('active_of_kind', `SELECT ${COLUMNS} FROM recordings r WHERE r.worker_kind = $1 AND r.status = 'active'`),

  countByStatus: statement('count_by_status', `SELECT status, count(*)::int AS n FROM recordings GROUP BY status`),

  access: statement('access', `SELECT ${ACCESS_COLUMNS} FROM recording_accesses a WHERE a.recording_id = $1 AND a.user_sub = $2`),

  cancelJobsOf: statement('cancel_jobs_of', `UPDATE jobs SET status = 'cancelled', finished_at = now() WHERE recording_id = $1 AND status = 'pending' AND kind LIKE 'email.%'`),
  /** Deletes the recording (its accesses and files go with it) and queues recording.deleted with its last state ($2: the EventRoutes). */
  delete: statement(
    'delete',
    `WITH gone AS (SELECT ${COLUMNS} FROM recordings r WHERE r.id = $1),
     ${queueRecordingEvents('ev', 'gone', `'recording.deleted'`, '$2')},
     d AS (DELETE FROM recordings WHERE id = $1 RETURNING id)
     SELECT (SELECT count(*) FROM d)::int AS deleted, (SELECT count(*) FROM ev)::int AS "jobsDue"`,
  ),

  /** The recording and its owners' subs, for recording.ready's snapshot. */
  readySnapshot: statement('ready_snapshot', SNAPSHOT_WITH_OWNERS),

  /**
   * Saved (the composite landed) and its composite file saved, in one statement; when no track
   * file is still pending the recording is also ready (see whenReady), which queues its emails and,
   * with `$6` (the storage is configured), a non-permanent recording's retention-tag job. The
   * guarded UPDATE takes the row lock, so concurrent or repeated events for one recording
   * serialise: only the first saves. With tracks still pending, the reconciler looks again after
   * $4 ms (their grace). A data-modifying CTE's effect is invisible to the rest of the statement,
   * so `prior` reads the status as it was before. A Jibri recording is saved only by a file that
   * came through its one upload URL with no 409 answered since (`untrusted` says why not); a
   * paused one, joined from its stretches, once a stretch's URL went out and no 409 was answered.
   * $8: a recording that has parts is left to its join (a storage event's save), with `hasParts`.
   */
  markSaved: statement(
    'mark_saved',
    `WITH u AS (
       UPDATE recordings SET status = 'saved', updated_at = now(), reconcile_attempts = 0,
              reconcile_at = CASE WHEN tracks_pending > 0 THEN ${inMs('$4')} ELSE NULL END
        WHERE id = $1 AND status = ANY($2::varchar[]) AND ($3::text[] IS NULL OR worker_kind = ANY($3))
          AND (worker_kind <> 'jibri' OR (jibri_upload_refused_at IS NULL AND (jibri_upload_url_issued_at IS NOT NULL OR ${PART_URL_ISSUED})))
          AND NOT ($8::boolean AND EXISTS (SELECT 1 FROM recording_parts rp WHERE rp.recording_id = $1))
        RETURNING id, status, tracks_pending, is_permanent
     ), composite AS (
       UPDATE recording_files SET status = 'saved', size = COALESCE($5::bigint, size), updated_at = now()
        WHERE recording_id = $1 AND kind = 'composite' AND EXISTS (SELECT 1 FROM u)
     ), ${whenReady('u', '$6', '$7')}
     SELECT (SELECT count(*) FROM u)::int AS saved,
            (SELECT count(*) FROM ready)::int AS ready,
            (SELECT count(*) FROM q)::int AS queued,
            (SELECT count(*) FROM t)::int + (SELECT count(*) FROM w)::int AS others,
            (SELECT status FROM recordings WHERE id = $1) AS prior,
            (SELECT worker_kind FROM recordings WHERE id = $1) AS kind,
            EXISTS (SELECT 1 FROM recording_parts WHERE recording_id = $1) AS "hasParts",
            (SELECT CASE WHEN worker_kind <> 'jibri' THEN NULL WHEN jibri_upload_url_issued_at IS NULL AND NOT ${PART_URL_ISSUED} THEN 'no_upload_url'
                         WHEN jibri_upload_refused_at IS NOT NULL THEN 'upload_refused' END FROM recordings WHERE id = $1) AS untrusted`,
  ),

  /** Nobody to notify: a saved recording has nothing left to wait for. */
  notifiedWithoutEmails: statement(
    'notified_without_emails',
    `UPDATE recordings SET status = 'notification_succeeded', updated_at = now() WHERE id = $1 AND status = 'saved'`,
  ),

  lockRecording: statement('lock_recording', `SELECT id FROM recordings WHERE id = $1 FOR UPDATE`),
  /** The recording, row locked until the transaction ends (permanence changes and retention tagging serialise on it). */
  lockedById: statement('locked_by_id', `SELECT ${COLUMNS} FROM recordings r WHERE r.id = $1 FOR UPDATE`),
  /**
   * The new permanence; a recording made non-permanent gets a retention-tag job (`$3`: the
   * storage is configured) in the same statement. No key: each change queues its own job, and
   * every job converges on the permanence it reads when it runs.
   */
  setPermanent: statement(
    'set_permanent',
    `WITH u AS (
       UPDATE recordings SET is_permanent = $2, updated_at = now() WHERE id = $1 RETURNING *
     ), t AS (
       INSERT INTO jobs (kind, recording_id)
       SELECT '${RETENTION_TAG_KIND}', u.id FROM u WHERE $3::boolean AND NOT u.is_permanent
       RETURNING id
     )
     SELECT ${COLUMNS}, (SELECT count(*) FROM t)::int AS "tagJobs" FROM u r`,
  ),
  /**
   * After the recording row is locked (previous statement, same transaction), a new statement
   * sees every email job that committed meanwhile: the last owner's email completes it, even
   * when two owners' emails finish at the same moment.
   */
  notifiedIfComplete: statement(
    'notified_if_complete',
    `UPDATE recordings SET status = 'notification_succeeded', updated_at = now()
      WHERE id = $1 AND status = 'saved'
        AND NOT EXISTS (SELECT 1 FROM jobs WHERE recording_id = $1 AND kind = '${EMAIL_SAVED_KIND}' AND status <> 'done')`,
  ),

  /**
   * The recordings due for the reconciler, oldest due first; each claimed one is pushed back by
   * a lease so a concurrent pass (another instance) takes other rows. Rows the pass cannot settle
   * get a later time (backoff), so a crowd of them never hides the others.
   */
  claimForReconcile: statement(
    'claim_for_reconcile',
    `WITH due AS (
       SELECT id FROM recordings WHERE reconcile_at <= now()
        ORDER BY reconcile_at LIMIT $1 FOR UPDATE SKIP LOCKED
     )
     UPDATE recordings r SET reconcile_at = now() + make_interval(secs => $2::float8 / 1000)
       FROM due WHERE r.id = due.id
     RETURNING ${COLUMNS}, r.reconcile_attempts AS "reconcileAttempts"`,
  ),
  deferReconcile: statement(
    'defer_reconcile',
    `UPDATE recordings SET reconcile_at = ${inMs('$2')}, reconcile_attempts = $4 WHERE id = $1 AND status = $3`,
  ),
} as const;
