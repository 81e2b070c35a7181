import { statement } from '../../db/sql';
import { MAX_DURATION_KIND, START_WATCH_KIND } from '../watchdog/watch-job-kinds';
import { transitionSql } from './statements';

/**
 * The start watchdog's statements on `recording_worker_jobs` (every worker job started for a
 * recording) and on the jobs that check them. Only src/recording/store/ runs them.
 */
export const START_WATCH_SQL = {
  /**
   * The status change that stores a first start's worker id (the transition's $1-$12), with
   * what watches the job in the same statement, when the recording is live with a worker id
   * after it: the job's row (attempt 0), its check ($13 its key, due at $14) and the duration
   * limit's stop ($15 its key, due $16 ms after the recording was created; none when NULL).
   */
  recordStart: statement(
    'start_watch_record_start',
    transitionSql(`,
     watched AS (SELECT id, "workerId", "createdAt" FROM u WHERE "workerId" IS NOT NULL AND status IN ('initiated', 'active')),
     wj AS (
       INSERT INTO recording_worker_jobs (recording_id, attempt, worker_id) SELECT id, 0, "workerId" FROM watched
       ON CONFLICT (recording_id, attempt) DO NOTHING
     ), chk AS (
       INSERT INTO jobs (kind, key, recording_id, payload, run_at)
       SELECT '${START_WATCH_KIND}', $13::text, id, jsonb_build_object('workerId', "workerId", 'attempt', 0), $14::timestamptz FROM watched
       ON CONFLICT (key) DO NOTHING
     ), dur AS (
       INSERT INTO jobs (kind, key, recording_id, payload, run_at)
       SELECT '${MAX_DURATION_KIND}', $15::text, id, '{}'::jsonb, "createdAt" + make_interval(secs => $16::float8 / 1000) FROM watched
        WHERE $16::float8 IS NOT NULL
       ON CONFLICT (key) DO NOTHING
     )`),
  ),
  /** A started worker job of the recording; the same attempt twice changes nothing. */
  recordJob: statement(
    'start_watch_record_job',
    `INSERT INTO recording_worker_jobs (recording_id, attempt, worker_id) VALUES ($1, $2, $3)
     ON CONFLICT (recording_id, attempt) DO NOTHING`,
  ),
  /** The recording's latest worker job. */
  latestJob: statement(
    'start_watch_latest_job',
    `SELECT attempt, worker_id AS "workerId", confirmed_at AS "confirmedAt", replaced_at AS "replacedAt"
       FROM recording_worker_jobs WHERE recording_id = $1 ORDER BY attempt DESC LIMIT 1`,
  ),
  /** The job was seen recording; a row only the first time. */
  confirm: statement(
    'start_watch_confirm',
    `UPDATE recording_worker_jobs SET confirmed_at = now()
      WHERE recording_id = $1 AND worker_id = $2 AND confirmed_at IS NULL AND replaced_at IS NULL
     RETURNING attempt`,
  ),
  /**
   * Claims the replacement of the recording's latest job `$2` (attempt `$3`): only while the
   * recording is live with that worker id, the job unconfirmed and not yet replaced. The
   * recording row is locked first, so a stop or another instance's claim serialises with it.
   */
  claimReplacement: statement(
    'start_watch_claim_replacement',
    `WITH r AS (SELECT id FROM recordings WHERE id = $1 AND worker_id = $2 AND status IN ('initiated', 'active') FOR UPDATE)
     UPDATE recording_worker_jobs j SET replaced_at = now()
       FROM r
      WHERE j.recording_id = r.id AND j.worker_id = $2 AND j.attempt = $3 AND j.confirmed_at IS NULL AND j.replaced_at IS NULL
     RETURNING j.attempt`,
  ),
  /** The recording, row locked, when it is still live with worker id `$2`. */
  lockLiveWith: statement(
    'start_watch_lock_live_with',
    `SELECT status FROM recordings WHERE id = $1 AND worker_id = $2 AND status IN ('initiated', 'active') FOR UPDATE`,
  ),
  /** The watchdog gave up on this worker job of the recording: what its worker says of it is stale. */
  isReplaced: statement(
    'start_watch_is_replaced',
    `SELECT 1 FROM recording_worker_jobs WHERE recording_id = $1 AND worker_id = $2 AND replaced_at IS NOT NULL LIMIT 1`,
  ),
} as const;
