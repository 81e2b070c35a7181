import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `recordings.jibri_upload_url_issued_at`: when the one upload URL of a Jibri recording was
 * handed out. Set by one guarded statement (only on a stopped recording, only while unset), so
 * however many service processes are asked, a recording gets one URL.
 */
export class JibriUploadOnce1766300000000 implements MigrationInterface {
  name = 'JibriUploadOnce1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings ADD COLUMN jibri_upload_url_issued_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP COLUMN jibri_upload_url_issued_at`);
  }
}
