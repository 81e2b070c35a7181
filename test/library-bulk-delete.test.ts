import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { queryDb, statusOf, stoppedRecording } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { pauseReconciler } from './helpers/reconciler-pause';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { savedRecording } from './helpers/saved-recording';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/** POST /api/v1.0/recordings/bulk-delete/: each id by the rules of one DELETE. */

const owner: TestUser = { sub: 'bulk-owner', rooms: { 'bulk-a': 'owner', 'bulk-b': 'owner', 'bulk-c': 'owner', 'bulk-d': 'owner' } };
const stranger: TestUser = { sub: 'bulk-stranger', rooms: { 'bulk-x': 'owner' } };
const video = { bytes: Buffer.alloc(512, 7), contentType: 'video/mp4' };
let livekit: FakeLivekitServer;
let svc: TestService;
let s3: TestS3;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  s3 = await startS3Server({ bucket: 'meet-media-storage' });
  svc = await startTestService({
    ...fake.env,
    ...s3Env(s3),
    WORKER_TIMEOUT_MS: '500',
    RECONCILE_INTERVAL_MS: '60000',
    WEBHOOK_URLS: 'http://127.0.0.1:9/hooks',
    WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 3).toString('base64')}`,
  });
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});

const bulk = (body: unknown, user = owner) => request(svc.url).post('/api/v1.0/recordings/bulk-delete/').set(bearer(user)).send(body as object);

async function deletedEvents(id: string): Promise<number> {
  const rows = await queryDb<{ n: number }>(svc.db.url, `SELECT count(*)::int AS n FROM jobs WHERE kind = 'webhook.delivery' AND recording_id = $1 AND payload->>'type' = 'recording.deleted'`, [id]);
  return rows[0]!.n;
}

it('deletes each allowed recording and refuses the others with their reason', async () => {
  const resume = await pauseReconciler(svc.db.url);
  try {
    const a = await savedRecording(svc.url, s3, owner, 'bulk-a', video);
    const b = await savedRecording(svc.url, s3, owner, 'bulk-b', video);
    const notFinal = await stoppedRecording(svc.url, owner, 'bulk-c');
    const theirs = await savedRecording(svc.url, s3, stranger, 'bulk-x', video);
    // Still recording at LiveKit: its stop timed out (failed_to_stop).
    const start = await request(svc.url).post('/api/v1.0/rooms/bulk-d/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    livekit.injectFault({ type: 'hang' }, { method: 'StopEgress', times: 1 });
    expect((await request(svc.url).post('/api/v1.0/rooms/bulk-d/stop-recording/').set(bearer(owner))).status).toBe(502);
    const running = start.body.id as string;
    livekit.clearFaults();

    const unknown = '00000000-0000-4000-8000-000000000000';
    const res = await bulk({ ids: [a.id, notFinal, b.id, theirs.id, unknown, 'not-a-uuid', a.id, running] });
    expect(res.status).toBe(200);
    expect(res.body.deleted).toEqual([a.id, b.id]);
    const refused = Object.fromEntries((res.body.refused as { id: string; detail: string }[]).map((r) => [r.id, r.detail]));
    expect(Object.keys(refused).sort()).toEqual([notFinal, theirs.id, unknown, 'not-a-uuid', running].sort());
    expect(refused[notFinal]).toMatch(/status "stopped" cannot be deleted/);
    expect(refused[theirs.id]).toBe('Not found.');
    expect(refused[running]).toMatch(/stopped now/);

    expect(await statusOf(svc.db.url, a.id)).toBeUndefined();
    expect(await statusOf(svc.db.url, b.id)).toBeUndefined();
    expect(await s3.hasObject(a.key)).toBe(false);
    expect(await s3.hasObject(theirs.key)).toBe(true);
    expect(await statusOf(svc.db.url, theirs.id)).toBeDefined();
    expect(await statusOf(svc.db.url, notFinal)).toBe('stopped');
    expect(await statusOf(svc.db.url, running)).toBe('stopped');
    expect(await deletedEvents(a.id)).toBe(1);
    expect(await deletedEvents(b.id)).toBe(1);
    expect(await deletedEvents(notFinal)).toBe(0);
  } finally {
    await resume();
  }
});

it.each([
  ['no ids', {}, /ids/],
  ['no id at all', { ids: [] }, /ids/],
  ['ids not a list', { ids: 'x' }, /ids/],
  ['an id not a string', { ids: [1] }, /ids\.0/],
  ['101 ids', { ids: Array.from({ length: 101 }, (_, i) => `id-${i}`) }, /ids/],
  ['an unknown field', { ids: ['a'], extra: true }, /Unrecognized key/],
])('answers 400 to a body with %s', async (_what, body, detail) => {
  const res = await bulk(body);
  expect(res.status).toBe(400);
  expect(res.body.detail).toMatch(detail);
});

it('needs a user token', async () => {
  expect((await request(svc.url).post('/api/v1.0/recordings/bulk-delete/').send({ ids: ['a'] })).status).toBe(401);
});
