import request from 'supertest';
import { FakeJibri } from './fakes/jibri-server';
import { jibriPoolEnv } from './helpers/jibri-env';
import { queryDb } from './helpers/flow';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * Two service instances on one database share one Jibri pool (the `jibri_instances` table):
 * their starts never book one Jibri twice, a status webhook received by one is seen by the
 * other, and a stop reaches the right Jibri whichever instance receives it, also after a restart.
 */

const POOL_SIZE = 5;
// One webhook token per Jibri: only a report bound to its Jibri may name the session running there.
const webhookTokenOf = (j: FakeJibri) => `jibri-webhook-token-multi-${j.jibriId}-0123456789`;
const ROOMS = Array.from({ length: 20 }, (_, i) => `shared-${i + 1}`);
const owner: TestUser = {
  sub: 'jibri-multi-owner',
  email: 'owner@example.org',
  rooms: Object.fromEntries([...ROOMS, 'other-session', 'first', 'second'].map((r) => [r, 'owner'])),
};

let a: TestService;
let b: TestService;
let env: Record<string, string>;
let jibris: FakeJibri[];

beforeAll(async () => {
  jibris = await Promise.all(Array.from({ length: POOL_SIZE }, (_, i) => FakeJibri.start({ jibriId: `jibri-${i + 1}` })));
  env = {
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    ...jibriPoolEnv(jibris),
    JIBRI_WEBHOOK_TOKEN: '',
    JIBRI_WEBHOOK_TOKENS: jibris.map(webhookTokenOf).join(','),
    // Twenty starts probing five Jibris at once on a busy test machine.
    WORKER_TIMEOUT_MS: '5000',
    // Not the subject here: the reconciler would inspect (probe) recordings while the tests do.
    RECONCILE_INTERVAL_MS: '0',
  };
  a = await startTestService(env);
  b = await startTestService(env, a.db);
});

afterAll(async () => {
  await b?.close({ keepDatabase: true });
  await a?.close();
  await Promise.all((jibris ?? []).map((j) => j.close()));
});

const start = (svc: TestService, room: string) =>
  request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
const stop = (svc: TestService, room: string) => request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).send();

const sessionOf = (j: FakeJibri) => (j.session as { sessionId?: string } | null)?.sessionId;
const startCalls = (j: FakeJibri) => j.requestsTo('startService').map((r) => r.status);

/** The fake that runs this recording's session (exactly one). */
function recorderOf(id: string): FakeJibri {
  const running = jibris.filter((j) => sessionOf(j) === id);
  expect(running).toHaveLength(1);
  return running[0]!;
}

function idleStatus(j: FakeJibri): Promise<request.Response> {
  return request(`${a.url}/api/v1.0/rooms/webhooks-jibri/${webhookTokenOf(j)}/v1/status`)
    .post('')
    .set('Content-Type', 'application/json')
    .send({ jibriId: j.jibriId, status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY', details: {} } } });
}

async function poolRows(): Promise<{ key: string; busy_status: string | null; reserved_for: string | null }[]> {
  return queryDb(a.db.url, 'SELECT key, busy_status, reserved_for FROM jibri_instances ORDER BY key');
}

/** Every fake idle, healthy and with an empty request log; the pool's rows say nothing yet. */
function resetFakes(): void {
  for (const j of jibris) {
    j.busyStatus = 'IDLE';
    j.session = null;
    j.setUnhealthy(false);
    j.requests.length = 0;
  }
}

describe('two service instances, one database, five Jibris', () => {
  // First in this file: B has never touched that Jibri, so only the shared view can tell B.
  it("a session a webhook to A named as someone else's is not stopped by a stop sent to B", async () => {
    resetFakes();
    for (const j of jibris.slice(1)) j.takeByOther();
    const res = await start(a, 'other-session');
    expect(res.status).toBe(201);
    const recorder = recorderOf(res.body.id);
    expect(recorder).toBe(jibris[0]);

    // Our session ended and someone else's runs there now; the webhook (to A) names it.
    recorder.finishOnItsOwn();
    recorder.takeByOther('someone-elses-session');
    const hook = await request(`${a.url}/api/v1.0/rooms/webhooks-jibri/${webhookTokenOf(recorder)}/v1/status`)
      .post('')
      .set('Content-Type', 'application/json')
      .send({ jibriId: recorder.jibriId, sessionId: 'someone-elses-session', status: { busyStatus: 'BUSY', health: { healthStatus: 'HEALTHY' } } });
    expect(hook.status).toBe(200);

    const stopped = await stop(b, 'other-session');
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
    expect(recorder.requestsTo('stopService')).toHaveLength(0);
    expect(sessionOf(recorder)).toBe('someone-elses-session');
  });

  it('twenty concurrent starts spread over both instances: five active, fifteen clean 502s, no Jibri asked twice', async () => {
    resetFakes();
    const answers = await Promise.all(ROOMS.map((room, i) => start(i % 2 ? b : a, room)));

    const created = answers.filter((r) => r.status === 201);
    const refused = answers.filter((r) => r.status === 502);
    expect(created).toHaveLength(POOL_SIZE);
    expect(refused).toHaveLength(ROOMS.length - POOL_SIZE);
    for (const r of created) expect(r.body.status).toBe('active');
    for (const r of refused) expect(r.body.detail).toMatch(/no recorder available/i);

    // One startService per Jibri, accepted: the shared reservation kept every other start away,
    // so none even got Jibri's 412.
    for (const j of jibris) expect(startCalls(j)).toEqual([200]);
    const rows = await queryDb<{ id: string; status: string; worker_id: string | null }>(
      a.db.url,
      "SELECT id, status, worker_id FROM recordings WHERE room LIKE 'shared-%'",
    );
    const active = rows.filter((r) => r.status === 'active');
    expect(active).toHaveLength(POOL_SIZE);
    expect(rows.filter((r) => r.status === 'failed_to_start')).toHaveLength(ROOMS.length - POOL_SIZE);
    for (const r of active) expect(r.worker_id).toBe(`${recorderOf(r.id).url}#${r.id}`);
    expect((await poolRows()).map((r) => r.reserved_for).sort()).toEqual(active.map((r) => r.id).sort());
  });

  it('status webhooks sent to one instance free the Jibris for starts on the other', async () => {
    const before = await queryDb<{ id: string; room: string }>(a.db.url, "SELECT id, room FROM recordings WHERE room LIKE 'shared-%' AND status = 'active'");
    expect(before).toHaveLength(POOL_SIZE);

    // Every meeting ends; each Jibri tells instance A.
    for (const j of jibris) j.finishOnItsOwn();
    for (const j of jibris) {
      const answer = await idleStatus(j);
      expect(answer.status).toBe(200);
      expect(answer.body.message).toMatch(/1 recording\(s\) marked stopped/);
    }
    // What A heard is the shared view: every instance idle and unreserved.
    for (const row of await poolRows()) expect(row).toMatchObject({ busy_status: 'IDLE', reserved_for: null });

    // B starts again in the same rooms (freed by A's webhook handling) on the same Jibris.
    const again = await Promise.all(before.map((r) => start(b, r.room)));
    for (const r of again) expect(r.status).toBe(201);
    for (const j of jibris) expect(startCalls(j)).toEqual([200, 200]);
    expect(new Set(again.map((r) => recorderOf(r.body.id)))).toEqual(new Set(jibris));
  });

  it('a stop sent to the instance that did not start the recording reaches the right Jibri', async () => {
    const live = await queryDb<{ id: string; room: string }>(a.db.url, "SELECT id, room FROM recordings WHERE room LIKE 'shared-%' AND status = 'active'");
    expect(live).toHaveLength(POOL_SIZE); // started through B above
    for (const r of live) {
      const recorder = recorderOf(r.id);
      const answer = await stop(a, r.room);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: r.id, status: 'stopped' });
      expect(recorder.requestsTo('stopService')).toHaveLength(1);
      expect(recorder.busyStatus).toBe('IDLE');
    }
    for (const j of jibris) expect(j.requestsTo('stopService')).toHaveLength(1);
    for (const row of await poolRows()) expect(row.reserved_for).toBeNull();
  });

  it('a restart keeps the reservations: a stale stop after it does not stop the recording that took the Jibri since', async () => {
    resetFakes();
    for (const j of jibris.slice(1)) j.takeByOther();
    const first = await start(a, 'first');
    expect(first.status).toBe(201);
    const recorder = recorderOf(first.body.id);
    recorder.finishOnItsOwn(); // nobody tells the service
    const second = await start(a, 'second');
    expect(second.status).toBe(201);
    expect(recorderOf(second.body.id)).toBe(recorder);

    await a.close({ keepDatabase: true });
    a = await startTestService(env, b.db);

    // The first recording is still active in the database; stopping it must not stop the second.
    const stopped = await stop(a, 'first');
    expect(stopped.status).toBe(200);
    expect(recorder.requestsTo('stopService')).toHaveLength(0);
    expect(sessionOf(recorder)).toBe(second.body.id);

    const stoppedSecond = await stop(a, 'second');
    expect(stoppedSecond.status).toBe(200);
    expect(recorder.requestsTo('stopService')).toHaveLength(1);
    expect(recorder.busyStatus).toBe('IDLE');
  });
});
