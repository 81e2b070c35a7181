import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, jobsSettled, queryDb } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

/**
 * How deliveries behave when the receiver does not take them: retried with backoff under the
 * same webhook-id until WEBHOOK_MAX_ATTEMPTS, then given up (counted); 410 Gone is never
 * retried; a redirect is not followed; a receiver that hangs is cut off by WEBHOOK_TIMEOUT_MS.
 * Only `recording.started` is sent (WEBHOOK_EVENTS), so each start is one event.
 */

const MAX_ATTEMPTS = 6;
const owner: TestUser = { sub: 'wd-owner', email: 'wd-owner@example.org', rooms: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`d${i}`, 'owner'])) };

let livekit: FakeLivekitServer;
let receiver: TestWebhookReceiver;
let svc: TestService;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  receiver = await startWebhookReceiver();
  svc = await startTestService({
    ...fake.env,
    JOBS_POLL_INTERVAL_MS: '50',
    WEBHOOK_URLS: receiver.url,
    WEBHOOK_SECRET: receiver.secret,
    WEBHOOK_EVENTS: 'recording.started',
    WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    WEBHOOK_RETRY_BASE_MS: '40',
    WEBHOOK_TIMEOUT_MS: '300',
  });
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await receiver?.stop();
  await livekit?.close();
});

beforeEach(() => {
  receiver.clear();
  receiver.accept();
});

let room = 0;
async function startOne(): Promise<string> {
  const res = await request(svc.url).post(`/api/v1.0/rooms/d${room++}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function deliveryJob(recordingId: string): Promise<{ status: string; attempts: number; last_error: string | null }> {
  const [row] = await queryDb<{ status: string; attempts: number; last_error: string | null }>(
    svc.db.url,
    `SELECT status, attempts, last_error FROM jobs WHERE kind = 'webhook.delivery' AND recording_id = $1`,
    [recordingId],
  );
  return row!;
}

async function metric(outcome: string): Promise<number> {
  const text = (await request(svc.url).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`recorder_webhook_deliveries_total{event_type="recording.started",outcome="${outcome}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

it('retries a receiver that fails five times, then it gets the event under the same id', async () => {
  receiver.failNext(5, 503);
  const id = await startOne();
  const [delivered] = await receiver.waitForDeliveries(1, 15_000);
  expect(receiver.attempts).toHaveLength(6);
  expect(new Set(receiver.attempts.map((a) => a.id))).toEqual(new Set([delivered!.id]));
  expect(receiver.attempts.slice(0, 5).map((a) => a.answered)).toEqual([503, 503, 503, 503, 503]);
  // Exponential backoff with jitter: the wait before retry k is at least 80% of 40 ms * 2^(k-1).
  const gaps = receiver.attempts.slice(1).map((a, i) => a.receivedAt - receiver.attempts[i]!.receivedAt);
  gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(0.8 * 40 * 2 ** i - 5));
  expect(gaps[4]!).toBeGreaterThan(gaps[0]! * 4);
  await eventually(async () => (await deliveryJob(id)).status === 'done', 5_000, 'job done');
  expect((await deliveryJob(id)).attempts).toBe(6);
  expect(delivered!.body.data).toMatchObject({ id, status: 'active' });
});

it('gives up after WEBHOOK_MAX_ATTEMPTS on a receiver that always fails, and counts it', async () => {
  const before = await metric('gave_up');
  receiver.alwaysFail(500);
  const id = await startOne();
  await receiver.waitForAttempts(MAX_ATTEMPTS, 15_000);
  await eventually(async () => (await deliveryJob(id)).status === 'failed', 5_000, 'job given up');
  // Deliberate: time for an attempt too many to arrive, which must not.
  await new Promise((r) => setTimeout(r, 500));
  expect(receiver.attempts).toHaveLength(MAX_ATTEMPTS);
  const job = await deliveryJob(id);
  expect(job.attempts).toBe(MAX_ATTEMPTS);
  expect(job.last_error).toMatch(/answered 500/);
  expect(job.last_error).not.toContain('wd-owner');
  expect(await metric('gave_up')).toBe(before + 1);
  expect(await metric('retry')).toBeGreaterThanOrEqual(MAX_ATTEMPTS - 1);
});

it('does not retry a receiver that answers 410 Gone', async () => {
  const before = await metric('gone');
  receiver.gone();
  const id = await startOne();
  await receiver.waitForAttempts(1);
  await eventually(async () => (await deliveryJob(id)).status === 'failed', 5_000, 'job failed');
  // Deliberate: time for a retry to arrive, which must not.
  await new Promise((r) => setTimeout(r, 600));
  expect(receiver.attempts).toHaveLength(1);
  expect(await metric('gone')).toBe(before + 1);
});

it('does not follow a redirect: the attempt failed and is retried at the endpoint itself', async () => {
  receiver.redirect();
  const id = await startOne();
  await receiver.waitForAttempts(2, 10_000);
  expect(receiver.redirectTargetHits).toBe(0);
  expect((await deliveryJob(id)).last_error).toMatch(/redirects are not followed/);
  receiver.accept();
  await receiver.waitForDeliveries(1, 10_000);
  expect(receiver.redirectTargetHits).toBe(0);
});

it('cuts off a receiver that hangs after WEBHOOK_TIMEOUT_MS and tries again', async () => {
  receiver.hang();
  const id = await startOne();
  await receiver.waitForAttempts(2, 10_000);
  expect((await deliveryJob(id)).last_error).toMatch(/no answer within 300 ms/);
  receiver.accept();
  await receiver.waitForDeliveries(1, 10_000);
});

it('sends only the event types WEBHOOK_EVENTS names', async () => {
  const id = await startOne();
  await receiver.waitForDeliveries(1);
  const stop = await request(svc.url).post(`/api/v1.0/rooms/d${room - 1}/stop-recording/`).set(bearer(owner)).send();
  expect(stop.status).toBe(200);
  await jobsSettled(svc.db.url, 'webhook.%');
  expect(receiver.deliveries.map((d) => d.type)).toEqual(['recording.started']);
  const rows = await queryDb<{ n: number }>(svc.db.url, `SELECT count(*)::int AS n FROM jobs WHERE kind = 'webhook.delivery' AND recording_id = $1`, [id]);
  expect(rows[0]!.n).toBe(1);
});

it('drops the deliveries still pending once webhooks are switched off, rather than leaving them for ever', async () => {
  receiver.failNext(1000, 503);
  const id = await startOne();
  await eventually(async () => (await deliveryJob(id)).attempts >= 1, 10_000, 'a failed attempt');
  expect((await deliveryJob(id)).status).toBe('pending');
  // The same database, restarted with no WEBHOOK_* settings at all.
  const db = svc.db;
  await svc.close({ keepDatabase: true });
  const tried = receiver.attempts.length;
  svc = await startTestService({ JOBS_POLL_INTERVAL_MS: '50' }, db);
  await eventually(async () => (await deliveryJob(id)).status !== 'pending', 10_000, 'the delivery settled');
  expect(await deliveryJob(id)).toMatchObject({ status: 'cancelled', last_error: 'webhooks are no longer configured' });
  expect(await metric('cancelled')).toBe(1);
  expect(receiver.attempts).toHaveLength(tried);
});
