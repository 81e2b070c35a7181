import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `recordings.jibri_upload_capability_hash`: SHA-256 of the upload capability handed to the
 * Jibri that records it (never the capability itself). POST /recordings/{id}/upload-url/ needs
 * the capability whose hash this is, besides the pool's upload token.
 * `recordings.jibri_upload_refused_at`: when an upload-URL request for it was answered 409 (its
 * file already in storage, or its one URL already issued). A Jibri recording is saved only while
 * its URL was issued and this is unset.
 */
export class JibriUploadCapability1766700000000 implements MigrationInterface {
  name = 'JibriUploadCapability1766700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings ADD COLUMN jibri_upload_capability_hash bytea, ADD COLUMN jibri_upload_refused_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP COLUMN jibri_upload_capability_hash, DROP COLUMN jibri_upload_refused_at`);
  }
}
