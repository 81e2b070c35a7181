import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `recording_artifacts`: what processing services wrote on a recording (transcripts, summaries,
 * the speaker time line), one row per name; the bytes live in the bucket under
 * `{folder}/{recording id}/artifacts/{name}`. The rows go with their recording.
 */
export class RecordingArtifacts1767300000000 implements MigrationInterface {
  name = 'RecordingArtifacts1767300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recording_artifacts (
        recording_id uuid NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        name varchar(128) NOT NULL,
        content_type varchar(64) NOT NULL,
        size bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recording_id, name),
        CONSTRAINT recording_artifacts_name CHECK (name ~ '^[a-z0-9][a-z0-9-]*\\.(vtt|json|md|txt)$')
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE recording_artifacts`);
  }
}
