import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { minioFixture, postStorageEvent, queryDb, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { pauseReconciler } from './helpers/reconciler-pause';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * Deleting a recording whose stop failed (issue 10, item 6): the recorder is stopped first, or
 * the delete is refused; it never leaves a recorder running that no recording points to.
 */

const owner: TestUser = { sub: 'del-owner', rooms: { 'del-a': 'owner', 'del-b': 'owner' } };
let livekit: FakeLivekitServer;
let svc: TestService;
let s3: TestS3;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  s3 = await startS3Server({ bucket: 'meet-media-storage' });
  svc = await startTestService({ ...fake.env, ...s3Env(s3), WORKER_TIMEOUT_MS: '500', RECONCILE_INTERVAL_MS: '60000' });
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});
afterEach(() => livekit.clearFaults());

/** An active recording whose stop timed out: failed_to_stop, its egress still recording at LiveKit. */
async function failedToStop(room: string): Promise<{ id: string; egressId: string }> {
  const start = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(start.status).toBe(201);
  livekit.injectFault({ type: 'hang' }, { method: 'StopEgress', times: 1 });
  const stop = await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner));
  expect(stop.status).toBe(502);
  const [row] = await queryDb<{ worker_id: string }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [start.body.id]);
  expect(await statusOf(svc.db.url, start.body.id)).toBe('failed_to_stop');
  expect(livekit.egresses.get(row!.worker_id)?.status).toBe('EGRESS_STARTING');
  return { id: start.body.id as string, egressId: row!.worker_id };
}

const del = (id: string) => request(svc.url).delete(`/api/v1.0/recordings/${id}/`).set(bearer(owner));

it('stops the still-running recorder, answers 409 and deletes once the file is saved', async () => {
  const resume = await pauseReconciler(svc.db.url);
  try {
    const { id, egressId } = await failedToStop('del-a');
    const first = await del(id);
    expect(first.status).toBe(409);
    expect(first.body.detail).toMatch(/stopped now/);
    expect(livekit.egresses.get(egressId)?.status).toBe('EGRESS_COMPLETE');
    expect(await statusOf(svc.db.url, id)).toBe('stopped');

    await s3.putObject(`recordings/${id}.mp4`, Buffer.alloc(256, 1), 'video/mp4');
    expect((await postStorageEvent(svc.url, minioFixture('put-recording.json', id))).body).toEqual({ message: 'Event processed.' });
    expect((await del(id)).status).toBe(204);
    expect(await statusOf(svc.db.url, id)).toBeUndefined();
    expect(await s3.hasObject(`recordings/${id}.mp4`)).toBe(false);
  } finally {
    await resume();
  }
});

it('refuses with 409 and keeps the recording when the recorder cannot be stopped', async () => {
  const resume = await pauseReconciler(svc.db.url);
  try {
    const { id, egressId } = await failedToStop('del-b');
    livekit.injectFault({ type: 'twirp-error', code: 'unavailable' }, { method: 'StopEgress', times: 1 });
    const res = await del(id);
    expect(res.status).toBe(409);
    expect(await statusOf(svc.db.url, id)).toBe('failed_to_stop');
    expect(livekit.egresses.get(egressId)?.status).toBe('EGRESS_STARTING');
  } finally {
    await resume();
  }
});
