import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which meeting platform last told about a room: `room_activity.platform`, `livekit` or `jitsi`
 * (null: none yet, e.g. a room that only has a policy). Only LiveKit's rooms are checked against
 * LiveKit's ListParticipants: LiveKit does not know Jitsi's rooms and would empty them.
 */
export class RoomPlatform1767700000000 implements MigrationInterface {
  name = 'RoomPlatform1767700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE room_activity ADD COLUMN platform varchar(16)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE room_activity DROP COLUMN platform`);
  }
}
