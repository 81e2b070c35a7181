import { MigrationInterface, QueryRunner } from 'typeorm';
import { NOTIFICATIONS_V1 } from './notifications-v1-ddl';

/**
 * One table for every piece of background work (emails today; webhook deliveries, sweeps and
 * timers later), replacing the email-only `notifications` outbox. Pending emails move over
 * with their ids, attempts and schedule, so nothing queued before the upgrade is lost or resent.
 * Recordings also get the reconciler's schedule: when to look at each one next.
 */
export class JobRunner1764600000000 implements MigrationInterface {
  name = 'JobRunner1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind varchar(64) NOT NULL,
        key varchar(255),
        recording_id uuid,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','done','failed','cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        run_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_error varchar(500),
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CONSTRAINT jobs_key_unique UNIQUE (key)
      )`);
    await q.query(`CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX jobs_recording ON jobs (recording_id, kind) WHERE recording_id IS NOT NULL`);
    await q.query(`
      INSERT INTO jobs (id, kind, key, recording_id, payload, status, attempts, run_at, locked_until, last_error, created_at, finished_at)
      SELECT id, 'email.recording-saved', 'email.recording-saved:' || access_id, recording_id,
             jsonb_build_object('accessId', access_id),
             CASE status WHEN 'sent' THEN 'done' ELSE status END,
             attempts, next_attempt_at, locked_until, last_error, created_at, sent_at
        FROM notifications`);
    await q.query(`DROP TABLE notifications`);

    // Every recording, old or new, is due at first: one look settles the ones with nothing to do.
    await q.query(`ALTER TABLE recordings ADD COLUMN reconcile_at timestamptz DEFAULT now(), ADD COLUMN reconcile_attempts integer NOT NULL DEFAULT 0`);
    await q.query(`CREATE INDEX recordings_reconcile_due ON recordings (reconcile_at) WHERE reconcile_at IS NOT NULL`);
    await q.query(`DROP INDEX recordings_status_updated`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX recordings_status_updated ON recordings (status, updated_at)`);
    await q.query(`DROP INDEX recordings_reconcile_due`);
    await q.query(`ALTER TABLE recordings DROP COLUMN reconcile_at, DROP COLUMN reconcile_attempts`);
    for (const ddl of NOTIFICATIONS_V1) await q.query(ddl);
    await q.query(`
      INSERT INTO notifications (id, recording_id, access_id, status, attempts, next_attempt_at, locked_until, last_error, sent_at, created_at)
      SELECT j.id, j.recording_id, (j.payload->>'accessId')::uuid,
             CASE j.status WHEN 'done' THEN 'sent' WHEN 'cancelled' THEN 'failed' ELSE j.status END,
             j.attempts, j.run_at, j.locked_until, j.last_error, j.finished_at, j.created_at
        FROM jobs j JOIN recording_accesses a ON a.id = (j.payload->>'accessId')::uuid
       WHERE j.kind = 'email.recording-saved'`);
    await q.query(`DROP TABLE jobs`);
  }
}
