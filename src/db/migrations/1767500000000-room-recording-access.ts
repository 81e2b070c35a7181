import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a room's members may do with its recordings (`none` without a row): list and watch them
 * (`view`), or also download them (`download`). The index serves the members' list: a room's
 * recordings, newest first.
 */
export class RoomRecordingAccess1767500000000 implements MigrationInterface {
  name = 'RoomRecordingAccess1767500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE room_recording_access (
        room varchar(255) PRIMARY KEY,
        members varchar(16) NOT NULL CHECK (members IN ('none', 'view', 'download')),
        updated_by varchar(255) NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX recordings_room_created ON recordings (room, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX recordings_room_created`);
    await q.query(`DROP TABLE room_recording_access`);
  }
}
