import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, jobsSettled, minioFixture, postStorageEvent, queryDb } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { bearer, startTestService, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, tokenFor, type TestService, type TestUser } from './helpers/service';
import { killAllServiceProcesses, serviceProcess } from './helpers/service-process';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

/**
 * Several instances on one database share the deliveries: every event reaches every endpoint
 * once (counted at the receiver). The only duplicate delivery is the one at-least-once allows —
 * a crash between the receiver's answer and the record of it — and it carries the same id.
 */

const ROOMS = 16;
const owner: TestUser = { sub: 'wm-owner', rooms: Object.fromEntries(Array.from({ length: ROOMS }, (_, i) => [`m${i}`, 'owner'])) };

let livekit: FakeLivekitServer;
let livekitEnv: Record<string, string>;
let receiver: TestWebhookReceiver;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  livekitEnv = fake.env;
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await killAllServiceProcesses();
  await receiver?.stop();
  await livekit?.close();
});

describe('two instances on one database', () => {
  let a: TestService;
  let b: TestService;

  beforeAll(async () => {
    const env = {
      ...livekitEnv,
      AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_S3_ACCESS_KEY_ID: 'x',
      AWS_S3_SECRET_ACCESS_KEY: 'y',
      AWS_STORAGE_BUCKET_NAME: 'meet-media-storage',
      JOBS_POLL_INTERVAL_MS: '20',
      JOBS_CONCURRENCY: '8',
      WEBHOOK_URLS: `${receiver.url.replace('/hooks', '/one')},${receiver.url.replace('/hooks', '/two')}`,
      WEBHOOK_SECRET: receiver.secret,
    };
    a = await startTestService(env);
    b = await startTestService(env, a.db);
  });
  afterAll(async () => {
    await b?.close({ keepDatabase: true });
    await a?.close();
  });

  it('deliver every event once per endpoint, counted at the receiver', async () => {
    receiver.clear();
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: ROOMS }, async (_, i) => {
        const [x, y] = i % 2 === 0 ? [a, b] : [b, a];
        const start = await request(x.url).post(`/api/v1.0/rooms/m${i}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
        expect(start.status).toBe(201);
        ids.push(start.body.id as string);
        expect((await request(y.url).post(`/api/v1.0/rooms/m${i}/stop-recording/`).set(bearer(owner)).send()).status).toBe(200);
        // MinIO retrying through a load balancer: the same event at both instances at once.
        await Promise.all([a, b].map((svc) => postStorageEvent(svc.url, minioFixture('put-recording.json', start.body.id as string))));
      }),
    );
    const expected = ROOMS * 3 * 2;
    await receiver.waitForDeliveries(expected, 30_000);
    await jobsSettled(a.db.url, 'webhook.%');
    expect(receiver.deliveries).toHaveLength(expected);
    const counts = new Map<string, number>();
    for (const d of receiver.deliveries) {
      const k = `${d.path} ${d.type} ${d.body.data.id as string}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(expected);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const id of ids) {
      for (const path of ['/one', '/two']) {
        // Two instances deliver side by side, so arrival order is not promised (docs/webhooks.md): each event once.
        const types = receiver.deliveries.filter((d) => d.path === path && d.body.data.id === id).map((d) => d.type);
        expect(types.sort()).toEqual(['recording.ready', 'recording.started', 'recording.stopped']);
      }
    }
    expect(receiver.attempts).toHaveLength(expected); // no delivery was even tried twice
  });
});

describe('a crash between the answer and its record', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('delivers that event again after the restart, under the same id', async () => {
    receiver.clear();
    const svc = await serviceProcess({
      ...livekitEnv,
      DATABASE_URL: db.url,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
      JOBS_POLL_INTERVAL_MS: '50',
      WEBHOOK_URLS: receiver.url,
      WEBHOOK_SECRET: receiver.secret,
      WEBHOOK_EVENTS: 'recording.started',
      WEBHOOK_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    await svc.start();
    // The receiver takes the event in, and the service dies before it hears the answer.
    receiver.beforeAnswer = async () => {
      receiver.beforeAnswer = null;
      await svc.kill();
    };
    const user: TestUser = { sub: 'crash-owner', rooms: { crash: 'owner' } };
    const res = await fetch(`${svc.url}/api/v1.0/rooms/crash/start-recording/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenFor(user)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'screen_recording' }),
    });
    expect(res.status).toBe(201);
    await receiver.waitForAttempts(1);
    await eventually(async () => !svc.running, 5_000, 'killed');
    await svc.start();
    // The claim's lease (2 x WEBHOOK_TIMEOUT_MS + 5 s) runs out, then the event goes again.
    await receiver.waitForDeliveries(1, 20_000);
    expect(receiver.attempts).toHaveLength(2);
    expect(receiver.attempts[1]!.id).toBe(receiver.attempts[0]!.id);
    expect(receiver.attempts[1]!.raw).toBe(receiver.attempts[0]!.raw);
    // The receiver counts the delivery as it answers; the service records it once it hears back.
    const job = async () =>
      (await queryDb<{ status: string; attempts: number }>(db.url, `SELECT status, attempts FROM jobs WHERE kind = 'webhook.delivery'`))[0];
    await eventually(async () => (await job())?.status === 'done', 10_000, 'the delivery recorded');
    expect(await job()).toEqual({ status: 'done', attempts: 2 });
    await svc.stop();
  });
});
