import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Share links of the recording page: a random token known only to whoever holds the link,
 * stored as its SHA-256 (`token_hash`, unique: media-auth finds a link by it in one index
 * lookup). A link goes with its recording (cascade); revoking it sets `revoked_at`.
 */
export class ShareLinks1765600000000 implements MigrationInterface {
  name = 'ShareLinks1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE share_links (
        id uuid PRIMARY KEY,
        recording_id uuid NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        token_hash bytea NOT NULL,
        created_by varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        CONSTRAINT share_links_token_hash_unique UNIQUE (token_hash),
        CONSTRAINT share_links_token_hash_length CHECK (octet_length(token_hash) = 32)
      )`);
    await q.query(`CREATE INDEX share_links_recording ON share_links (recording_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE share_links`);
  }
}
