import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rooms (LiveKit): their activity as LiveKit's webhooks report it, one presence row per
 * participant identity (the count is derived from them), the ids of the webhooks already
 * applied, each room's recording policy, and the mark on recordings that a policy started.
 */
export class RoomActivity1765400000000 implements MigrationInterface {
  name = 'RoomActivity1765400000000';

  async up(q: QueryRunner): Promise<void> {
    // One row per room ever heard of; every change to a room's activity locks its row first.
    await q.query(`
      CREATE TABLE room_activity (
        room varchar(255) PRIMARY KEY,
        room_sid varchar(64),
        is_active boolean NOT NULL DEFAULT false,
        started_at timestamptz,
        room_event_at bigint NOT NULL DEFAULT 0,
        finished_at bigint NOT NULL DEFAULT 0,
        finished_sid varchar(64),
        participants integer NOT NULL DEFAULT 0,
        empty_since timestamptz,
        vacancies integer NOT NULL DEFAULT 0,
        auto_epoch integer NOT NULL DEFAULT 0,
        auto_done boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX room_activity_live ON room_activity (updated_at) WHERE is_active OR participants > 0`);

    await q.query(`
      CREATE TABLE room_presences (
        room varchar(255) NOT NULL,
        identity varchar(255) NOT NULL,
        sid varchar(64) NOT NULL DEFAULT '',
        kind varchar(16) NOT NULL,
        counted boolean NOT NULL,
        present boolean NOT NULL,
        event_at bigint NOT NULL,
        event_id varchar(128),
        joined_at timestamptz,
        left_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room, identity)
      )`);
    await q.query(`CREATE INDEX room_presences_gone ON room_presences (updated_at) WHERE NOT present`);

    await q.query(`
      CREATE TABLE room_webhook_events (
        id varchar(128) PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX room_webhook_events_received ON room_webhook_events (received_at)`);

    await q.query(`
      CREATE TABLE room_policies (
        room varchar(255) PRIMARY KEY,
        trigger varchar(32) NOT NULL CHECK (trigger IN ('none', 'automatic', 'automatic-2nd-participant')),
        mode varchar(64) NOT NULL,
        options jsonb NOT NULL DEFAULT '{}'::jsonb,
        author_sub varchar(255) NOT NULL,
        author_email varchar(320),
        author_name varchar(255),
        author_locale varchar(35),
        author_zoneinfo varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`ALTER TABLE recordings ADD COLUMN automatic boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP COLUMN automatic`);
    await q.query(`DROP TABLE room_policies`);
    await q.query(`DROP TABLE room_webhook_events`);
    await q.query(`DROP TABLE room_presences`);
    await q.query(`DROP TABLE room_activity`);
  }
}
