import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The files a recording owns: its composite (the room's mixed MP4/OGG) and one file per recorded
 * participant track. `relative_key` is the object key under RECORDING_OUTPUT_FOLDER
 * (`{id}.{ext}`, `{id}/{track id}.ogg`), so keys follow that setting the way they always have.
 * `recordings.tracks_pending` counts the track files not yet saved or failed: it is updated in
 * the statement that settles a file, under the recording's row lock, so concurrent saves of two
 * tracks always agree on which one was the last. Existing recordings get their composite as
 * their one file.
 */
export class RecordingFiles1765700000000 implements MigrationInterface {
  name = 'RecordingFiles1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recording_files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        recording_id uuid NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        relative_key varchar(512) NOT NULL,
        kind varchar(16) NOT NULL CHECK (kind IN ('composite','track')),
        content_type varchar(64) NOT NULL,
        size bigint,
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','saved','failed')),
        participant_identity varchar(255),
        participant_name varchar(255),
        track_id varchar(64),
        egress_id varchar(64),
        started_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT recording_files_key_unique UNIQUE (relative_key),
        -- A repeated track_published (or the start's listing racing it) never adds a second file, nor a second egress.
        CONSTRAINT recording_files_one_per_track UNIQUE (recording_id, track_id),
        CONSTRAINT recording_files_track_has_id CHECK ((kind = 'track') = (track_id IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX recording_files_one_composite ON recording_files (recording_id) WHERE kind = 'composite'`);
    await q.query(`CREATE INDEX recording_files_egress ON recording_files (egress_id) WHERE egress_id IS NOT NULL`);
    await q.query(`ALTER TABLE recordings ADD COLUMN tracks_pending integer NOT NULL DEFAULT 0 CHECK (tracks_pending >= 0)`);
    await q.query(`
      INSERT INTO recording_files (recording_id, relative_key, kind, content_type, status)
      SELECT id,
             id || CASE worker_kind WHEN 'livekit-audio' THEN '.ogg' ELSE '.mp4' END,
             'composite',
             CASE worker_kind WHEN 'livekit-audio' THEN 'audio/ogg' ELSE 'video/mp4' END,
             CASE WHEN status IN ('saved', 'notification_succeeded') THEN 'saved' ELSE 'pending' END
        FROM recordings`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP COLUMN tracks_pending`);
    await q.query(`DROP TABLE recording_files`);
  }
}
