import request from 'supertest';
import { FakeJibri } from './fakes/jibri-server';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * The start queue (RECORDING_START_QUEUE_SECONDS) in one instance: a start without a free
 * recorder answers 201 `queued` and holds the room; a stop cancels it; past its deadline it
 * fails with `no_recorder_available`; a LiveKit that answers `unavailable` is asked again
 * until it takes the start.
 */

const owner: TestUser = {
  sub: 'queue-owner',
  email: 'owner@example.org',
  rooms: Object.fromEntries(['held', 'waits', 'cancelled', 'expires', 'lk-full', 'after', 'first-in', 'second-in'].map((r) => [r, 'owner'])),
};

const start = (svc: TestService, room: string) =>
  request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
const stop = (svc: TestService, room: string) => request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).send();
const statusOf = async (svc: TestService, id: string) => (await queryDb<{ status: string; reason: { code: string } | null }>(svc.db.url, 'SELECT status, reason FROM recordings WHERE id = $1', [id]))[0];

describe('one busy Jibri and a queue', () => {
  let jibri: FakeJibri;
  let svc: TestService;
  let short: TestService;
  const jibriEnv = () => ({
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    JIBRI_URLS: jibri.url,
    JITSI_BASE_URL: 'https://meet.example.org',
    JIBRI_XMPP_DOMAIN: 'recorder.meet.example.org',
    JIBRI_XMPP_USERNAME: 'recorder',
    JIBRI_XMPP_PASSWORD: 'recorder-secret',
    WORKER_TIMEOUT_MS: '1000',
    RECONCILE_INTERVAL_MS: '0',
    JOBS_POLL_INTERVAL_MS: '100',
  });

  beforeAll(async () => {
    jibri = await FakeJibri.start({ jibriId: 'only-jibri' });
    svc = await startTestService({ ...jibriEnv(), RECORDING_START_QUEUE_SECONDS: '600' });
  });
  afterAll(async () => {
    await short?.close();
    await svc?.close();
    await jibri?.close();
  });

  it('a start with no free Jibri is queued (201), holds its room, and starts when the Jibri is free', async () => {
    const first = await start(svc, 'held');
    expect(first.status).toBe(201);
    expect(first.body.status).toBe('active');

    const waiting = await start(svc, 'waits');
    expect(waiting.status).toBe(201);
    expect(waiting.body).toMatchObject({ status: 'queued', reason: null });
    // It is the room's live recording: a second start is a conflict.
    expect((await start(svc, 'waits')).status).toBe(409);
    // Its page says what it waits for, in the viewer's language.
    for (const [language, label] of [['en', 'Waiting for a free recorder'], ['de', 'Wartet auf einen freien Aufnahmedienst']]) {
      const shown = await request(svc.url).get(`/recordings/${waiting.body.id}`).set(bearer(owner)).set('Accept-Language', language!);
      expect(shown.text).toMatch(new RegExp(`<p id="not-ready">[^<]*${label}[^<]*</p>`));
    }

    // The stop frees the Jibri, which is the queue's signal.
    expect((await stop(svc, 'held')).status).toBe(200);
    await eventually(async () => (await statusOf(svc, waiting.body.id))?.status === 'active', 10_000, 'the queued start active');
    expect(jibri.startedSessions.map((s) => s.sessionId)).toEqual([first.body.id, waiting.body.id]);
    expect((await stop(svc, 'waits')).status).toBe(200);
  });

  it('a stop cancels a queued start: aborted, the room free again', async () => {
    jibri.takeByOther();
    const queued = await start(svc, 'cancelled');
    expect(queued.body.status).toBe('queued');
    const stopped = await stop(svc, 'cancelled');
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('aborted');
    expect(await statusOf(svc, queued.body.id)).toMatchObject({ status: 'aborted' });
    // Freed later, the Jibri is not given the cancelled start.
    jibri.finishOnItsOwn();
    const after = await start(svc, 'after');
    expect(after.body.status).toBe('active');
    expect(jibri.startedSessions.map((s) => s.sessionId)).not.toContain(queued.body.id);
    await stop(svc, 'after');
  });

  it("a periodic try takes only the queue's head, never one behind it whose try is due first", async () => {
    jibri.takeByOther();
    const first = await start(svc, 'first-in');
    const second = await start(svc, 'second-in');
    expect([first.body.status, second.body.status]).toEqual(['queued', 'queued']);
    // The head's next try is far off, the second one's is due now; the Jibri frees itself silently.
    await queryDb(svc.db.url, `UPDATE recordings SET queue_retry_at = now() + interval '1 hour' WHERE id = $1`, [first.body.id]);
    await queryDb(svc.db.url, `UPDATE recordings SET queue_retry_at = now() - interval '1 second' WHERE id = $1`, [second.body.id]);
    jibri.finishOnItsOwn();
    const asked = jibri.requestsTo('startService').length;
    await new Promise((r) => setTimeout(r, 2500)); // two passes of the recurring task
    expect(jibri.requestsTo('startService')).toHaveLength(asked);
    expect((await statusOf(svc, second.body.id))?.status).toBe('queued');
    // Once the head's try is due, it is served first; the second one after the head's stop.
    await queryDb(svc.db.url, `UPDATE recordings SET queue_retry_at = now() WHERE id = $1`, [first.body.id]);
    await eventually(async () => (await statusOf(svc, first.body.id))?.status === 'active', 10_000, 'the head served');
    expect((await stop(svc, 'first-in')).status).toBe(200);
    await eventually(async () => (await statusOf(svc, second.body.id))?.status === 'active', 10_000, 'the second served');
    expect((await stop(svc, 'second-in')).status).toBe(200);
  });

  it('a queued start past its deadline fails with no_recorder_available', async () => {
    short = await startTestService({ ...jibriEnv(), RECORDING_START_QUEUE_SECONDS: '1' });
    jibri.takeByOther();
    const queued = await start(short, 'expires');
    expect(queued.body.status).toBe('queued');
    await eventually(async () => (await statusOf(short, queued.body.id))?.status === 'failed_to_start', 10_000, 'the deadline');
    expect((await statusOf(short, queued.body.id))?.reason?.code).toBe('no_recorder_available');
    const shown = await request(short.url).get(`/api/v1.0/recordings/${queued.body.id}/`).set(bearer(owner));
    expect(shown.body.reason).toMatchObject({ code: 'no_recorder_available' });
    jibri.finishOnItsOwn();
  });
});

describe('a LiveKit without a free egress worker', () => {
  let livekit: FakeLivekitServer;
  let svc: TestService;

  beforeAll(async () => {
    const fake = await startFakeLivekit();
    livekit = fake.livekit;
    svc = await startTestService({ ...fake.env, RECORDING_START_QUEUE_SECONDS: '600', RECONCILE_INTERVAL_MS: '0', JOBS_POLL_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await svc?.close();
    await livekit?.close();
  });

  it('answering unavailable for the first two StartRoomCompositeEgress: queued, then active', async () => {
    livekit.injectFault({ type: 'twirp-error', code: 'unavailable', msg: 'no egress worker available' }, { method: 'StartRoomCompositeEgress', times: 2 });
    const res = await start(svc, 'lk-full');
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('queued');
    await eventually(async () => (await statusOf(svc, res.body.id))?.status === 'active', 15_000, 'the egress started');
    expect(livekit.requestsFor('StartRoomCompositeEgress')).toHaveLength(3);
    const stopped = await stop(svc, 'lk-full');
    expect(stopped.body.status).toBe('stopped');
  });
});
