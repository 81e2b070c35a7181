import { statement } from '../db/sql';

const JOB_COLUMNS = `j.id, j.kind, j.key, j.recording_id AS "recordingId", j.payload, j.attempts, j.created_at AS "createdAt"`;

export const JOB_SQL = {
  /**
   * Claims due jobs of the kinds this instance handles: FOR UPDATE SKIP LOCKED makes concurrent
   * claimers (other instances) take other rows, and the lease (`locked_until`) keeps the row
   * from being claimed again while it runs. `$3` maps each kind to its lease in ms.
   */
  claim: statement(
    'jobs_claim',
    `WITH due AS (
       SELECT id FROM jobs
        WHERE status = 'pending' AND run_at <= now() AND kind = ANY($1::varchar[])
          AND (locked_until IS NULL OR locked_until < now())
        ORDER BY run_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs j
        SET locked_until = now() + make_interval(secs => ($3::jsonb ->> j.kind)::float8 / 1000), attempts = j.attempts + 1
       FROM due WHERE j.id = due.id
     RETURNING ${JOB_COLUMNS}`,
  ),
  /** Finishing statements are guarded by the attempt number: a claim that outlived its lease changes nothing. */
  done: statement(
    'jobs_done',
    `UPDATE jobs SET status = 'done', locked_until = NULL, last_error = NULL, finished_at = now()
      WHERE id = $1 AND attempts = $2 AND status = 'pending'
     RETURNING id`,
  ),
  finish: statement(
    'jobs_finish',
    `UPDATE jobs SET status = $3, locked_until = NULL, last_error = $4, finished_at = now()
      WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
  ),
  retryLater: statement(
    'jobs_retry_later',
    `UPDATE jobs SET locked_until = NULL, last_error = $3, run_at = now() + make_interval(secs => $4::float8 / 1000)
      WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
  ),
  enqueue: statement(
    'jobs_enqueue',
    `INSERT INTO jobs (kind, key, recording_id, payload, run_at)
     VALUES ($1, $2, $3, $4, COALESCE($5::timestamptz, now()))
     ON CONFLICT (key) DO NOTHING
     RETURNING id`,
  ),
  /** A recurring task's one row; at start-up it is made due now (a pass at start-up, as a restart expects). */
  ensureRecurring: statement(
    'jobs_ensure_recurring',
    `INSERT INTO jobs (kind, key, status, run_at) VALUES ($1, $2, 'pending', now())
     ON CONFLICT (key) DO UPDATE SET status = 'pending', run_at = LEAST(jobs.run_at, now()), finished_at = NULL`,
  ),
  /**
   * Extends a running recurring task's claim by its lease; no row when the claim was lost (its
   * lease ran out and another instance took the task: `attempts` moved on).
   */
  renew: statement(
    'jobs_renew',
    `UPDATE jobs SET locked_until = now() + make_interval(secs => $3::float8 / 1000)
      WHERE id = $1 AND attempts = $2 AND status = 'pending' AND locked_until IS NOT NULL
     RETURNING id`,
  ),
  reschedule: statement(
    'jobs_reschedule',
    `UPDATE jobs SET locked_until = NULL, attempts = 0, last_error = $3, run_at = now() + make_interval(secs => $4::float8 / 1000)
      WHERE id = $1 AND attempts = $2`,
  ),
} as const;
