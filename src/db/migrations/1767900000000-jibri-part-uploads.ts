import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `jibri_part_uploads`: the upload side of each stretch a paused Jibri recording is made of, one
 * row per stretch (`seq`, as in recording_parts). `capability_hash` is the SHA-256 of the upload
 * capability handed to the one Jibri (`instance_key`) that records that stretch (NULL for the
 * first stretch, whose capability is the recording's own); `url_issued_at` when that stretch's
 * one upload URL went out; `refused_at` when a request for it was answered 409.
 */
export class JibriPartUploads1767900000000 implements MigrationInterface {
  name = 'JibriPartUploads1767900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jibri_part_uploads (
        recording_id uuid NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        seq integer NOT NULL CHECK (seq >= 0),
        instance_key varchar(512),
        capability_hash bytea,
        url_issued_at timestamptz,
        refused_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recording_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE jibri_part_uploads`);
  }
}
