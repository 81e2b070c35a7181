import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, reasonOfRecording, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { seedRoom, startWithTracks } from './helpers/tracks';

/**
 * RECORDING_MAX_DURATION_SECONDS counts recorded time: the paused stretch is not counted. Its
 * stop, like every stop, stops the current stretch's recorders: after a resume, those are the
 * new composite egress and the new track egresses.
 */

const owner: TestUser = { sub: 'limit-owner', rooms: { 'limit-room': 'owner', 'limit-tracks': 'owner' } };

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

const post = (what: string, room = 'limit-room') =>
  request(svc.url).post(`/api/v1.0/rooms/${room}/${what}-recording/`).set(bearer(owner)).send(what === 'start' ? { mode: 'screen_recording' } : undefined);

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

it('the stop at the limit after a resume stops the new stretch\'s composite and every one of its track egresses', async () => {
  const { tracks } = seedRoom(livekit, 'limit-tracks', [{ identity: 'ann' }, { identity: 'ben' }]);
  const start = await startWithTracks(svc.url, owner, 'limit-tracks');
  expect(start.status).toBe(201);
  const id = start.body.id as string;
  await sleep(200);
  expect((await post('pause', 'limit-tracks')).status).toBe(200);
  const before = new Set(livekit.egresses.keys());
  expect((await post('resume', 'limit-tracks')).status).toBe(200);
  const stretch = [...livekit.egresses.values()].filter((e) => !before.has(e.egressId) && e.roomName === 'limit-tracks');
  expect(stretch.map((e) => e.kind).sort()).toEqual(['room_composite', 'track', 'track']);
  expect(stretch.filter((e) => e.kind === 'track').map((e) => (e.track as { trackId: string }).trackId).sort()).toEqual([tracks.ann, tracks.ben].sort());
  expect(stretch.every((e) => e.status === 'EGRESS_ACTIVE' || e.status === 'EGRESS_STARTING')).toBe(true);

  await eventually(async () => (await statusOf(svc.db.url, id)) === 'stopped', 15_000, 'stopped at the limit');
  expect(await reasonOfRecording(svc.db.url, id)).toMatchObject({ code: 'limit_reached' });
  const stopped = new Set(livekit.requestsFor('StopEgress').map((r) => (r.body as { egressId: string }).egressId));
  for (const egress of stretch) expect({ kind: egress.kind, stopped: stopped.has(egress.egressId) }).toEqual({ kind: egress.kind, stopped: true });
  await eventually(async () => stretch.every((e) => !['EGRESS_ACTIVE', 'EGRESS_STARTING'].includes(livekit.egresses.get(e.egressId)!.status)), 5000, 'no egress of the stretch still records');
});
