import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The project's bucket expiry rule now only deletes files tagged `recording-retention=expire`
 * (permanent recordings' files never carry it). Files saved before this release have no tag:
 * every saved, non-permanent recording gets the job that tags them, so they stay under the
 * operator's retention. Its key is the one a save uses, so nothing is queued twice.
 */
export class RetentionTags1765500000000 implements MigrationInterface {
  name = 'RetentionTags1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO jobs (kind, key, recording_id)
      SELECT 'storage.retention-tag', 'storage.retention-tag:saved:' || id, id
        FROM recordings
       WHERE status IN ('saved', 'notification_succeeded') AND NOT is_permanent
      ON CONFLICT (key) DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM jobs WHERE kind = 'storage.retention-tag' AND status = 'pending'`);
  }
}
