import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `recording_worker_jobs`: every worker job started for a recording, in order (`attempt` 0 is
 * the first start, 1 its first replacement, ...). `confirmed_at`: the job was seen recording
 * (LiveKit's EGRESS_ACTIVE); `replaced_at`: the start watchdog gave up on it and stopped it,
 * so anything its worker still reports about it is stale. Deleted with the recording.
 */
export class StartWatchdog1767000000000 implements MigrationInterface {
  name = 'StartWatchdog1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recording_worker_jobs (
        recording_id uuid NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        worker_id varchar(512) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        replaced_at timestamptz,
        PRIMARY KEY (recording_id, attempt)
      )`);
    await q.query(`CREATE INDEX recording_worker_jobs_worker ON recording_worker_jobs (worker_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE recording_worker_jobs`);
  }
}
