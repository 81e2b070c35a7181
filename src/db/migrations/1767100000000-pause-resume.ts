import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every status a recording can have once this migration ran (`queued` waits for a recorder, `paused` between a pause and a resume). */
const STATUSES = `'queued','initiated','active','paused','stopped','saved','notification_succeeded','failed_to_start','failed_to_stop','aborted'`;
const STATUSES_BEFORE = `'initiated','active','stopped','saved','notification_succeeded','failed_to_start','failed_to_stop','aborted'`;

/**
 * Pause and resume. `paused` joins the statuses and, like `queued`, counts as the room's live
 * recording (the partial unique index). `recording_segments` are the stretches that were
 * recorded (`ended_at` NULL while one runs). `recording_parts` are the files those stretches
 * wrote, one per stretch and per file of the recording (its composite, each participant
 * track): `written_key` is where the worker uploads it, `part_key` where it waits under
 * `{id}/parts/` for the join; both relative to RECORDING_OUTPUT_FOLDER.
 */
export class PauseResume1767100000000 implements MigrationInterface {
  name = 'PauseResume1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP CONSTRAINT recordings_status_check`);
    await q.query(`ALTER TABLE recordings ADD CONSTRAINT recordings_status_check CHECK (status IN (${STATUSES}))`);
    await q.query(`DROP INDEX recordings_one_live_per_room`);
    await q.query(`CREATE UNIQUE INDEX recordings_one_live_per_room ON recordings (room) WHERE status IN ('queued', 'initiated', 'active', 'paused')`);
    await q.query(`
      CREATE TABLE recording_segments (
        recording_id uuid NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        seq integer NOT NULL CHECK (seq >= 0),
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        PRIMARY KEY (recording_id, seq)
      )`);
    await q.query(`
      CREATE TABLE recording_parts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        recording_id uuid NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        seq integer NOT NULL CHECK (seq >= 0),
        file_key varchar(512) NOT NULL,
        written_key varchar(512) NOT NULL,
        part_key varchar(512) NOT NULL,
        track_id varchar(64),
        worker_id varchar(512),
        status varchar(16) NOT NULL DEFAULT 'recording' CHECK (status IN ('recording','pending','stored','failed','removed')),
        size bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT recording_parts_key_unique UNIQUE (part_key),
        CONSTRAINT recording_parts_one_per_stretch UNIQUE (recording_id, file_key, seq)
      )`);
    await q.query(`CREATE INDEX recording_parts_written ON recording_parts (written_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE recording_parts`);
    await q.query(`DROP TABLE recording_segments`);
    await q.query(`DROP INDEX recordings_one_live_per_room`);
    await q.query(`CREATE UNIQUE INDEX recordings_one_live_per_room ON recordings (room) WHERE status IN ('initiated', 'active')`);
    await q.query(`ALTER TABLE recordings DROP CONSTRAINT recordings_status_check`);
    await q.query(`ALTER TABLE recordings ADD CONSTRAINT recordings_status_check CHECK (status IN (${STATUSES_BEFORE}))`);
  }
}
