import request from 'supertest';
import { FakeJibri } from './fakes/jibri-server';
import { jibriPoolEnv } from './helpers/jibri-env';
import { eventually, queryDb, statusOf } from './helpers/flow';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/** The start watchdog with Jibri: a session that is not recording (ON) in time moves to another Jibri. */

const owner: TestUser = { sub: 'wd-jibri-owner', rooms: { 'wd-jibri': 'owner' } };

let svc: TestService;
let jibris: FakeJibri[];

beforeAll(async () => {
  jibris = await Promise.all([FakeJibri.start({ jibriId: 'wd-jibri-1' }), FakeJibri.start({ jibriId: 'wd-jibri-2' })]);
  svc = await startTestService({
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    ...jibriPoolEnv(jibris),
    JIBRI_WEBHOOK_TOKEN: 'wd-jibri-webhook-token-0123456789',
    WORKER_TIMEOUT_MS: '2000',
    RECONCILE_INTERVAL_MS: '0',
    RECORDING_START_TIMEOUT_SECONDS: '1',
    RECORDING_START_RETRIES: '1',
    JOBS_POLL_INTERVAL_MS: '100',
  });
}, 30_000);

afterAll(async () => {
  await svc?.close();
  await Promise.all((jibris ?? []).map((j) => j.close()));
});

const sessionOf = (j: FakeJibri) => (j.session as { sessionId?: string } | null)?.sessionId;

async function workerIdOf(id: string): Promise<string> {
  const [row] = await queryDb<{ worker_id: string }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [id]);
  return row!.worker_id;
}

it('a Jibri whose session is not recording after the timeout is stopped; the recording moves to the other Jibri and stays active', async () => {
  const res = await request(svc.url).post('/api/v1.0/rooms/wd-jibri/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  const first = jibris.find((j) => sessionOf(j) === id)!;
  const other = jibris.find((j) => j !== first)!;
  const firstWorker = await workerIdOf(id);
  // Busy with the session but unhealthy: it never reports recording.
  first.setUnhealthy(true);

  await eventually(async () => sessionOf(other) === id, 10_000, 'the session on the other Jibri');
  await eventually(async () => (await workerIdOf(id)) !== firstWorker, 10_000, 'the recording on the other Jibri');
  expect(first.requestsTo('stopService').length).toBeGreaterThan(0);
  expect(sessionOf(first)).toBeUndefined();
  expect(await statusOf(svc.db.url, id)).toBe('active');

  // The other Jibri is busy and healthy with it: its own check keeps it.
  await eventually(async () => {
    const rows = await queryDb<{ status: string }>(svc.db.url, "SELECT status FROM jobs WHERE kind = 'recording.start-watch' AND recording_id = $1 AND key LIKE '%:1'", [id]);
    return rows[0]?.status === 'done';
  }, 10_000, 'the second check');
  expect(sessionOf(other)).toBe(id);
  expect(await statusOf(svc.db.url, id)).toBe('active');

  const stop = await request(svc.url).post('/api/v1.0/rooms/wd-jibri/stop-recording/').set(bearer(owner));
  expect(stop.status).toBe(200);
  expect(sessionOf(other)).toBeUndefined();
});
