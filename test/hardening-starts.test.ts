import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * Starts that race the reconciler (issue 10, item 1): a slow start is never failed while in
 * flight, a start that does not end active answers 502 and its egress is stopped, and a failed
 * start whose egress turns up later is stopped by the reconciler.
 */

const owner: TestUser = { sub: 'start-owner', email: 'starts@example.org', rooms: { slow: 'owner', moved: 'owner', late: 'owner' } };
/** Only to make the fake LiveKit slow: never to wait for something. */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let livekit: FakeLivekitServer;
let env: Record<string, string>;
let svc: TestService;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  env = { ...fake.env, WORKER_TIMEOUT_MS: '3000', RECONCILE_INTERVAL_MS: '100', RECONCILE_INITIATED_GRACE_MS: '200' };
  svc = await startTestService(env);
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
});

const start = (room: string) => request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });

it('a start slower than RECONCILE_INITIATED_GRACE_MS ends active, and the room is not recorded twice', async () => {
  // LiveKit takes 1.5 s to create the egress: the reconciler cannot find it meanwhile.
  livekit.beforeHandle('StartRoomCompositeEgress', () => sleep(1500));
  const res = await start('slow');
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('active');
  expect(await statusOf(svc.db.url, res.body.id)).toBe('active');
  const again = await start('slow');
  expect(again.status).toBe(409);
  expect(livekit.requestsFor('StartRoomCompositeEgress').filter((r) => r.body.roomName === 'slow')).toHaveLength(1);
});

it('a start whose recording was moved while the worker started answers 502 and its egress is stopped', async () => {
  livekit.beforeAnswer('StartRoomCompositeEgress', async () => {
    // Something else (a webhook, a reconciler) fails the recording while the egress starts.
    await queryDb(svc.db.url, "UPDATE recordings SET status = 'failed_to_start' WHERE room = 'moved' AND status = 'initiated'");
  });
  const res = await start('moved');
  expect(res.status).toBe(502);
  const [row] = await queryDb<{ id: string; status: string; worker_id: string }>(svc.db.url, "SELECT id, status, worker_id FROM recordings WHERE room = 'moved'");
  expect(row!.status).toBe('failed_to_start');
  expect(row!.worker_id).toMatch(/^EG_/);
  expect(livekit.egresses.get(row!.worker_id)?.status).toBe('EGRESS_COMPLETE');
  expect(livekit.requestsFor('StopEgress').some((r) => r.body.egressId === row!.worker_id)).toBe(true);
});

it('stops an egress that started after its start timed out (failed_to_start, worker running)', async () => {
  const fast = await startFakeLivekit();
  const timing = await startTestService({ ...env, ...fast.env, WORKER_TIMEOUT_MS: '400' });
  try {
    // LiveKit creates the egress but answers after the worker timeout: the start fails, the egress runs.
    fast.livekit.beforeAnswer('StartRoomCompositeEgress', () => sleep(1200));
    const res = await request(timing.url).post('/api/v1.0/rooms/late/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(res.status).toBe(502);
    expect(res.body.status).toBeUndefined();
    const id = (await queryDb<{ id: string }>(timing.db.url, "SELECT id FROM recordings WHERE room = 'late'"))[0]!.id;
    expect(await statusOf(timing.db.url, id)).toBe('failed_to_start');
    const [egress] = [...fast.livekit.egresses.values()];
    expect(egress).toBeDefined();
    await eventually(async () => fast.livekit.egresses.get(egress!.egressId)?.status === 'EGRESS_COMPLETE', 10_000, 'late egress stopped');
    expect(await statusOf(timing.db.url, id)).toBe('failed_to_start');
  } finally {
    await timing.close();
    await fast.livekit.close();
  }
});
