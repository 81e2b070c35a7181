import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb, reasonOfRecording, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, type TestUser } from './helpers/service';
import { killAllServiceProcesses, serviceProcess } from './helpers/service-process';

const owner: TestUser = { sub: 'max-owner', rooms: { 'max-room': 'owner' } };

let livekit: FakeLivekitServer;
let livekitEnv: Record<string, string>;
let db: TestDatabase;

beforeAll(async () => {
  ({ livekit, env: livekitEnv } = await startFakeLivekit());
  db = await createTestDatabase();
});

afterAll(async () => {
  await killAllServiceProcesses();
  await livekit?.close();
  await db?.drop();
});

it('RECORDING_MAX_DURATION_SECONDS stops the recording with limit_reached, though the service was stopped and started in between', async () => {
  const svc = await serviceProcess({
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    ...livekitEnv,
    RECORDING_MAX_DURATION_SECONDS: '4',
    // Only the duration job can stop it: no reconciler, and no start watchdog within the test.
    RECONCILE_INTERVAL_MS: '0',
    RECORDING_START_TIMEOUT_SECONDS: '600',
    JOBS_POLL_INTERVAL_MS: '100',
    LOG_LEVEL: 'warn',
  }, { entry: 'source' });
  await svc.start();
  const started = await request(svc.url).post('/api/v1.0/rooms/max-room/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(started.status).toBe(201);
  const id = started.body.id as string;
  const [{ worker_id: egressId }] = await queryDb<{ worker_id: string }>(db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [id]) as [{ worker_id: string }];

  await svc.stop();
  expect(await statusOf(db.url, id)).toBe('active');
  await svc.start();
  expect(svc.starts).toBe(2);

  await eventually(async () => (await statusOf(db.url, id)) === 'stopped', 15_000, 'stopped at the limit');
  expect(await reasonOfRecording(db.url, id)).toEqual({ code: 'limit_reached', detail: expect.stringContaining('maximum duration') });
  // Not before its age: the limit is 4 s from its creation.
  const [row] = await queryDb<{ age: number }>(db.url, 'SELECT EXTRACT(EPOCH FROM updated_at - created_at)::float8 AS age FROM recordings WHERE id = $1', [id]);
  expect(row!.age).toBeGreaterThanOrEqual(4);
  expect(livekit.egresses.get(egressId)!.status).toBe('EGRESS_COMPLETE');
  await svc.stop();
}, 60_000);
