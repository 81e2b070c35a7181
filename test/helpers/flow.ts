import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { Client } from 'pg';
import { bearer, TEST_STORAGE_TOKEN, type TestUser } from './service';

/** The sample payloads of MinIO and LiveKit the contract describes, kept in test/fixtures. */
export const FIXTURES = path.resolve(__dirname, '../fixtures');
export const FIXTURE_ID = '3f2b8c1e-7d4a-4c0b-9a55-2e1f6b7c9d10';
export const FIXTURE_AUDIO_ID = '9a1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b';

/** A MinIO fixture with its example recording id replaced by `id`. */
export function minioFixture(name: string, id?: string): Record<string, unknown> {
  let text = readFileSync(path.join(FIXTURES, 'minio', name), 'utf8');
  if (id) text = text.split(FIXTURE_ID).join(id).split(FIXTURE_AUDIO_ID).join(id);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Starts then stops a recording through the API; returns its id. */
export async function stoppedRecording(url: string, user: TestUser, room: string, mode = 'screen_recording'): Promise<string> {
  const start = await request(url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(user)).send({ mode });
  if (start.status !== 201) throw new Error(`start failed: ${start.status} ${JSON.stringify(start.body)}`);
  const stop = await request(url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(user)).send();
  if (stop.status !== 200) throw new Error(`stop failed: ${stop.status} ${JSON.stringify(stop.body)}`);
  return start.body.id as string;
}

export function postStorageEvent(url: string, body: unknown, token: string | null = TEST_STORAGE_TOKEN) {
  const req = request(url).post('/api/v1.0/recordings/storage-hook/').set('Content-Type', 'application/json');
  if (token !== null) req.set('Authorization', `Bearer ${token}`);
  return req.send(typeof body === 'string' ? body : JSON.stringify(body));
}

export async function queryDb<T = Record<string, unknown>>(dbUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export async function statusOf(dbUrl: string, id: string): Promise<string | undefined> {
  const rows = await queryDb<{ status: string }>(dbUrl, 'SELECT status FROM recordings WHERE id = $1', [id]);
  return rows[0]?.status;
}

/** The recording's `reason` column ({code, detail} or null). */
export async function reasonOfRecording(dbUrl: string, id: string): Promise<unknown> {
  const rows = await queryDb<{ reason: unknown }>(dbUrl, 'SELECT reason FROM recordings WHERE id = $1', [id]);
  return rows[0]?.reason;
}

/** Polls until `check` returns true (or throws after `timeoutMs`). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until no job whose kind matches `kind` (a LIKE pattern: 'email.%', 'webhook.%') is
 * pending: every email or delivery due has been made (the job is done once the SMTP server or
 * the receiver answered), so a duplicate would already be there. What "nothing more comes"
 * checks wait for, instead of a fixed pause.
 */
export async function jobsSettled(dbUrl: string, kind: string, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => {
    const [row] = await queryDb<{ n: number }>(dbUrl, "SELECT count(*)::int AS n FROM jobs WHERE kind LIKE $1 AND status = 'pending'", [kind]);
    return row!.n === 0;
  }, timeoutMs, `no pending ${kind} job`);
}
