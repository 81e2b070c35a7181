import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `recordings.reason`: why the recording is in its status when no user asked for it, as
 * `{"code", "detail"}` (see src/recording/reason.ts); NULL otherwise. Set by the same guarded
 * transition that changes the status. Recordings that failed before it existed keep NULL.
 */
export class RecordingReason1766100000000 implements MigrationInterface {
  name = 'RecordingReason1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings ADD COLUMN reason jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP COLUMN reason`);
  }
}
