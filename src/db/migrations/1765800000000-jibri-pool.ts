import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Jibri pool's shared state, one row per instance (keyed by the JIBRI_URLS entry without
 * credentials): what it last reported (health probe or status webhook) and which recording it
 * is reserved for. Every service instance reads and writes these rows, so a status webhook
 * received by one is seen by all and two of them never start two recordings on one Jibri.
 */
export class JibriPool1765800000000 implements MigrationInterface {
  name = 'JibriPool1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jibri_instances (
        key varchar(1000) PRIMARY KEY,
        busy_status varchar(16) CHECK (busy_status IN ('IDLE','BUSY','EXPIRED')),
        health_status varchar(16) CHECK (health_status IN ('HEALTHY','UNHEALTHY')),
        reported_at timestamptz,
        session_id varchar(200),
        reachable boolean,
        reserved_for varchar(200),
        reservation_seq bigint NOT NULL DEFAULT 0,
        reserved_at timestamptz,
        lease_until timestamptz,
        confirmed_at timestamptz,
        CONSTRAINT jibri_instances_reservation CHECK (reserved_for IS NOT NULL OR confirmed_at IS NULL)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE jibri_instances`);
  }
}
