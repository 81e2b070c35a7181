import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, reasonOfRecording, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/** RECORDING_MAX_DURATION_SECONDS counts recorded time: the paused stretch is not counted. */

const owner: TestUser = { sub: 'limit-owner', rooms: { 'limit-room': 'owner' } };

let svc: TestService;
let livekit: FakeLivekitServer;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService({ ...fake.env, RECORDING_MAX_DURATION_SECONDS: '2' });
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
});

const post = (what: string) =>
  request(svc.url).post(`/api/v1.0/rooms/limit-room/${what}-recording/`).set(bearer(owner)).send(what === 'start' ? { mode: 'screen_recording' } : undefined);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a paused recording outlives its wall-clock limit and is stopped once it has recorded that long', async () => {
  const start = await post('start');
  expect(start.status).toBe(201);
  const id = start.body.id as string;
  await sleep(300);
  expect((await post('pause')).status).toBe(200);

  // Past the limit by the clock, but it has recorded well under 2 s: still paused.
  await sleep(2500);
  expect(await statusOf(svc.db.url, id)).toBe('paused');

  expect((await post('resume')).status).toBe(200);
  await eventually(async () => (await statusOf(svc.db.url, id)) === 'stopped', 15_000, 'stopped at the limit');
  expect(await reasonOfRecording(svc.db.url, id)).toEqual({ code: 'limit_reached', detail: expect.stringContaining('maximum duration') });

  const got = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  const recorded = (got.body.segments as { started_at: string; ended_at: string }[]).reduce((sum, s) => sum + Date.parse(s.ended_at) - Date.parse(s.started_at), 0);
  // Stopped for its recorded time (within the job runner's pick-up), not for its age.
  expect(recorded).toBeGreaterThanOrEqual(1900);
});
