import { statement } from '../../db/sql';

/**
 * Every SQL statement on the recordings tables (recordings, recording_accesses) and on the
 * jobs they queue. Only src/recording/store/ runs them.
 */

/** A recording row under the alias `r`, with the field names of the Recording type. */
const COLUMNS = `r.id, r.room, r.mode, r.status, r.worker_kind AS "workerKind", r.worker_id AS "workerId",
  r.worker_error AS "workerError", r.options, r.is_permanent AS "isPermanent", r.automatic,
  r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;

const ACCESS_COLUMNS = `a.id, a.recording_id AS "recordingId", a.user_sub AS "userSub", a.role, a.email, a.name, a.locale, a.zoneinfo`;

/** `now() + $n ms`, or NULL when the parameter is NULL. */
const inMs = (param: string) => `CASE WHEN ${param}::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => ${param}::float8 / 1000) END`;

export const EMAIL_SAVED_KIND = 'email.recording-saved';
/** Sets or removes the retention tag on a recording's files to match its permanence (src/recording/retention/). */
export const RETENTION_TAG_KIND = 'storage.retention-tag';

export const SQL = {
  insertInitiated: statement(
    'insert_initiated',
    `WITH r AS (
       INSERT INTO recordings (id, room, mode, status, worker_kind, options, is_permanent, reconcile_at, automatic)
       VALUES ($1, $2, $3, 'initiated', $4, $5, $6, ${inMs('$7')}, $13)
       RETURNING *
     ), owner AS (
       INSERT INTO recording_accesses (id, recording_id, user_sub, role, email, name, locale, zoneinfo)
       SELECT gen_random_uuid(), r.id, $8, 'owner', $9, $10, $11, $12 FROM r
     )
     SELECT ${COLUMNS} FROM r`,
  ),

  /** The guarded status change: only from the expected statuses; also resets the reconciler's schedule. */
  transition: statement(
    'transition',
    `UPDATE recordings r
        SET status = $3, updated_at = now(),
            worker_id = CASE WHEN $4::boolean THEN $5 ELSE r.worker_id END,
            worker_error = CASE WHEN $6::boolean THEN $7 ELSE r.worker_error END,
            reconcile_at = ${inMs('$8')}, reconcile_attempts = 0
      WHERE r.id = $1 AND r.status = ANY($2::varchar[])
      RETURNING ${COLUMNS}`,
  ),

  byId: statement('by_id', `SELECT ${COLUMNS} FROM recordings r WHERE r.id = $1`),
  byWorkerId: statement('by_worker_id', `SELECT ${COLUMNS} FROM recordings r WHERE r.worker_id = $1 LIMIT 1`),
  liveInRoom: statement('live_in_room', `SELECT ${COLUMNS} FROM recordings r WHERE r.room = $1 AND r.status IN ('initiated', 'active')`),
  activeInRoom: statement('active_in_room', `SELECT ${COLUMNS} FROM recordings r WHERE r.room = $1 AND r.status = 'active'`),
  activeOfKind: statement('active_of_kind', `SELECT ${COLUMNS} FROM recordings r WHERE r.worker_kind = $1 AND r.status = 'active'`),

  countByStatus: statement('count_by_status', `SELECT status, count(*)::int AS n FROM recordings GROUP BY status`),

  access: statement('access', `SELECT ${ACCESS_COLUMNS} FROM recording_accesses a WHERE a.recording_id = $1 AND a.user_sub = $2`),

  countForUser: statement('count_for_user', `SELECT count(*)::int AS n FROM recording_accesses a WHERE a.user_sub = $1`),
  pageForUser: statement(
    'page_for_user',
    `SELECT ${COLUMNS}, a.role AS "accessRole"
       FROM recordings r JOIN recording_accesses a ON a.recording_id = r.id AND a.user_sub = $1
      ORDER BY r.created_at DESC, r.id DESC
      LIMIT $2 OFFSET $3`,
  ),

  notificationSummary: statement(
    'notification_summary',
    `SELECT status, count(*)::int AS n FROM jobs WHERE recording_id = $1 AND kind = '${EMAIL_SAVED_KIND}' GROUP BY status`,
  ),

  cancelJobsOf: statement('cancel_jobs_of', `UPDATE jobs SET status = 'cancelled', finished_at = now() WHERE recording_id = $1 AND status = 'pending' AND kind LIKE 'email.%'`),
  delete: statement('delete', `DELETE FROM recordings WHERE id = $1`),

  /**
   * Saved + one email job per owner with an address, in one statement (the outbox). The
   * guarded UPDATE takes the row lock, so concurrent or repeated events for one recording
   * serialise: only the first saves and queues. A data-modifying CTE's effect is invisible to
   * the rest of the statement, so `prior` reads the status as it was before. With `$4` (the
   * storage is configured), a non-permanent recording also gets its retention-tag job.
   */
  markSaved: statement(
    'mark_saved',
    `WITH u AS (
       UPDATE recordings SET status = 'saved', updated_at = now(), reconcile_at = NULL, reconcile_attempts = 0
        WHERE id = $1 AND status = ANY($2::varchar[]) AND ($3::text[] IS NULL OR worker_kind = ANY($3))
        RETURNING id, is_permanent
     ), q AS (
       INSERT INTO jobs (kind, key, recording_id, payload)
       SELECT '${EMAIL_SAVED_KIND}', '${EMAIL_SAVED_KIND}:' || a.id, a.recording_id, jsonb_build_object('accessId', a.id)
         FROM recording_accesses a JOIN u ON u.id = a.recording_id
        WHERE a.role = 'owner' AND a.email IS NOT NULL
       ON CONFLICT (key) DO NOTHING
       RETURNING id
     ), t AS (
       INSERT INTO jobs (kind, key, recording_id)
       SELECT '${RETENTION_TAG_KIND}', '${RETENTION_TAG_KIND}:saved:' || u.id, u.id FROM u WHERE $4::boolean AND NOT u.is_permanent
       ON CONFLICT (key) DO NOTHING
       RETURNING id
     )
     SELECT (SELECT count(*) FROM u)::int AS saved,
            (SELECT count(*) FROM q)::int AS queued,
            (SELECT count(*) FROM t)::int AS tagging,
            (SELECT status FROM recordings WHERE id = $1) AS prior,
            (SELECT worker_kind FROM recordings WHERE id = $1) AS kind`,
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

  emailContext: statement(
    'email_context',
    `SELECT a.email, a.name, a.locale, a.zoneinfo, r.room, r.created_at AS "createdAt", r.is_permanent AS "isPermanent"
       FROM recording_accesses a JOIN recordings r ON r.id = a.recording_id
      WHERE a.id = $1 AND r.id = $2`,
  ),

  /**
   * What media-auth needs, in one round trip on three indexes (the recordings primary key, the
   * (recording_id, user_sub) unique constraint of recording_accesses and the unique token hash
   * of share_links). A share link counts only while neither revoked nor expired.
   */
  mediaAccess: statement(
    'media_access',
    `SELECT r.status, r.worker_kind AS "workerKind", r.created_at AS "createdAt", r.is_permanent AS "isPermanent", r.room,
            EXISTS (SELECT 1 FROM recording_accesses a WHERE a.recording_id = r.id AND a.user_sub = ANY($2::varchar[])) AS allowed,
            ($3::bytea IS NOT NULL AND EXISTS (
              SELECT 1 FROM share_links s
               WHERE s.token_hash = $3::bytea AND s.recording_id = r.id AND s.revoked_at IS NULL AND s.expires_at > now()
            )) AS shared
       FROM recordings r WHERE r.id = $1`,
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
