import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The service removes the files of expired, non-permanent recordings itself (the expiry sweep).
 * `recording_files.removed_at`: that file was deleted from storage (a retry after a partial
 * failure skips it, so each file is deleted once). `recordings.files_removed_at`: every file is
 * gone; set by one guarded statement once the last one was, and from then on the recording is
 * expired whatever RECORDING_EXPIRATION_DAYS says later. `recordings.reminders_queued_at`: the
 * sweep has queued the reminders before expiry of its owners (one keyed job per access), so
 * later passes skip it; cleared when the recording is made permanent, so that it is looked at
 * again if it is made non-permanent later. The partial indexes are what the sweep scans: only
 * recordings that may still have files to remove, or reminders to queue.
 */
export class ExpirySweep1765900000000 implements MigrationInterface {
  name = 'ExpirySweep1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings ADD COLUMN files_removed_at timestamptz, ADD COLUMN reminders_queued_at timestamptz`);
    await q.query(`ALTER TABLE recording_files ADD COLUMN removed_at timestamptz`);
    await q.query(`CREATE INDEX recordings_expiry_due ON recordings (created_at) WHERE files_removed_at IS NULL AND NOT is_permanent`);
    await q.query(
      `CREATE INDEX recordings_reminder_due ON recordings (created_at) WHERE reminders_queued_at IS NULL AND files_removed_at IS NULL AND NOT is_permanent`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX recordings_reminder_due`);
    await q.query(`DROP INDEX recordings_expiry_due`);
    await q.query(`ALTER TABLE recording_files DROP COLUMN removed_at`);
    await q.query(`ALTER TABLE recordings DROP COLUMN files_removed_at, DROP COLUMN reminders_queued_at`);
  }
}
