import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/** The reconciler makes progress over every candidate, however many cannot settle (issue 10, item 2). */

const owner: TestUser = { sub: 'recon-owner', rooms: { 'long-one': 'owner' } };
let livekit: FakeLivekitServer;
let svc: TestService;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService({ ...fake.env, RECONCILE_INTERVAL_MS: '200', RECORDING_MAX_DURATION: '1500' });
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
});

it('stops an over-long recording although 250 older recordings can never settle', async () => {
  // failed_to_stop recordings whose egress LiveKit does not know: every look at them is "unknown".
  const ids = Array.from({ length: 250 }, () => randomUUID());
  await queryDb(
    svc.db.url,
    `INSERT INTO recordings (id, room, mode, status, worker_kind, worker_id, created_at, updated_at)
     SELECT id, 'stuck-' || n, 'screen_recording', 'failed_to_stop', 'livekit-video', 'EG_gone' || n,
            now() - interval '2 days', now() - interval '2 days'
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
    [ids],
  );
  const res = await request(svc.url).post('/api/v1.0/rooms/long-one/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(res.status).toBe(201);
  await eventually(async () => (await statusOf(svc.db.url, res.body.id)) === 'stopped', 15_000, 'max duration stop');
  // Every one that cannot settle was looked at and pushed back with backoff, none left in front.
  const [row] = await queryDb<{ visited: number }>(
    svc.db.url,
    `SELECT count(*)::int AS visited FROM recordings WHERE room LIKE 'stuck-%' AND reconcile_attempts >= 1`,
  );
  expect(row!.visited).toBe(250);
});
