import request from 'supertest';
import { FakeJibri } from './fakes/jibri-server';
import { jibriPoolEnv } from './helpers/jibri-env';
import { queryDb, statusOf } from './helpers/flow';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * A status webhook speaks only for its own Jibri: a BUSY report naming another session ends
 * that Jibri's recordings only when its credential is bound to the Jibri (a per-instance token
 * here; a JWT's kid/sub in jibri-webhook-jwt.test.ts) and the Jibri's health API says BUSY.
 */

const SHARED_TOKEN = 'jibri-webhook-pool-token-0123456789';
const TOKENS = ['jibri-webhook-token-one-0123456789', 'jibri-webhook-token-two-0123456789'];
const owner: TestUser = { sub: 'binding-owner', email: 'owner@example.org', rooms: { bound: 'owner', shared: 'owner' } };

let jibris: FakeJibri[];
let perInstance: TestService;
let shared: TestService;

beforeAll(async () => {
  jibris = await Promise.all([FakeJibri.start({ jibriId: 'jibri-1' }), FakeJibri.start({ jibriId: 'jibri-2' })]);
  const pool = {
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    ...jibriPoolEnv(jibris),
    WORKER_TIMEOUT_MS: '3000',
  };
  [perInstance, shared] = await Promise.all([
    startTestService({ ...pool, JIBRI_WEBHOOK_TOKEN: '', JIBRI_WEBHOOK_TOKENS: TOKENS.join(',') }),
    startTestService({ ...pool, JIBRI_WEBHOOK_TOKEN: SHARED_TOKEN }),
  ]);
});

afterAll(async () => {
  await Promise.all([perInstance?.close(), shared?.close()]);
  await Promise.all((jibris ?? []).map((j) => j.close()));
});

beforeEach(() => {
  for (const j of jibris) {
    j.busyStatus = 'IDLE';
    j.session = null;
    j.fail500(['health'], false);
  }
});

/** Starts a recording and makes it older than the webhook grace period; returns it and its Jibri. */
async function activeRecording(svc: TestService, room: string): Promise<{ id: string; recorder: FakeJibri; other: FakeJibri }> {
  const res = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
  expect([res.status, res.body.detail]).toEqual([201, undefined]);
  const id = res.body.id as string;
  const recorder = jibris.find((j) => (j.session as { sessionId?: string } | null)?.sessionId === id)!;
  await queryDb(svc.db.url, "UPDATE recordings SET updated_at = now() - interval '1 minute' WHERE id = $1", [id]);
  return { id, recorder, other: jibris.find((j) => j !== recorder)! };
}

const subscriber = (svc: TestService, token: string) => `${svc.url}/api/v1.0/rooms/webhooks-jibri/${token}`;
const stopRoom = (svc: TestService, room: string) => request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).send();

it('with the pool-wide token, a BUSY report naming another session ends nothing', async () => {
  const { id, recorder } = await activeRecording(shared, 'shared');
  expect(await recorder.postStatus(subscriber(shared, SHARED_TOKEN), { sessionId: 'forged-session' })).toBe(200);
  expect(await statusOf(shared.db.url, id)).toBe('active');
  expect((await stopRoom(shared, 'shared')).status).toBe(200);
});

it("refuses a per-instance token that speaks for another Jibri, and believes a bound BUSY only when the Jibri's health API confirms it", async () => {
  const { id, recorder, other } = await activeRecording(perInstance, 'bound');
  const tokenOf = (j: FakeJibri) => TOKENS[jibris.indexOf(j)]!;

  // The other Jibri's token, the recorder's jibriId in the body: 401, nothing changes.
  expect(await recorder.postStatus(subscriber(perInstance, tokenOf(other)), { sessionId: 'forged-session' })).toBe(401);
  expect(await statusOf(perInstance.db.url, id)).toBe('active');

  // Its own token, but the health probe fails: the report alone is not enough.
  recorder.fail500(['health']);
  expect(await recorder.postStatus(subscriber(perInstance, tokenOf(recorder)), { sessionId: 'another-session' })).toBe(200);
  expect(await statusOf(perInstance.db.url, id)).toBe('active');

  // Its own token and the probe answers BUSY: another session runs there now, ours is over.
  recorder.fail500(['health'], false);
  expect(await recorder.postStatus(subscriber(perInstance, tokenOf(recorder)), { sessionId: 'another-session' })).toBe(200);
  expect(await statusOf(perInstance.db.url, id)).toBe('stopped');
  expect(recorder.requestsTo('health').length).toBeGreaterThan(0);
});
