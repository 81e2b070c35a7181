import { MigrationInterface, QueryRunner } from 'typeorm';

const STATUSES_BEFORE = `'initiated','active','stopped','saved','notification_succeeded','failed_to_start','failed_to_stop','aborted'`;

/**
 * The start queue: status `queued` (a start waiting for a free recorder), which counts as the
 * room's live recording like `initiated` and `active`.
 * - `queued_at`: when it first had to wait; `queue_deadline`: when it gives up
 *   (`failed_to_start`, no_recorder_available); `queue_retry_at` / `queue_attempts`: the backoff
 *   of the periodic tries of the queue's head; `dispatch_until`: a start taken from the queue
 *   belongs to its dispatcher until then (after it, the dispatcher is taken for dead).
 * - `start_queue_dispatch`: one row per worker kind, the lease that lets one dispatcher at a
 *   time serve that kind's queue (first come, first served across instances), and `again`,
 *   set when a signal (a freed recorder) came while it was held.
 * - `jibri_instances.drained_at`: an operator took the Jibri out of new starts.
 */
export class StartQueue1766900000000 implements MigrationInterface {
  name = 'StartQueue1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP CONSTRAINT recordings_status_check`);
    await q.query(`ALTER TABLE recordings ADD CONSTRAINT recordings_status_check CHECK (status IN ('queued',${STATUSES_BEFORE}))`);
    await q.query(`DROP INDEX recordings_one_live_per_room`);
    await q.query(`CREATE UNIQUE INDEX recordings_one_live_per_room ON recordings (room) WHERE status IN ('queued', 'initiated', 'active')`);
    await q.query(`ALTER TABLE recordings
      ADD COLUMN queued_at timestamptz, ADD COLUMN queue_deadline timestamptz, ADD COLUMN queue_retry_at timestamptz,
      ADD COLUMN queue_attempts integer NOT NULL DEFAULT 0, ADD COLUMN dispatch_until timestamptz`);
    await q.query(`CREATE INDEX recordings_queued ON recordings (worker_kind, created_at, id) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX recordings_dispatched ON recordings (dispatch_until) WHERE status = 'initiated' AND dispatch_until IS NOT NULL`);
    await q.query(`CREATE TABLE start_queue_dispatch (
      kind varchar(32) PRIMARY KEY,
      holder uuid,
      until timestamptz,
      again boolean NOT NULL DEFAULT false)`);
    await q.query(`ALTER TABLE jibri_instances ADD COLUMN drained_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jibri_instances DROP COLUMN drained_at`);
    await q.query(`DROP TABLE start_queue_dispatch`);
    await q.query(`UPDATE recordings SET status = 'failed_to_start' WHERE status = 'queued'`);
    await q.query(`DROP INDEX recordings_dispatched`);
    await q.query(`DROP INDEX recordings_queued`);
    await q.query(`ALTER TABLE recordings DROP COLUMN queued_at, DROP COLUMN queue_deadline, DROP COLUMN queue_retry_at, DROP COLUMN queue_attempts, DROP COLUMN dispatch_until`);
    await q.query(`DROP INDEX recordings_one_live_per_room`);
    await q.query(`CREATE UNIQUE INDEX recordings_one_live_per_room ON recordings (room) WHERE status IN ('initiated', 'active')`);
    await q.query(`ALTER TABLE recordings DROP CONSTRAINT recordings_status_check`);
    await q.query(`ALTER TABLE recordings ADD CONSTRAINT recordings_status_check CHECK (status IN (${STATUSES_BEFORE}))`);
  }
}
