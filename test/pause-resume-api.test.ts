import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { queryDb } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { postWebhook } from './helpers/tracks';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/** Pause and resume through the API, on the LiveKit fake: statuses, answers, segments, events. */

const owner: TestUser = { sub: 'pause-owner', email: 'owner@example.org', rooms: { talk: 'owner', early: 'owner', gone: 'owner', flaky: 'owner', late: 'owner', stuck: 'owner' } };
const member: TestUser = { sub: 'pause-member', rooms: { talk: 'member' } };

let svc: TestService;
let livekit: FakeLivekitServer;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  // An endpoint no test listens on: the deliveries are only counted in the jobs table.
  svc = await startTestService({ ...fake.env, WEBHOOK_URLS: 'http://127.0.0.1:9/hook', WEBHOOK_SECRET: 'whsec_/6lX8sz++uQ3vyRoFEKxUn4Cjp2Lp3V7', WEBHOOK_MAX_ATTEMPTS: '1' });
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
});
afterEach(() => livekit.clearFaults());

const post = (room: string, what: string, user = owner) => request(svc.url).post(`/api/v1.0/rooms/${room}/${what}-recording/`).set(bearer(user)).send(what === 'start' ? { mode: 'screen_recording' } : undefined);

async function eventTypes(id: string): Promise<string[]> {
  const rows = await queryDb<{ type: string }>(svc.db.url, `SELECT payload->>'type' AS type FROM jobs WHERE recording_id = $1 AND kind = 'webhook.delivery' ORDER BY created_at, id`, [id]);
  return rows.map((r) => r.type);
}

it('pause, resume and stop: statuses, segments, one event each, and the room stays taken while paused', async () => {
  const start = await post('talk', 'start');
  expect(start.status).toBe(201);
  const id = start.body.id as string;
  expect(start.body.segments).toEqual([]);

  expect((await post('talk', 'pause', member)).status).toBe(403);
  const paused = await post('talk', 'pause');
  expect(paused.status).toBe(200);
  expect(paused.body).toMatchObject({ id, status: 'paused', abilities: { stop: true } });
  expect(paused.body.segments).toHaveLength(1);
  expect(paused.body.segments[0].ended_at).not.toBeNull();
  // The composite egress of the first stretch was stopped.
  expect(livekit.requestsFor('StopEgress')).toHaveLength(1);

  const again = await post('talk', 'pause');
  expect(again.status).toBe(409);
  expect(again.body.detail).toMatch(/already paused/);
  expect((await post('talk', 'start')).status).toBe(409);

  const resumed = await post('talk', 'resume');
  expect(resumed.status).toBe(200);
  expect(resumed.body.status).toBe('active');
  expect(resumed.body.segments).toHaveLength(2);
  expect(resumed.body.segments[1].ended_at).toBeNull();
  const starts = livekit.requestsFor('StartRoomCompositeEgress');
  const second = starts[starts.length - 1]!.body as Record<string, any>;
  expect((second.fileOutputs ?? [second.file])[0].filepath).toBe(`recordings/${id}/parts/001.mp4`);
  expect((await post('talk', 'resume')).status).toBe(404);

  const stopped = await post('talk', 'stop');
  expect(stopped.status).toBe(200);
  expect(stopped.body.status).toBe('stopped');
  const got = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(got.body.segments).toHaveLength(2);
  expect(got.body.segments.every((s: { ended_at: string | null }) => s.ended_at !== null)).toBe(true);

  expect(await eventTypes(id)).toEqual(['recording.started', 'recording.paused', 'recording.resumed', 'recording.stopped']);
  const parts = await queryDb<{ part_key: string; status: string }>(svc.db.url, 'SELECT part_key, status FROM recording_parts WHERE recording_id = $1 ORDER BY seq', [id]);
  expect(parts).toEqual([
    { part_key: `${id}/parts/000.mp4`, status: 'pending' },
    { part_key: `${id}/parts/001.mp4`, status: 'pending' },
  ]);
  const join = await queryDb(svc.db.url, `SELECT 1 FROM jobs WHERE recording_id = $1 AND kind = 'recording.join_parts'`, [id]);
  expect(join).toHaveLength(1);
});

it('a stop works from paused without asking the worker', async () => {
  const id = (await post('gone', 'start')).body.id as string;
  expect((await post('gone', 'pause')).status).toBe(200);
  const stopsBefore = livekit.requestsFor('StopEgress').length;
  const stopped = await post('gone', 'stop');
  expect(stopped.status).toBe(200);
  expect(stopped.body).toMatchObject({ id, status: 'stopped' });
  expect(livekit.requestsFor('StopEgress')).toHaveLength(stopsBefore);
  // Deleted (a final status is needed; here: not yet) and expired recordings are gone for a resume.
  expect((await post('gone', 'resume')).status).toBe(404);
});

it('bad input changes nothing: pause of an initiated recording is 409, pause or resume with none is 404', async () => {
  expect((await post('nobody', 'pause', { sub: 'x', rooms: { nobody: 'owner' } })).status).toBe(404);
  expect((await post('nobody', 'resume', { sub: 'x', rooms: { nobody: 'owner' } })).status).toBe(404);
  const [row] = await queryDb<{ id: string }>(svc.db.url, `INSERT INTO recordings (id, room, mode, status, worker_kind) VALUES (gen_random_uuid(), 'early', 'screen_recording', 'initiated', 'livekit-video') RETURNING id`);
  await queryDb(svc.db.url, `INSERT INTO recording_accesses (id, recording_id, user_sub, role) VALUES (gen_random_uuid(), $1, $2, 'owner')`, [row!.id, owner.sub]);
  const early = await post('early', 'pause');
  expect(early.status).toBe(409);
  expect(early.body.detail).toMatch(/initiated/);
  expect((await post('early', 'resume')).status).toBe(404);
  const [after] = await queryDb<{ status: string }>(svc.db.url, 'SELECT status FROM recordings WHERE id = $1', [row!.id]);
  expect(after!.status).toBe('initiated');
});

it('a resume whose recorder fails is 502 and the recording stays paused', async () => {
  expect((await post('flaky', 'start')).status).toBe(201);
  expect((await post('flaky', 'pause')).status).toBe(200);
  livekit.injectFault({ type: 'twirp-error', code: 'unavailable', msg: 'no egress worker' }, { method: 'StartRoomCompositeEgress' });
  const resumed = await post('flaky', 'resume');
  expect(resumed.status).toBe(502);
  const [row] = await queryDb<{ status: string }>(svc.db.url, `SELECT status FROM recordings WHERE room = 'flaky'`);
  expect(row!.status).toBe('paused');
  expect((await post('flaky', 'resume')).status).toBe(200);
});

it("the stopped stretch's egress_ended, arriving after the resume, leaves the resumed recording active", async () => {
  const id = (await post('late', 'start')).body.id as string;
  const [row] = await queryDb<{ worker_id: string }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [id]);
  const firstEgress = row!.worker_id;
  expect((await post('late', 'pause')).status).toBe(200);
  expect((await post('late', 'resume')).status).toBe(200);
  // LiveKit reports the first stretch's egress complete once its upload is done: after the resume here.
  expect((await postWebhook(svc.url, livekit.webhookEvent(firstEgress, 'egress_ended'))).status).toBe(200);
  const [after] = await queryDb<{ status: string }>(svc.db.url, 'SELECT status FROM recordings WHERE id = $1', [id]);
  expect(after!.status).toBe('active');
  expect((await post('late', 'stop')).body.status).toBe('stopped');
});

it('the status check admits paused and queued, and both hold the room', async () => {
  const insert = (room: string, status: string) => queryDb(svc.db.url, `INSERT INTO recordings (id, room, mode, status, worker_kind) VALUES (gen_random_uuid(), $1, 'screen_recording', $2, 'livekit-video')`, [room, status]);
  await insert('check-a', 'queued');
  await insert('check-b', 'paused');
  await expect(insert('check-a', 'initiated')).rejects.toThrow(/recordings_one_live_per_room/);
  await expect(insert('check-b', 'queued')).rejects.toThrow(/recordings_one_live_per_room/);
  await expect(insert('check-c', 'waiting')).rejects.toThrow(/recordings_status_check/);
});

it('a pause whose recorder does not stop is 502 and changes nothing: still active, never paused', async () => {
  const id = (await post('stuck', 'start')).body.id as string;
  livekit.injectFault({ type: 'twirp-error', code: 'internal', msg: 'egress stuck' }, { method: 'StopEgress' });
  const paused = await post('stuck', 'pause');
  expect(paused.status).toBe(502);
  const got = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(got.body).toMatchObject({ status: 'active', segments: [] });
  expect(await queryDb(svc.db.url, 'SELECT 1 FROM recording_parts WHERE recording_id = $1', [id])).toEqual([]);
  expect((await post('stuck', 'pause')).status).toBe(200);
});
