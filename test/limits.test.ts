import request from 'supertest';
import { eventually, minioFixture, postStorageEvent, queryDb, stoppedRecording } from './helpers/flow';
import { bearer, type TestService, type TestUser } from './helpers/service';
import type { TestSmtpServer } from './helpers/smtp';
import { startStack, type TestStack } from './helpers/stack';

const owner: TestUser = { sub: 'lim-owner', email: 'bounce@example.org', rooms: { lim: 'owner' } };

let stack: TestStack;
let svc: TestService;
let smtp: TestSmtpServer;

beforeAll(async () => {
  stack = await startStack({
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '8',
    EMAIL_MAX_ATTEMPTS: '3',
    EMAIL_RETRY_BASE_MS: '50',
    EMAIL_RETRY_MAX_MS: '100',
    EMAIL_POLL_INTERVAL_MS: '50',
  });
  ({ svc, smtp } = stack);
});
afterAll(() => stack?.close());

it('gives up on an email after EMAIL_MAX_ATTEMPTS and shows it in the API and the metrics', async () => {
  smtp.rejectWith(550, 'mailbox unavailable');
  const id = await stoppedRecording(svc.url, owner, 'lim');
  expect((await postStorageEvent(svc.url, minioFixture('put-recording.json', id))).body).toEqual({ message: 'Event processed.' });
  await eventually(async () => {
    const rows = await queryDb<{ status: string; attempts: number }>(svc.db.url, "SELECT status, attempts FROM jobs WHERE kind = 'email.recording-saved' AND recording_id = $1", [id]);
    return rows[0]?.status === 'failed';
  }, 10_000, 'failed notification');
  const [row] = await queryDb<{ attempts: number; last_error: string }>(svc.db.url, "SELECT attempts, last_error FROM jobs WHERE kind = 'email.recording-saved' AND recording_id = $1", [id]);
  expect(row!.attempts).toBe(3);
  expect(row!.last_error).not.toContain('bounce@example.org');
  smtp.acceptAll();

  const res = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(res.body.status).toBe('saved');
  expect(res.body.notifications).toEqual({ pending: 0, sent: 0, failed: 1 });
  const metrics = await request(svc.url).get('/metrics');
  expect(metrics.text).toMatch(/recorder_emails_total\{outcome="failed"\} 1/);
  expect(metrics.text).toMatch(/recorder_emails_total\{outcome="retry"\} 2/);
});

it('rate-limits the unauthenticated webhook endpoints per source address', async () => {
  const answers: number[] = [];
  for (let i = 0; i < 12; i++) answers.push((await postStorageEvent(svc.url, {}, 'not-the-token')).status);
  expect(answers.filter((s) => s === 401).length).toBeGreaterThan(0);
  expect(answers.slice(-3)).toEqual([429, 429, 429]);
  const limited = await request(svc.url).post('/api/v1.0/rooms/webhooks-livekit/').send('{}');
  expect(limited.status).toBe(429);
  expect(limited.body.detail).toMatch(/too many/i);
  // Authenticated API routes are not limited by it.
  expect((await request(svc.url).get('/api/v1.0/recordings/').set(bearer(owner))).status).toBe(200);
});

it('refuses bodies over the limits with 400 and a clear detail', async () => {
  const big = await request(svc.url)
    .post('/api/v1.0/rooms/lim/start-recording/')
    .set(bearer(owner))
    .send({ mode: 'screen_recording', options: { language: 'x'.repeat(100_000) } });
  expect(big.status).toBe(400);
  expect(big.body.detail).toMatch(/too large/i);
});
