import request from 'supertest';
import { FakeJibri } from './fakes/jibri-server';
import { jibriPoolEnv } from './helpers/jibri-env';
import { eventually } from './helpers/flow';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * The recorders API (OPERATOR_TOKEN): every Jibri's state as its health answers say (the
 * health poll keeps the shared pool current), drain and undrain, and a drained Jibri never
 * given a start.
 */

const OPERATOR_TOKEN = 'operator-token-for-tests-0123456789';
const owner: TestUser = { sub: 'recorders-owner', rooms: { 'rec-a': 'owner', 'rec-b': 'owner' } };

let jibris: FakeJibri[];
let svc: TestService;
let closed: TestService | undefined;

const env = () => ({
  RECORDING_WORKERS: '{"screen_recording":"jibri"}',
  ...jibriPoolEnv(jibris),
  JIBRI_HEALTH_INTERVAL_SECONDS: '1',
  RECORDING_START_QUEUE_SECONDS: '600',
  WORKER_TIMEOUT_MS: '500',
  RECONCILE_INTERVAL_MS: '0',
  JOBS_POLL_INTERVAL_MS: '100',
});

beforeAll(async () => {
  jibris = await Promise.all([1, 2, 3].map((n) => FakeJibri.start({ jibriId: `rec-jibri-${n}` })));
  svc = await startTestService({ ...env(), OPERATOR_TOKEN });
});
afterAll(async () => {
  await closed?.close();
  await svc?.close();
  await Promise.all((jibris ?? []).map((j) => j.close()));
});

const operator = { Authorization: `Bearer ${OPERATOR_TOKEN}` };
const recorders = () => request(svc.url).get('/api/v1.0/recorders/').set(operator);
const stateOf = async (id: string) => ((await recorders()).body.results as { id: string; state: string }[]).find((r) => r.id === id)?.state;
const start = (room: string) => request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });

it('refuses a missing or wrong operator token (401), and a user token is no operator token', async () => {
  expect((await request(svc.url).get('/api/v1.0/recorders/')).status).toBe(401);
  expect((await request(svc.url).get('/api/v1.0/recorders/').set({ Authorization: 'Bearer not-the-operator-token' })).status).toBe(401);
  expect((await request(svc.url).get('/api/v1.0/recorders/').set(bearer(owner))).status).toBe(401);
  expect((await request(svc.url).post(`/api/v1.0/recorders/${jibris[0]!.jibriId}/drain/`)).status).toBe(401);
});

it('lists every Jibri, whose state follows its health answers', async () => {
  const first = await recorders();
  expect(first.status).toBe(200);
  expect(first.body.queued).toEqual({ jibri: 0 });
  expect(first.body.results.map((r: { id: string; kind: string }) => [r.kind, r.id])).toEqual(jibris.map((j) => ['jibri', j.jibriId]));
  const [one, two, three] = jibris as [FakeJibri, FakeJibri, FakeJibri];
  await eventually(async () => (await stateOf(one.jibriId)) === 'idle', 10_000, 'idle after a poll');

  // Jicofo takes one for its own recording: busy, and no recording of ours.
  two.takeByOther('jicofo-session');
  await eventually(async () => (await stateOf(two.jibriId)) === 'busy', 10_000, 'busy with another client');
  const busy = (await recorders()).body.results.find((r: { id: string }) => r.id === two.jibriId);
  expect(busy).toMatchObject({ recording: null, last_seen_at: expect.any(String) });

  await three.down();
  await eventually(async () => (await stateOf(three.jibriId)) === 'unreachable', 10_000, 'unreachable');
  await three.up();
  await eventually(async () => (await stateOf(three.jibriId)) === 'idle', 10_000, 'idle again');
  two.finishOnItsOwn();
  await eventually(async () => (await stateOf(two.jibriId)) === 'idle', 10_000, 'idle once Jicofo is done');
});

it('never gives a drained Jibri a start; undrained, it takes the queued one', async () => {
  const [one, two, three] = jibris as [FakeJibri, FakeJibri, FakeJibri];
  for (const j of jibris) j.requests.length = 0;
  const drained = await request(svc.url).post(`/api/v1.0/recorders/${one.jibriId}/drain/`).set(operator);
  expect(drained.status).toBe(200);
  expect(drained.body).toMatchObject({ kind: 'jibri', id: one.jibriId, state: 'draining' });
  two.takeByOther('jicofo-session');

  const a = await start('rec-a');
  expect(a.body.status).toBe('active');
  expect(three.session?.sessionId).toBe(a.body.id);
  const b = await start('rec-b');
  expect(b.status).toBe(201);
  expect(b.body.status).toBe('queued');
  expect((await recorders()).body.queued).toEqual({ jibri: 1 });
  // What an autoscaler reads: the queue and the recorders by state.
  const metrics = (await request(svc.url).get('/metrics')).text;
  expect(metrics).toMatch(/^recorder_starts_queued\{worker_kind="jibri"\} 1$/m);
  expect(metrics).toMatch(/^recorder_recorders\{worker_kind="jibri",state="draining"\} 1$/m);
  expect(metrics).toMatch(/^recorder_recorders\{worker_kind="jibri",state="busy"\} 2$/m);
  // Polls and periodic tries go on: each poll that finds the drained one idle makes the queue
  // try again. Two more of them, and it was never asked to record.
  const polls = one.requestsTo('health').length;
  await eventually(async () => one.requestsTo('health').length >= polls + 2, 10_000, 'two more health polls of the drained Jibri');
  expect(one.requestsTo('startService')).toEqual([]);
  expect(one.busyStatus).toBe('IDLE');

  const back = await request(svc.url).delete(`/api/v1.0/recorders/${one.jibriId}/drain/`).set(operator);
  expect(back.status).toBe(200);
  expect(back.body.state).not.toBe('draining');
  await eventually(async () => one.session?.sessionId === b.body.id, 10_000, 'the undrained Jibri taking the queued start');
  await eventually(
    async () => /^recorder_start_queue_wait_seconds_count\{worker_kind="jibri",outcome="started"\} 1$/m.test((await request(svc.url).get('/metrics')).text),
    5000,
    'the time it spent queued observed',
  );
  two.finishOnItsOwn();
});

it('answers 404 for an unknown recorder', async () => {
  expect((await request(svc.url).post('/api/v1.0/recorders/no-such-jibri/drain/').set(operator)).status).toBe(404);
});

it('does not exist without OPERATOR_TOKEN', async () => {
  closed = await startTestService(env());
  expect((await request(closed.url).get('/api/v1.0/recorders/').set(operator)).status).toBe(404);
  expect((await request(closed.url).post(`/api/v1.0/recorders/${jibris[0]!.jibriId}/drain/`).set(operator)).status).toBe(404);
});
