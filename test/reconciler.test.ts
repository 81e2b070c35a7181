import { Client } from 'pg';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb, reasonOfRecording, statusOf, stoppedRecording } from './helpers/flow';
import { pauseReconciler } from './helpers/reconciler-pause';
import { startFakeLivekit } from './helpers/livekit-env';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp';

const owner: TestUser = {
  sub: 'rec-owner',
  email: 'reconcile@example.org',
  rooms: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`rc-${i}`, 'owner'])),
};

let svc: TestService;
let livekit: FakeLivekitServer;
let smtp: TestSmtpServer;
let s3: TestS3;
let env: Record<string, string>;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  smtp = await startSmtpServer();
  s3 = await startS3Server({ bucket: 'meet-media-storage' });
  env = {
    ...fake.env,
    ...smtp.env,
    ...s3Env(s3),
    EMAIL_POLL_INTERVAL_MS: '100',
    RECONCILE_INTERVAL_MS: '200',
    RECONCILE_STOPPED_GRACE_MS: '300',
    RECONCILE_INITIATED_GRACE_MS: '300',
  };
  svc = await startTestService(env);
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
  await smtp?.stop();
  await s3?.close();
});
afterEach(() => livekit.clearFaults());

async function workerIdOf(id: string): Promise<string | null> {
  const [row] = await queryDb<{ worker_id: string | null }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [id]);
  return row?.worker_id ?? null;
}

async function startActive(room: string): Promise<string> {
  const res = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

it('saves and notifies a stopped recording whose storage event never came', async () => {
  const id = await stoppedRecording(svc.url, owner, 'rc-0');
  await s3.putObject(`recordings/${id}.mp4`, Buffer.alloc(1024, 7), 'video/mp4');
  await eventually(async () => (await statusOf(svc.db.url, id)) === 'notification_succeeded', 10_000, 'reconciled save');
  expect(smtp.messages.filter((m) => m.text.includes(id))).toHaveLength(1);
});

it('adopts an egress that started for a recording still initiated (crash between worker call and write)', async () => {
  const id = await startActive('rc-1');
  const egressId = await workerIdOf(id);
  await queryDb(svc.db.url, "UPDATE recordings SET status = 'initiated', worker_id = NULL WHERE id = $1", [id]);
  await eventually(async () => (await statusOf(svc.db.url, id)) === 'active', 10_000, 'adoption');
  expect(await workerIdOf(id)).toBe(egressId);
});

it('fails an initiated recording the worker never heard of, freeing the room', async () => {
  const [{ id }] = await queryDb<{ id: string }>(
    svc.db.url,
    `INSERT INTO recordings (id, room, mode, status, worker_kind) VALUES (gen_random_uuid(), 'rc-2', 'screen_recording', 'initiated', 'livekit-video') RETURNING id`,
  );
  await eventually(async () => (await statusOf(svc.db.url, id!)) === 'failed_to_start', 10_000, 'failed start');
  await startActive('rc-2');
});

it('moves an active recording whose egress ended on its own (lost webhook) to stopped', async () => {
  const id = await startActive('rc-3');
  livekit.endEgress((await workerIdOf(id))!, 'EGRESS_COMPLETE');
  await eventually(async () => (await statusOf(svc.db.url, id)) === 'stopped', 10_000, 'stopped');
});

it('settles a stop that timed out (failed_to_stop) from ListEgress', async () => {
  const id = await startActive('rc-4');
  livekit.injectFault({ type: 'hang' }, { method: 'StopEgress', times: 1 });
  // Pause the reconciler so the intermediate status can be seen before it settles it.
  const resume = await pauseReconciler(svc.db.url);
  try {
    const stop = await request(svc.url).post('/api/v1.0/rooms/rc-4/stop-recording/').set(bearer(owner)).timeout(10_000);
    expect(stop.status).toBe(502);
    expect(await statusOf(svc.db.url, id)).toBe('failed_to_stop');
    expect(await reasonOfRecording(svc.db.url, id)).toMatchObject({ code: 'worker_error', detail: expect.stringMatching(/timeout/) });
  } finally {
    await resume();
  }
  // The egress is still running at LiveKit: the reconciler stops it for real.
  await eventually(async () => (await statusOf(svc.db.url, id)) === 'stopped', 10_000, 'settled stop');
  expect(livekit.egresses.get((await workerIdOf(id))!)?.status).toBe('EGRESS_COMPLETE');
});

it('marks a stopped recording failed when the worker failed and no file exists', async () => {
  const id = await startActive('rc-5');
  const egressId = (await workerIdOf(id))!;
  await queryDb(svc.db.url, "UPDATE recordings SET status = 'stopped' WHERE id = $1", [id]);
  livekit.endEgress(egressId, 'EGRESS_FAILED', 'upload failed');
  await eventually(async () => (await statusOf(svc.db.url, id)) === 'failed_to_stop', 10_000, 'failed');
  // Its next look finds the egress failed and gives up: the composite will not come.
  const compositeOf = async () =>
    (await queryDb<{ status: string }>(svc.db.url, "SELECT status FROM recording_files WHERE recording_id = $1 AND kind = 'composite'", [id]))[0]?.status;
  await eventually(async () => (await compositeOf()) === 'failed', 10_000, 'composite failed');
  const [row] = await queryDb<{ reconcile_at: Date | null }>(svc.db.url, 'SELECT reconcile_at FROM recordings WHERE id = $1', [id]);
  expect(row!.reconcile_at).toBeNull();
});

it('stops recordings that run past RECORDING_MAX_DURATION', async () => {
  const fake = await startFakeLivekit();
  const limited = await startTestService({ ...env, ...fake.env, RECORDING_MAX_DURATION: '1000' });
  try {
    const res = await request(limited.url).post('/api/v1.0/rooms/rc-6/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(res.status).toBe(201);
    await eventually(async () => (await statusOf(limited.db.url, res.body.id)) === 'stopped', 10_000, 'max duration stop');
    expect(await reasonOfRecording(limited.db.url, res.body.id)).toEqual({ code: 'limit_reached', detail: 'the recording reached its maximum duration (1 s)' });
    expect(fake.livekit.requestsFor('StopEgress')).toHaveLength(1);

    // A limit stop whose own status change comes second (the egress already ended, as the stopping
    // job's StopEgress leaves it): the reconciler's change carries the same reason.
    const resume = await pauseReconciler(limited.db.url);
    let ended: string;
    try {
      const next = await request(limited.url).post('/api/v1.0/rooms/rc-7/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
      expect(next.status).toBe(201);
      ended = next.body.id as string;
      const [row] = await queryDb<{ worker_id: string }>(limited.db.url, "UPDATE recordings SET created_at = now() - interval '5 seconds' WHERE id = $1 RETURNING worker_id", [ended]);
      fake.livekit.endEgress(row!.worker_id, 'EGRESS_COMPLETE');
    } finally {
      await resume();
    }
    await eventually(async () => (await statusOf(limited.db.url, ended)) === 'stopped', 10_000, 'ended past the limit');
    expect(await reasonOfRecording(limited.db.url, ended)).toEqual({ code: 'limit_reached', detail: 'the recording reached its maximum duration (1 s)' });
  } finally {
    await limited.close();
    await fake.livekit.close();
  }
});

it('counts corrections in /metrics', async () => {
  const res = await request(svc.url).get('/metrics');
  expect(res.text).toMatch(/recorder_reconciler_corrections_total\{action="saved"\} [1-9]/);
  expect(res.text).toMatch(/recorder_reconciler_corrections_total\{action="adopted"\} [1-9]/);
});
