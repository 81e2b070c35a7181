import { MigrationInterface, QueryRunner } from 'typeorm';
import { NOTIFICATIONS_V1 } from './notifications-v1-ddl';

/** Recordings, their accesses, the email outbox and service-wide secrets. */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recordings (
        id uuid PRIMARY KEY,
        room varchar(255) NOT NULL,
        mode varchar(64) NOT NULL,
        status varchar(32) NOT NULL,
        worker_kind varchar(32) NOT NULL,
        worker_id varchar(512),
        worker_error varchar(500),
        options jsonb NOT NULL DEFAULT '{}'::jsonb,
        is_permanent boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT recordings_status_check CHECK (status IN (
          'initiated','active','stopped','saved','notification_succeeded',
          'failed_to_start','failed_to_stop','aborted'))
      )`);
    // The database, not the code, guarantees at most one initiated/active recording per room.
    await q.query(`
      CREATE UNIQUE INDEX recordings_one_live_per_room
        ON recordings (room) WHERE status IN ('initiated', 'active')`);
    await q.query(`CREATE INDEX recordings_status_updated ON recordings (status, updated_at)`);
    await q.query(`CREATE INDEX recordings_worker_id ON recordings (worker_id)`);

    await q.query(`
      CREATE TABLE recording_accesses (
        id uuid PRIMARY KEY,
        recording_id uuid NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        user_sub varchar(255) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('owner','administrator')),
        email varchar(320),
        name varchar(255),
        locale varchar(35),
        zoneinfo varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT recording_accesses_unique_user UNIQUE (recording_id, user_sub)
      )`);
    await q.query(`CREATE INDEX recording_accesses_user ON recording_accesses (user_sub, recording_id)`);

    for (const ddl of NOTIFICATIONS_V1) await q.query(ddl);

    await q.query(`
      CREATE TABLE service_secrets (
        name varchar(64) PRIMARY KEY,
        value text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE service_secrets`);
    await q.query(`DROP TABLE notifications`);
    await q.query(`DROP TABLE recording_accesses`);
    await q.query(`DROP TABLE recordings`);
  }
}
