import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { eventually, jobsSettled, queryDb } from './helpers/flow';
import { probeMedia, testPart, JOIN_ENV } from './helpers/media';
import { storeEvent } from './helpers/minio-events';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { bearer, type TestUser } from './helpers/service';
import { startStack, type TestStack } from './helpers/stack';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

/**
 * A paused recording one of whose stretches never uploads its file: once the stretch has been
 * stopped longer than RECONCILE_STOPPED_GRACE_MS the reconciler marks that part failed (with
 * the recording's reason), and the join saves the recording from the parts that did arrive.
 * Real ffmpeg-made parts in s3rver, the fake LiveKit, a real SMTP server and webhook receiver.
 */

const owner: TestUser = { sub: 'missing-owner', email: 'missing-owner@example.org', rooms: { lost: 'owner', 'lost-at-limit': 'owner', aborted: 'owner' } };
const GRACE_MS = 1500;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pause-missing-test-'));

let s3: TestS3;
let hooks: TestWebhookReceiver;
let stack: TestStack;

beforeAll(async () => {
  s3 = await startS3Server();
  hooks = await startWebhookReceiver();
  stack = await startStack({
    ...s3Env(s3),
    WEBHOOK_URLS: hooks.url,
    WEBHOOK_SECRET: hooks.secret,
    RECONCILE_INTERVAL_MS: '200',
    RECONCILE_STOPPED_GRACE_MS: String(GRACE_MS),
    RECORDING_MAX_DURATION_SECONDS: '3',
    ...JOIN_ENV,
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await hooks?.stop();
  await s3?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const post = (what: string, room = 'lost') => request(stack.svc.url).post(`/api/v1.0/rooms/${room}/${what}-recording/`).set(bearer(owner)).send(what === 'start' ? { mode: 'screen_recording' } : undefined);

function lastEgressFilepath(): string {
  const body = stack.livekit.requestsFor('StartRoomCompositeEgress').at(-1)!.body as Record<string, any>;
  return (body.fileOutputs ?? [body.file])[0].filepath as string;
}

async function egressUploads(key: string, seconds: number): Promise<void> {
  const part = await testPart(seconds);
  await s3.putObject(key, part.bytes, 'video/mp4');
  await storeEvent(stack.svc.url, s3.bucket, key, { size: part.bytes.length });
}

const partsOf = (id: string) => queryDb<{ seq: number; status: string }>(stack.svc.db.url, 'SELECT seq, status FROM recording_parts WHERE recording_id = $1 ORDER BY seq', [id]);
const statusOf = async (id: string) => (await queryDb<{ status: string }>(stack.svc.db.url, 'SELECT status FROM recordings WHERE id = $1', [id]))[0]!.status;

it('a stretch whose file never arrives is failed by the reconciler after the grace; the recording is saved from the others, and its JSON, page, recording.ready and email follow', async () => {
  const id = (await post('start')).body.id as string;
  const first = lastEgressFilepath();
  expect((await post('pause')).status).toBe(200);
  await egressUploads(first, 2);
  expect((await post('resume')).status).toBe(200);
  const second = lastEgressFilepath();
  expect((await post('pause')).status).toBe(200);
  // This stretch's egress never uploads anything.
  expect((await post('resume')).status).toBe(200);
  const third = lastEgressFilepath();
  expect((await post('stop')).status).toBe(200);
  const stoppedAt = Date.now();
  await egressUploads(third, 3);

  // The missing part is judged by the reconciler, not before its grace is over.
  await eventually(async () => (await partsOf(id)).some((p) => p.status === 'failed'), 20_000, 'the missing part failed');
  expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(GRACE_MS);
  const parts = await partsOf(id);
  expect(parts.filter((p) => p.status === 'failed').map((p) => p.seq)).toEqual([1]);
  expect(second).toBe(`recordings/${id}/parts/001.mp4`);

  await eventually(async () => (await statusOf(id)) === 'notification_succeeded', 30_000, 'saved without the lost part, and mailed');
  const file = path.join(tmp, `${id}.mp4`);
  writeFileSync(file, await s3.getObject(`recordings/${id}.mp4`));
  const probe = await probeMedia(file);
  expect(Math.abs(probe.durationSeconds - 5)).toBeLessThanOrEqual(1);
  expect(probe.streams.filter((st) => st.codecType === 'video')).toHaveLength(1);
  const left: string[] = [];
  for await (const item of s3.client.listObjectsV2(s3.bucket, `recordings/${id}/`, true)) if (item.name) left.push(item.name);
  expect(left).toEqual([]);

  // The JSON: a documented reason code, worker_error (the recorder's failure), with how many parts are missing.
  const got = await request(stack.svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(got.body.status).toBe('notification_succeeded');
  expect(got.body.reason).toEqual({ code: 'worker_error', detail: '1 of 3 parts never arrived; joined from the others' });
  expect(got.body.notifications).toEqual({ pending: 0, sent: 1, failed: 0 });
  expect(got.body.segments).toHaveLength(3);

  // The page plays it and says why it is not all there.
  const page = await request(stack.svc.url).get(`/recordings/${id}`).set(bearer(owner)).set('Accept', 'text/html');
  expect(page.status).toBe(200);
  expect(page.text).toContain('id="player"');
  expect(page.text).toContain('<p id="reason-note">Why: The recorder reported an error. (1 of 3 parts never arrived; joined from the others)</p>');

  // recording.ready carries the same reason; one email.
  await jobsSettled(stack.svc.db.url, 'webhook.%');
  await eventually(async () => hooks.deliveries.some((d) => d.type === 'recording.ready' && d.body.data.id === id), 10_000, 'recording.ready delivered');
  const ready = hooks.deliveries.filter((d) => d.type === 'recording.ready' && d.body.data.id === id);
  expect(ready).toHaveLength(1);
  expect(ready[0]!.body.data.reason).toEqual(got.body.reason);
  expect(stack.smtp.messages.filter((m) => JSON.stringify(m).includes(id))).toHaveLength(1);
}, 60_000);

it('stopped at its duration limit with a part missing: the reason stays limit_reached, and its detail says which parts are missing', async () => {
  const id = (await post('start', 'lost-at-limit')).body.id as string;
  const first = lastEgressFilepath();
  expect((await post('pause', 'lost-at-limit')).status).toBe(200);
  await egressUploads(first, 2);
  // The resumed stretch is stopped at the limit, and its egress never uploads anything.
  expect((await post('resume', 'lost-at-limit')).status).toBe(200);
  await eventually(async () => (await statusOf(id)) !== 'active', 15_000, 'stopped at the limit');
  await eventually(async () => ['saved', 'notification_succeeded'].includes(await statusOf(id)), 30_000, 'saved without the lost part');
  const got = await request(stack.svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(got.body.reason).toEqual({ code: 'limit_reached', detail: '1 of 2 parts never arrived; joined from the others; the recording reached its maximum duration (3 s)' });
  const file = path.join(tmp, `${id}-limit.mp4`);
  writeFileSync(file, await s3.getObject(`recordings/${id}.mp4`));
  expect(Math.abs((await probeMedia(file)).durationSeconds - 2)).toBeLessThanOrEqual(1);
}, 60_000);

it('a resumed stretch whose egress aborts at the stop: the recording is aborted, its missing part is failed after the grace all the same, and the join finishes', async () => {
  const id = (await post('start', 'aborted')).body.id as string;
  const first = lastEgressFilepath();
  expect((await post('pause', 'aborted')).status).toBe(200);
  await egressUploads(first, 2);
  expect((await post('resume', 'aborted')).status).toBe(200);
  // The resumed stretch's egress: LiveKit answers its stop with EGRESS_ABORTED, and it writes nothing.
  const egressId = [...stack.livekit.egresses.values()].filter((e) => e.roomName === 'aborted' && e.kind === 'room_composite').at(-1)!.egressId;
  stack.livekit.abortOnNextStop(egressId);
  expect((await post('stop', 'aborted')).body.status).toBe('aborted');

  await eventually(async () => (await partsOf(id)).some((p) => p.status === 'failed'), 20_000, 'the aborted stretch\'s part failed');
  await eventually(async () => (await queryDb<{ status: string }>(stack.svc.db.url, `SELECT status FROM jobs WHERE key = 'recording.join_parts:' || $1`, [id]))[0]?.status === 'done', 20_000, 'the join done');
  expect((await partsOf(id)).map((p) => p.status)).toEqual(['removed', 'failed']);
  expect(await statusOf(id)).toBe('aborted');
  const left: string[] = [];
  for await (const item of s3.client.listObjectsV2(s3.bucket, `recordings/${id}/`, true)) if (item.name) left.push(item.name);
  expect(left).toEqual([]);
}, 60_000);
