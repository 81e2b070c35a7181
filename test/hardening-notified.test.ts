import { randomUUID } from 'node:crypto';
import { Client, type QueryResultRow } from 'pg';
import { loadConfig } from '../src/config/config';
import { openDatabase, runMigrations, type Database } from '../src/db/database';
import type { SqlRunner, Statement } from '../src/db/sql';
import { RecordingStore } from '../src/recording/store/recording-store';
import { eventually, minioFixture, postStorageEvent, queryDb, statusOf } from './helpers/flow';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { startTestService, type TestService } from './helpers/service';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp';

/**
 * A recording with several owners is completed by the last owner's email, even when two emails
 * finish at the same moment under READ COMMITTED (issue 10, item 10).
 */

async function insertSavedWithOwners(dbUrl: string, owners: number): Promise<{ id: string; jobs: string[] }> {
  const id = randomUUID();
  await queryDb(dbUrl, `INSERT INTO recordings (id, room, mode, status, worker_kind) VALUES ($1, 'two-owners', 'screen_recording', 'stopped', 'livekit-video')`, [id]);
  for (let i = 0; i < owners; i++) {
    await queryDb(dbUrl, `INSERT INTO recording_accesses (id, recording_id, user_sub, role, email) VALUES (gen_random_uuid(), $1, $2, 'owner', $3)`, [
      id,
      `owner-${i}`,
      `owner-${i}-${id.slice(0, 8)}@example.org`,
    ]);
  }
  return { id, jobs: [] };
}

describe('two owners, one recording', () => {
  let svc: TestService;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    svc = await startTestService({ ...smtp.env, AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_S3_ACCESS_KEY_ID: 'x', AWS_S3_SECRET_ACCESS_KEY: 'y', AWS_STORAGE_BUCKET_NAME: 'meet-media-storage', JOBS_POLL_INTERVAL_MS: '50' });
  });
  afterAll(async () => {
    await svc?.close();
    await smtp?.stop();
  });

  it('sends one email to each owner and then completes the recording', async () => {
    const { id } = await insertSavedWithOwners(svc.db.url, 2);
    expect((await postStorageEvent(svc.url, minioFixture('put-recording.json', id))).body).toEqual({ message: 'Event processed.' });
    await eventually(async () => (await statusOf(svc.db.url, id)) === 'notification_succeeded', 10_000, 'completed');
    const to = smtp.messages.filter((m) => m.text.includes(id)).flatMap((m) => m.to).sort();
    expect(to).toEqual([`owner-0-${id.slice(0, 8)}@example.org`, `owner-1-${id.slice(0, 8)}@example.org`]);
  });
});

describe('two emails finishing at the same moment', () => {
  let db: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
    database = await openDatabase({ url: db.url, poolSize: 2 });
    await runMigrations(database.dataSource);
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  /** A transaction on its own connection, driven step by step by the test. */
  async function transaction(): Promise<{ runner: SqlRunner; client: Client }> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query('BEGIN');
    const runner: SqlRunner = {
      async query<T extends QueryResultRow>(stmt: Statement, values: unknown[] = []) {
        return (await client.query<T>(stmt.text, values)).rows;
      },
    };
    return { runner, client };
  }

  it('completes the recording when both checks run before either commits', async () => {
    const store = new RecordingStore({ sql: database.sql, reconcile: loadConfig({}).reconcile });
    const { id } = await insertSavedWithOwners(db.url, 2);
    expect((await store.markSaved(id)).result).toBe('saved');
    const jobs = await queryDb<{ id: string }>(db.url, 'SELECT id FROM jobs WHERE recording_id = $1 ORDER BY id', [id]);
    expect(jobs).toHaveLength(2);

    const a = await transaction();
    const b = await transaction();
    try {
      // Each sender marks its own email done, then checks whether the recording is complete.
      await a.client.query("UPDATE jobs SET status = 'done' WHERE id = $1", [jobs[0]!.id]);
      await b.client.query("UPDATE jobs SET status = 'done' WHERE id = $1", [jobs[1]!.id]);
      await store.markNotifiedIfComplete(id, a.runner);
      const bChecks = store.markNotifiedIfComplete(id, b.runner); // must wait for a's commit to decide
      await a.client.query('COMMIT');
      await bChecks;
      await b.client.query('COMMIT');
    } finally {
      await a.client.end();
      await b.client.end();
    }
    expect(await statusOf(db.url, id)).toBe('notification_succeeded');
  });
});
