import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { FakeJibri, sessionOf as startRequestOf, uploadCapabilityOf } from './fakes/jibri-server';
import { queryDb, statusOf } from './helpers/flow';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * Jitsi recordings through the HTTP API: the real service with RECORDING_WORKERS mapping
 * screen_recording to jibri, a pool of fake Jibris speaking the documented HTTP API, and
 * Jibri's status webhook. Storage is not configured here (see jibri-finalize.test.ts).
 */

const WEBHOOK_TOKEN = 'jibri-webhook-token-0123456789';
const UPLOAD_TOKEN = 'jibri-upload-token-0123456789';
const XMPP = { domain: 'recorder.meet.example.org', username: 'recorder', password: 'recorder-secret' };
const POOL_SIZE = 5;

const CONCURRENT_ROOMS = Array.from({ length: 20 }, (_, i) => `crowd-${i + 1}`);
const ROOMS = ['pick', 'full', 'stop-me', 'ending', 'stale', 'other', ...CONCURRENT_ROOMS];
const owner: TestUser = { sub: 'jibri-owner', email: 'owner@example.org', rooms: Object.fromEntries(ROOMS.map((r) => [r, 'owner'])) };

let svc: TestService;
let jibris: FakeJibri[];

beforeAll(async () => {
  jibris = await Promise.all(Array.from({ length: POOL_SIZE }, (_, i) => FakeJibri.start({ jibriId: `jibri-${i + 1}` })));
  svc = await startTestService({
    RECORDING_WORKERS: '{"screen_recording":"jibri","transcript":"livekit-audio"}',
    JIBRI_URLS: jibris.map((j) => j.url).join(','),
    JIBRI_IDS: jibris.map((j) => j.jibriId).join(','),
    JITSI_BASE_URL: 'https://meet.example.org',
    JIBRI_XMPP_DOMAIN: XMPP.domain,
    JIBRI_XMPP_USERNAME: XMPP.username,
    JIBRI_XMPP_PASSWORD: XMPP.password,
    JIBRI_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN,
    WORKER_TIMEOUT_MS: '3000',
  });
});

afterAll(async () => {
  await svc?.close();
  await Promise.all((jibris ?? []).map((j) => j.close()));
});

/** Every fake idle, healthy and with an empty request log. */
beforeEach(() => {
  for (const j of jibris) {
    j.busyStatus = 'IDLE';
    j.session = null;
    j.setUnhealthy(false);
    j.requests.length = 0;
  }
});

const start = (room: string, mode = 'screen_recording') =>
  request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode });
const stop = (room: string) => request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).send();

const accepted = (j: FakeJibri) => j.requestsTo('startService').filter((r) => r.status === 200);
const sessionOf = (j: FakeJibri) => (j.session as { sessionId?: string } | null)?.sessionId;

async function workerIdOf(id: string): Promise<string | null> {
  const [row] = await queryDb<{ worker_id: string | null }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [id]);
  return row?.worker_id ?? null;
}

/** The fake that runs this recording's session (exactly one). */
function recorderOf(id: string): FakeJibri {
  const running = jibris.filter((j) => sessionOf(j) === id);
  expect(running).toHaveLength(1);
  return running[0]!;
}

const webhookBase = () => `${svc.url}/api/v1.0/rooms/webhooks-jibri`;
const withToken = () => `${webhookBase()}/${WEBHOOK_TOKEN}`;

function postRawStatus(url: string, body: string, headers: Record<string, string> = {}) {
  return request(url).post('').set('Content-Type', 'application/json').set(headers).send(body);
}

describe('starting and stopping Jitsi recordings through the Jibri pool', () => {
  it('skips busy and unhealthy instances and sends the documented startService body', async () => {
    const [busy, sick, expired] = jibris;
    busy!.takeByOther();
    sick!.setUnhealthy();
    expired!.setExpired();

    const res = await start('pick');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ room: 'pick', mode: 'screen_recording', status: 'active' });
    expect(res.body.key).toBe(`recordings/${res.body.id}.mp4`);

    for (const skipped of [busy!, sick!, expired!]) expect(skipped.requestsTo('startService')).toHaveLength(0);
    const recorder = recorderOf(res.body.id);
    expect(jibris.indexOf(recorder)).toBeGreaterThanOrEqual(3);
    expect(recorder.session).toEqual({
      sessionId: res.body.id,
      callParams: { callUrlInfo: { baseUrl: 'https://meet.example.org', callName: 'pick', urlParams: [expect.stringMatching(/^recorderUploadCapability=[A-Za-z0-9_-]{43}$/)] } },
      callLoginParams: XMPP,
      sinkType: 'file',
    });
    expect(await workerIdOf(res.body.id)).toBe(`${recorder.url}#${res.body.id}`);

    expect((await stop('pick')).status).toBe(200);
  });

  it('answers 502 "no recorder available" when every instance is busy, without locking the room', async () => {
    for (const j of jibris) j.takeByOther();

    const first = await start('full');
    expect(first.status).toBe(502);
    expect(first.body.detail).toMatch(/no recorder available/i);
    const [failed] = await queryDb<{ id: string; status: string }>(svc.db.url, "SELECT id, status FROM recordings WHERE room = 'full'");
    expect(failed!.status).toBe('failed_to_start');

    // Not locked: a second try is refused by the pool again (502), not by the room (409).
    const second = await start('full');
    expect(second.status).toBe(502);
    for (const j of jibris) expect(accepted(j)).toHaveLength(0);

    jibris[2]!.finishOnItsOwn();
    const third = await start('full');
    expect(third.status).toBe(201);
    expect(recorderOf(third.body.id)).toBe(jibris[2]);
    expect((await stop('full')).status).toBe(200);
  });

  it('sends stopService to the instance that started the recording', async () => {
    const res = await start('stop-me');
    expect(res.status).toBe(201);
    const recorder = recorderOf(res.body.id);

    const stopped = await stop('stop-me');
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ id: res.body.id, status: 'stopped' });
    expect(recorder.requestsTo('stopService')).toHaveLength(1);
    expect(recorder.busyStatus).toBe('IDLE');
    for (const other of jibris.filter((j) => j !== recorder)) expect(other.requestsTo('stopService')).toHaveLength(0);
    expect(await statusOf(svc.db.url, res.body.id)).toBe('stopped');
  });

  it('20 concurrent starts in 20 rooms over 5 instances: 5 active, 15 clean 502s, no instance double-booked', async () => {
    const answers = await Promise.all(CONCURRENT_ROOMS.map((room) => start(room)));

    const created = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 502);
    expect(created).toHaveLength(POOL_SIZE);
    expect(refused).toHaveLength(CONCURRENT_ROOMS.length - POOL_SIZE);
    for (const r of refused) expect(r.body.detail).toMatch(/no recorder available/i);

    const rows = await queryDb<{ id: string; status: string; worker_id: string | null }>(
      svc.db.url,
      "SELECT id, status, worker_id FROM recordings WHERE room LIKE 'crowd-%'",
    );
    expect(rows.filter((r) => r.status === 'active')).toHaveLength(POOL_SIZE);
    expect(rows.filter((r) => r.status === 'failed_to_start')).toHaveLength(CONCURRENT_ROOMS.length - POOL_SIZE);

    // Each instance runs exactly one session, and it is the recording that names that instance.
    for (const j of jibris) expect(accepted(j)).toHaveLength(1);
    const active = rows.filter((r) => r.status === 'active');
    expect(new Set(active.map((r) => r.worker_id!.split('#')[0])).size).toBe(POOL_SIZE);
    for (const r of active) {
      const instance = jibris.find((j) => r.worker_id === `${j.url}#${r.id}`);
      expect(instance).toBeDefined();
      expect(sessionOf(instance!)).toBe(r.id);
    }
    expect(new Set(created.map((a) => a.body.id))).toEqual(new Set(active.map((r) => r.id)));

    for (const a of created) expect((await stop(a.body.room)).status).toBe(200);
    for (const j of jibris) expect(j.busyStatus).toBe('IDLE');
  });
});

describe('the Jibri status webhook', () => {
  it('accepts the token as a bearer header or as a path segment, and refuses anything else with 401', async () => {
    const j = jibris[0]!;
    expect(await j.postStatus(webhookBase())).toBe(401);
    expect(await j.postStatus(webhookBase(), { headers: { Authorization: 'Bearer wrong-token' } })).toBe(401);
    expect(await j.postStatus(`${webhookBase()}/wrong-token`)).toBe(401);
    expect(await j.postStatus(`${webhookBase()}/${WEBHOOK_TOKEN}x`)).toBe(401);
    expect(await j.postStatus(webhookBase(), { headers: { Authorization: `Basic ${WEBHOOK_TOKEN}` } })).toBe(401);

    expect(await j.postStatus(webhookBase(), { headers: { Authorization: `Bearer ${WEBHOOK_TOKEN}` } })).toBe(200);
    expect(await j.postStatus(withToken())).toBe(200);
    // Jibri with jwt-info set adds its own signed JWT: the path token still authorises.
    expect(await j.postStatus(withToken(), { headers: { Authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig' } })).toBe(200);

    // A bad token is a 401 even with a body that is not JSON.
    const junk = await postRawStatus(`${webhookBase()}/v1/status`, '{not json', { Authorization: 'Bearer nope' });
    expect(junk.status).toBe(401);
    expect(junk.body.detail).toMatch(/token/i);
  });

  it('answers 400 to a malformed status and 200 to an unknown instance or a session status', async () => {
    const url = `${withToken()}/v1/status`;
    for (const body of ['{not json', '', '[]', '{"jibriId":"jibri-1"}', '{"jibriId":"jibri-1","status":{"busyStatus":"SLEEPY","health":{"healthStatus":"HEALTHY"}}}']) {
      const res = await postRawStatus(url, body);
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/malformed/i);
    }

    const unknown = await postRawStatus(url, JSON.stringify({ jibriId: 'jibri-99', status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY' } } }));
    expect(unknown.status).toBe(200);
    expect(unknown.body.message).toMatch(/unknown jibri instance/i);

    const session = await postRawStatus(`${withToken()}/v1/session/status`, JSON.stringify({ anything: true }));
    expect(session.status).toBe(200);
    expect(session.body).toEqual({ message: 'Notification ignored.' });
    expect((await postRawStatus(`${webhookBase()}/v1/session/status`, '{}')).status).toBe(401);
  });

  it('marks the recording stopped when its instance goes IDLE mid-recording, which frees the room', async () => {
    const res = await start('ending');
    expect(res.status).toBe(201);
    const recorder = recorderOf(res.body.id);
    expect(await recorder.postStatus(withToken())).toBe(200); // BUSY: nothing changes
    expect(await statusOf(svc.db.url, res.body.id)).toBe('active');

    recorder.finishOnItsOwn(); // the meeting ended: Jibri stops by itself and reports IDLE
    for (const j of jibris.filter((x) => x !== recorder)) j.takeByOther(); // only the freed instance can take the next one
    const answer = await request(`${withToken()}/v1/status`)
      .post('')
      .set('Content-Type', 'application/json')
      .send({ jibriId: recorder.jibriId, status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY', details: {} } } });
    expect(answer.status).toBe(200);
    expect(answer.body.message).toMatch(/1 recording\(s\) marked stopped/);
    expect(await statusOf(svc.db.url, res.body.id)).toBe('stopped');
    expect(recorder.requestsTo('stopService')).toHaveLength(0);

    const again = await start('ending');
    expect(again.status).toBe(201);
    expect(recorderOf(again.body.id)).toBe(recorder);
    expect((await stop('ending')).status).toBe(200);

    const metrics = await request(svc.url).get('/metrics');
    expect(metrics.text).toMatch(/recorder_jibri_events_total\{outcome="recording_stopped"\} 1\b/);
  });

  it('does not stop a recording on an IDLE report that its instance, still busy, contradicts', async () => {
    const res = await start('stale');
    expect(res.status).toBe(201);
    const recorder = recorderOf(res.body.id);

    // An IDLE report sent before the start arrives late: the health probe says BUSY.
    const answer = await postRawStatus(
      `${withToken()}/v1/status`,
      JSON.stringify({ jibriId: recorder.jibriId, status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY' } } }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.message).toBe('Status recorded.');
    expect(await statusOf(svc.db.url, res.body.id)).toBe('active');
    expect(recorder.busyStatus).toBe('BUSY');

    expect((await stop('stale')).status).toBe(200);
    expect(recorder.requestsTo('stopService')).toHaveLength(1);
  });
});

describe('upload URLs without storage', () => {
  const uploadUrl = (id: string, token: string | null = UPLOAD_TOKEN, capability?: string) => {
    const req = request(svc.url).post(`/api/v1.0/recordings/${id}/upload-url/`).set('Content-Type', 'application/json');
    if (token !== null) req.set('Authorization', `Bearer ${token}`);
    if (capability !== undefined) req.set('X-Recorder-Upload-Capability', capability);
    return req.send('{}');
  };

  it('checks the token, the id, the worker kind and the status before anything else', async () => {
    const id = randomUUID();
    expect((await uploadUrl(id, null)).status).toBe(401);
    expect((await uploadUrl(id, 'wrong')).status).toBe(401);
    expect((await uploadUrl(id, `${UPLOAD_TOKEN}x`)).status).toBe(401);
    expect((await uploadUrl('not-a-uuid')).status).toBe(404);
    expect((await uploadUrl(id)).status).toBe(404);

    // A LiveKit-kind recording (its worker is not configured here, so it failed to start).
    const lk = await start('other', 'transcript');
    expect(lk.status).toBe(502);
    const [row] = await queryDb<{ id: string }>(svc.db.url, "SELECT id FROM recordings WHERE room = 'other' AND mode = 'transcript'");
    const notJibri = await uploadUrl(row!.id);
    expect(notJibri.status).toBe(403);
    expect(notJibri.body.detail).toMatch(/not made by Jibri/);
  });

  it('answers 503 with a clear detail for an uploadable recording while storage is not configured', async () => {
    const res = await start('other');
    expect(res.status).toBe(201);
    expect((await stop('other')).status).toBe(200);
    const answer = await uploadUrl(res.body.id, UPLOAD_TOKEN, uploadCapabilityOf(startRequestOf(jibris, res.body.id)));
    expect(answer.status).toBe(503);
    expect(answer.body.detail).toMatch(/storage is not configured/i);
  });
});

describe('with no Jibri tokens set', () => {
  let bare: TestService;
  beforeAll(async () => {
    bare = await startTestService({ RECORDING_WORKERS: '{"screen_recording":"jibri"}' });
  });
  afterAll(async () => {
    await bare?.close();
  });

  it('refuses upload URLs and status webhooks with 401, whatever token is sent', async () => {
    const up = await request(bare.url).post(`/api/v1.0/recordings/${randomUUID()}/upload-url/`).set('Authorization', 'Bearer anything').send('{}');
    expect(up.status).toBe(401);
    expect(up.body.detail).toMatch(/JIBRI_UPLOAD_TOKEN is not set/);

    const hook = await request(`${bare.url}/api/v1.0/rooms/webhooks-jibri/anything/v1/status`)
      .post('')
      .set('Authorization', 'Bearer anything')
      .send({ jibriId: 'jibri-1', status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY' } } });
    expect(hook.status).toBe(401);
    expect(hook.body.detail).toMatch(/JIBRI_WEBHOOK_TOKEN is not set/);
  });
});
