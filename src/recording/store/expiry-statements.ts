import { statement } from '../../db/sql';
import { queueRecordingEvents } from '../../events/outbox-sql';
import { EMAIL_EXPIRY_REMINDER_KIND } from '../../notifications/email-job-kinds';
import { EXPIRE_FILES_KIND } from '../retention/retention-job-kinds';
import { COLUMNS } from './statements';

/**
 * The statements of expiry enforced (src/recording/retention/expiry-sweep.ts): queueing the
 * removal of expired recordings' files and the reminders before it, removing the files, and
 * what a reminder needs. Only src/recording/store/ runs them.
 *
 * Expired means `created_at + RECORDING_EXPIRATION_DAYS <= now()` (the same date the API
 * shows, src/recording/expiry.ts), for a recording that is not permanent and whose files are
 * still there (`files_removed_at IS NULL`: the partial index recordings_expiry_due).
 */

const expiredSince = (days: string) => `r.created_at <= now() - make_interval(days => ${days}::int)`;

/** Makes a finished job with this key pending again (ON CONFLICT ... DO UPDATE). */
const REVIVE = `SET status = 'pending', attempts = 0, run_at = now(), locked_until = NULL, last_error = NULL, finished_at = NULL`;

export const EXPIRY_SQL = {
  /**
   * One removal job per expired recording (`$1` RECORDING_EXPIRATION_DAYS, `$2` the final
   * statuses: nothing is recording any more), oldest first, keyed by the recording so several
   * sweeps never queue two. At most `$3` such jobs are pending at once: a backlog (expiry just
   * turned on, a storage outage) drains batch by batch instead of filling the jobs table. A job
   * that ended without removing the files (given up, or cancelled because the recording was
   * permanent then) is made pending again.
   */
  queueExpiredFiles: statement(
    'expiry_queue_files',
    `WITH due AS (
       SELECT r.id FROM recordings r
        WHERE r.files_removed_at IS NULL AND NOT r.is_permanent AND ${expiredSince('$1')}
          AND r.status = ANY($2::varchar[])
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.key = '${EXPIRE_FILES_KIND}:' || r.id AND j.status = 'pending')
        ORDER BY r.created_at
        LIMIT GREATEST(0, $3::int - (SELECT count(*) FROM jobs WHERE kind = '${EXPIRE_FILES_KIND}' AND status = 'pending')::int)
     )
     INSERT INTO jobs (kind, key, recording_id)
     SELECT '${EXPIRE_FILES_KIND}', '${EXPIRE_FILES_KIND}:' || due.id, due.id FROM due
     ON CONFLICT (key) DO UPDATE ${REVIVE} WHERE jobs.status <> 'pending'
     RETURNING id`,
  ),

  /**
   * The reminders whose moment has come (`$2` days before expiry, `$1` RECORDING_EXPIRATION_DAYS)
   * for recordings not expired yet: up to `$4` recordings not looked at before are marked
   * (`reminders_queued_at`, so later passes skip them on the partial index
   * recordings_reminder_due) and, for the downloadable ones (`$3`), one job is queued per owner
   * with an address (the "recording saved" email's recipients). The key is the access: an owner
   * is reminded once, across restarts and instances. A reminder that was cancelled (the
   * recording was made permanent; any permanence change clears the mark) is queued again once the
   * recording is back under expiry; one sent or given up never is. Rows another transaction
   * holds (a PATCH) are skipped until the next pass.
   */
  queueReminders: statement(
    'expiry_queue_reminders',
    `WITH due AS (
       SELECT r.id, r.status FROM recordings r
        WHERE r.reminders_queued_at IS NULL AND r.files_removed_at IS NULL AND NOT r.is_permanent
          AND r.created_at <= now() - make_interval(days => $1::int - $2::int)
          AND NOT ${expiredSince('$1')}
        ORDER BY r.created_at
        LIMIT $4
        FOR UPDATE OF r SKIP LOCKED
     ), marked AS (
       UPDATE recordings r SET reminders_queued_at = now() FROM due WHERE r.id = due.id
     ), q AS (
       INSERT INTO jobs (kind, key, recording_id, payload)
       SELECT '${EMAIL_EXPIRY_REMINDER_KIND}', '${EMAIL_EXPIRY_REMINDER_KIND}:' || a.id, a.recording_id, jsonb_build_object('accessId', a.id)
         FROM recording_accesses a JOIN due ON due.id = a.recording_id
        WHERE due.status = ANY($3::varchar[]) AND a.role = 'owner' AND a.email IS NOT NULL
       ON CONFLICT (key) DO UPDATE ${REVIVE} WHERE jobs.status = 'cancelled'
       RETURNING id
     )
     SELECT (SELECT count(*) FROM due)::int AS recordings, (SELECT count(*) FROM q)::int AS queued`,
  ),

  /**
   * First statement of a removal: the recording row, locked until the transaction ends, so a
   * PATCH is_permanent (which locks it too) waits for the removal or is seen by it. `$2`
   * RECORDING_EXPIRATION_DAYS.
   */
  lockForExpiry: statement(
    'expiry_lock',
    `SELECT r.status, r.is_permanent AS "isPermanent", r.files_removed_at AS "filesRemovedAt", ${expiredSince('$2')} AS expired
       FROM recordings r WHERE r.id = $1 FOR UPDATE`,
  ),

  /** The recording's files still in storage, composite first. */
  filesToRemove: statement(
    'expiry_files_to_remove',
    `SELECT id, relative_key AS "relativeKey" FROM recording_files WHERE recording_id = $1 AND removed_at IS NULL ORDER BY kind, created_at, track_id`,
  ),

  /** One file deleted from storage: a retry skips it. */
  fileRemoved: statement('expiry_file_removed', `UPDATE recording_files SET removed_at = now(), updated_at = now() WHERE id = $1 AND removed_at IS NULL`),

  /**
   * THE moment a recording's files are all gone, in one guarded statement: only a recording
   * still expired, non-permanent and final, with no file left (`$2` RECORDING_EXPIRATION_DAYS,
   * `$3` the final statuses). Under the row lock of lockForExpiry, so it happens once. Whatever
   * the expiry tells others is queued here, in this statement: recording.expired (`$4`: the
   * EventRoutes).
   */
  filesRemoved: statement(
    'expiry_files_removed',
    `WITH expired AS (
       UPDATE recordings r SET files_removed_at = now(), updated_at = now()
        WHERE r.id = $1 AND r.files_removed_at IS NULL AND NOT r.is_permanent AND ${expiredSince('$2')}
          AND r.status = ANY($3::varchar[])
          AND NOT EXISTS (SELECT 1 FROM recording_files f WHERE f.recording_id = r.id AND f.removed_at IS NULL)
        RETURNING ${COLUMNS}
     ), ${queueRecordingEvents('ev', 'expired', `'recording.expired'`, '$4')}
     SELECT expired.*, (SELECT count(*) FROM ev)::int AS "jobsDue" FROM expired`,
  ),

  /**
   * With a permanence change (same transaction): a recording made permanent (`$2`) gets no
   * reminder, so its pending ones are cancelled; either way its mark is cleared, so the sweep
   * looks at it again once it is under expiry (a reminder already sent is not sent again).
   */
  remindersOnPermanence: statement(
    'expiry_reminders_on_permanence',
    `WITH cancelled AS (
       UPDATE jobs SET status = 'cancelled', locked_until = NULL, last_error = 'the recording was made permanent', finished_at = now()
        WHERE $2::boolean AND recording_id = $1 AND kind = '${EMAIL_EXPIRY_REMINDER_KIND}' AND status = 'pending'
     )
     UPDATE recordings SET reminders_queued_at = NULL WHERE id = $1`,
  ),

  /** What a reminder needs, read when it is sent: the owner, and whether the recording is still due to expire. */
  reminderContext: statement(
    'expiry_reminder_context',
    `SELECT a.email, a.name, a.locale, a.zoneinfo, r.room, r.status, r.created_at AS "createdAt", r.is_permanent AS "isPermanent",
            r.files_removed_at AS "filesRemovedAt"
       FROM recording_accesses a JOIN recordings r ON r.id = a.recording_id
      WHERE a.id = $1 AND r.id = $2`,
  ),
} as const;
