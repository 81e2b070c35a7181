import request from 'supertest';
import { FakeJibri } from './fakes/jibri-server';
import { jibriPoolEnv } from './helpers/jibri-env';
import { eventually, queryDb } from './helpers/flow';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, type TestUser } from './helpers/service';
import { killAllServiceProcesses, serviceProcess, type ServiceProcess } from './helpers/service-process';

/**
 * The start queue across two service processes on one database and three fake Jibris: ten
 * starts at once give three active and seven queued; as each Jibri reports itself idle (its
 * session over), the oldest queued start takes it, in the order they arrived; one instance is
 * SIGKILLed while the Jibri it asked has not answered yet, and still no start is lost or given
 * two Jibris: the other instance adopts the orphaned start once its dispatcher's lease is over.
 */

jest.setTimeout(150_000);

const ROOMS = Array.from({ length: 10 }, (_, i) => `queue-${i}`);
const owner: TestUser = { sub: 'queue-instances-owner', email: 'owner@example.org', rooms: Object.fromEntries(ROOMS.map((r) => [r, 'owner'])) };
const tokenOf = (j: FakeJibri) => `queue-webhook-token-${j.jibriId}-0123456789`;

let jibris: FakeJibri[];
let db: TestDatabase;
let a: ServiceProcess;
let b: ServiceProcess;

beforeAll(async () => {
  jibris = await Promise.all([1, 2, 3].map((n) => FakeJibri.start({ jibriId: `queue-jibri-${n}` })));
  db = await createTestDatabase();
  const env = {
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    LOG_LEVEL: 'warn',
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    ...jibriPoolEnv(jibris),
    JIBRI_WEBHOOK_TOKENS: jibris.map(tokenOf).join(','),
    JIBRI_HEALTH_INTERVAL_SECONDS: '0',
    RECORDING_START_QUEUE_SECONDS: '300',
    WORKER_TIMEOUT_MS: '1000',
    JOBS_POLL_INTERVAL_MS: '200',
    RECONCILE_INTERVAL_MS: '0',
    ROOM_RECONCILE_INTERVAL_MS: '0',
  };
  a = await serviceProcess(env);
  b = await serviceProcess(env);
  await Promise.all([a.start(), b.start()]);
});

afterAll(async () => {
  await killAllServiceProcesses();
  await Promise.all((jibris ?? []).map((j) => j.close()));
  await db?.drop();
});

const start = (svc: ServiceProcess, room: string) =>
  request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
const rows = () => queryDb<{ id: string; status: string }>(db.url, 'SELECT id, status FROM recordings ORDER BY created_at, id');
const sessionOf = (j: FakeJibri) => (j.session as { sessionId?: string } | null)?.sessionId;

it('ten starts, three Jibris: served in arrival order, none twice, none lost when an instance dies', async () => {
  const answers = await Promise.all(ROOMS.map((room, i) => start(i % 2 ? b : a, room)));
  for (const r of answers) expect(r.status).toBe(201);
  expect(answers.filter((r) => r.body.status === 'active')).toHaveLength(3);
  expect(answers.filter((r) => r.body.status === 'queued')).toHaveLength(7);

  const queued = (await rows()).filter((r) => r.status === 'queued').map((r) => r.id);
  expect(queued).toHaveLength(7);

  const served: string[] = [];
  for (let i = 0; i < queued.length; i++) {
    // One Jibri's meeting ends and it says so; after the third, the instance told dies at once.
    const freed = jibris.find((j) => sessionOf(j) !== undefined)!;
    freed.finishOnItsOwn();
    const told = a.running ? a : b;
    // The third time, the Jibri answers startService late, and the instance dies meanwhile.
    if (i === 2) freed.setStartAnswerDelay(5000);
    expect(await freed.postStatus(`${told.url}/api/v1.0/rooms/webhooks-jibri/${tokenOf(freed)}`)).toBe(200);
    if (i === 2) {
      await eventually(async () => sessionOf(freed) === queued[i], 10_000, 'instance A asking the Jibri');
      await a.kill();
      freed.setStartAnswerDelay(0);
    }

    await eventually(
      async () => (await rows()).some((r) => r.id === queued[i] && r.status === 'active'),
      40_000,
      `queued start ${i + 1} active`,
    );
    served.push(queued[i]!);
    // The later ones still wait (or are being tried, and go back): nobody jumped the queue.
    const later = (await rows()).filter((r) => queued.slice(i + 1).includes(r.id));
    expect(later.filter((r) => !['queued', 'initiated'].includes(r.status))).toEqual([]);
  }
  expect(served).toEqual(queued);

  // Every recording had exactly one Jibri session, and all of them were served.
  const sessions = jibris.flatMap((j) => j.startedSessions.map((s) => s.sessionId as string));
  expect(sessions.sort()).toEqual(answers.map((r) => r.body.id as string).sort());
  const final = await rows();
  expect(final.filter((r) => r.status === 'active')).toHaveLength(3);
  expect(final.filter((r) => r.status === 'stopped')).toHaveLength(7);
});
