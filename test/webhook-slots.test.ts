import { eventually, minioFixture, postStorageEvent, statusOf, stoppedRecording } from './helpers/flow';
import type { TestUser } from './helpers/service';
import { startStack, type TestStack } from './helpers/stack';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

/**
 * Webhook deliveries share the job runner's slots (JOBS_CONCURRENCY) with emails. A receiver
 * that never answers holds a slot per delivery until WEBHOOK_TIMEOUT_MS; deliveries may hold
 * all but one, so an owner's email still goes out while every delivery hangs.
 */

const SLOTS = 3;
const owner: TestUser = { sub: 'slots-owner', email: 'slots-owner@example.org', rooms: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`slot-${i}`, 'owner'])) };

let receiver: TestWebhookReceiver;
let stack: TestStack;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startStack({
    JOBS_CONCURRENCY: String(SLOTS),
    JOBS_POLL_INTERVAL_MS: '50',
    WEBHOOK_URLS: receiver.url,
    WEBHOOK_SECRET: receiver.secret,
    WEBHOOK_EVENTS: 'recording.started',
    // Longer than the whole test: a hung delivery never frees its slot here.
    WEBHOOK_TIMEOUT_MS: '60000',
  });
}, 60_000);

afterAll(async () => {
  // Closes the hung connections first, so the deliveries end and the service can stop.
  await receiver?.stop();
  await stack?.close();
});

it('keeps one slot for emails while every delivery hangs', async () => {
  receiver.hang();
  // Five recordings started: five deliveries due, more than the slots.
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await stoppedRecording(stack.svc.url, owner, `slot-${i}`));
  await receiver.waitForAttempts(SLOTS - 1, 10_000);
  // Deliveries never take the last slot: no third attempt arrives while two hang (deliberate
  // pause: time for one that must not come).
  await new Promise((r) => setTimeout(r, 500));
  expect(receiver.attempts.length).toBe(SLOTS - 1);

  // A saved recording's email goes out meanwhile, through the slot left.
  const res = await postStorageEvent(stack.svc.url, minioFixture('put-recording.json', ids[0]!));
  expect(res.body).toEqual({ message: 'Event processed.' });
  await eventually(async () => (await statusOf(stack.svc.db.url, ids[0]!)) === 'notification_succeeded', 15_000, 'the email');
  expect(stack.smtp.messages.filter((m) => m.to.includes(owner.email!))).toHaveLength(1);
  // ... and every delivery is still hanging: the email did not wait for one to end.
  expect(receiver.attempts.length).toBe(SLOTS - 1);
  expect(receiver.attempts.every((a) => a.answered === null)).toBe(true);
});
