import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The recording list works out the caller's visible recordings from two indexes; each now also
 * holds what the list reads beside its keys, so neither branch visits the table for it: a
 * room's recordings carry their status (the members' branch filters on it), the caller's
 * accesses their role (the own branch returns it). Same names, same keys and order as before.
 */
export class ListCoveringIndexes1768300000000 implements MigrationInterface {
  name = 'ListCoveringIndexes1768300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX recordings_room_created`);
    await q.query(`CREATE INDEX recordings_room_created ON recordings (room, created_at DESC, id DESC) INCLUDE (status)`);
    await q.query(`DROP INDEX recording_accesses_user`);
    await q.query(`CREATE INDEX recording_accesses_user ON recording_accesses (user_sub, recording_id) INCLUDE (role)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX recording_accesses_user`);
    await q.query(`CREATE INDEX recording_accesses_user ON recording_accesses (user_sub, recording_id)`);
    await q.query(`DROP INDEX recordings_room_created`);
    await q.query(`CREATE INDEX recordings_room_created ON recordings (room, created_at DESC, id DESC)`);
  }
}
