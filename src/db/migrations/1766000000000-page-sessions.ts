import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in sessions of the recording page, kept server-side so that signing out ends them.
 * The cookie holds a random id; only its SHA-256 (`id_hash`) is stored, so a read of this table
 * gives no usable cookie. `csrf` is the token the page's forms must send back. A session ends at
 * `expires_at` (absolute lifetime) or when `last_seen_at` is older than the idle timeout; the
 * index serves the periodic prune of ended rows.
 */
export class PageSessions1766000000000 implements MigrationInterface {
  name = 'PageSessions1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE page_sessions (
      id_hash bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
      sub varchar(255) NOT NULL,
      name varchar(255),
      locale varchar(255),
      zoneinfo varchar(255),
      csrf varchar(64) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX page_sessions_last_seen ON page_sessions (last_seen_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE page_sessions`);
  }
}
