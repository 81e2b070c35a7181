import { eventually, queryDb } from './helpers/flow';
import { join, leave, putPolicy, recordingsOf } from './helpers/rooms';
import type { TestUser } from './helpers/service';
import { startStack, type TestStack } from './helpers/stack';

/**
 * A room policy's automatic start queues like any other when LiveKit has no egress worker free,
 * becomes active when one takes it, and one still queued when its room empties is cancelled
 * (aborted, reason room_empty) rather than left to start in an empty room.
 */

const author: TestUser = { sub: 'queue-policy-author', email: 'author@example.org', rooms: { 'auto-queued': 'owner', 'auto-empties': 'owner' } };
const full = { type: 'twirp-error', code: 'unavailable', msg: 'no egress worker available' } as const;

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({
    RECORDING_START_QUEUE_SECONDS: '600',
    AUTO_START_ATTEMPTS: '1',
    AUTO_STOP_GRACE_SECONDS: '1',
    ROOM_RECONCILE_INTERVAL_MS: '0',
    RECONCILE_INTERVAL_MS: '0',
    JOBS_POLL_INTERVAL_MS: '50',
  });
});
afterAll(() => stack?.close());

const statusIn = async (room: string) => (await recordingsOf(stack.svc, room))[0]?.status;

it('queues an automatic start while LiveKit is full, then starts it', async () => {
  const { svc, livekit } = stack;
  livekit.injectFault(full, { method: 'StartRoomCompositeEgress', times: 1 });
  expect((await putPolicy(svc, author, 'auto-queued', { trigger: 'automatic', mode: 'screen_recording' })).status).toBe(200);
  await join(svc, livekit, 'auto-queued', 'first');
  await eventually(async () => (await statusIn('auto-queued')) === 'queued', 10_000, 'the automatic start queued');
  expect((await recordingsOf(svc, 'auto-queued'))[0]).toMatchObject({ automatic: true });
  await eventually(async () => (await statusIn('auto-queued')) === 'active', 15_000, 'the automatic start active');
});

it('cancels an automatic start still queued when its room empties', async () => {
  const { svc, livekit } = stack;
  livekit.injectFault(full, { method: 'StartRoomCompositeEgress', times: 100 });
  try {
    expect((await putPolicy(svc, author, 'auto-empties', { trigger: 'automatic', mode: 'screen_recording' })).status).toBe(200);
    await join(svc, livekit, 'auto-empties', 'alone');
    await eventually(async () => (await statusIn('auto-empties')) === 'queued', 10_000, 'the automatic start queued');
    await leave(svc, livekit, 'auto-empties', 'alone');
    await eventually(async () => (await statusIn('auto-empties')) === 'aborted', 15_000, 'the queued start cancelled');
    const [row] = await queryDb<{ reason: { code: string } }>(svc.db.url, `SELECT reason FROM recordings WHERE room = 'auto-empties'`);
    expect(row?.reason.code).toBe('room_empty');
  } finally {
    livekit.clearFaults();
  }
});
