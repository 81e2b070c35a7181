import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { ageRecording, metricValue, retrySweepJobsNow, runExpirySweep } from './helpers/expiry';
import { eventually, queryDb, jobsSettled } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { startS3Server, type TestS3 } from './helpers/s3';
import { startS3Recorder, type S3Recorder, type StorageRequest } from './helpers/s3-recorder';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { storeEvent } from './helpers/minio-events';
import { seedRoom, startWithTracks } from './helpers/tracks';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

/**
 * Expiry enforced: with RECORDING_EXPIRATION_DAYS=30 the service's own sweep removes the files
 * (composite and tracks) of expired, non-permanent recordings from storage. s3rver behind a
 * proxy that records every request, so each deletion the storage received is counted; the
 * recordings are aged by SQL and the sweep passes are the service's own (test/helpers/expiry.ts).
 */

const DAYS = 30;
const rooms = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`exp-${i}`, 'owner']));
const owner: TestUser = { sub: 'expiry-owner', rooms };

let s3: TestS3;
let storage: S3Recorder;
let livekit: FakeLivekitServer;
let svc: TestService;
let receiver: TestWebhookReceiver;
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startS3Server();
  storage = await startS3Recorder(s3);
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  receiver = await startWebhookReceiver();
  env = {
    ...fake.env,
    ...storage.env,
    WEBHOOK_URLS: receiver.url,
    WEBHOOK_SECRET: receiver.secret,
    RECORDING_EXPIRATION_DAYS: String(DAYS),
    RECORDING_ALLOW_PERMANENT: 'true',
    JOBS_POLL_INTERVAL_MS: '100',
    JOBS_CONCURRENCY: '8',
  };
  svc = await startTestService(env);
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await receiver?.stop();
  await storage?.close();
  await livekit?.close();
  await s3?.close();
});

interface Made {
  id: string;
  /** The composite's key, then each track's. */
  keys: string[];
}

const objectPath = (key: string) => `/${s3.bucket}/${key}`;
const isObjectDelete = (r: Pick<StorageRequest, 'method' | 'query'>) => r.method === 'DELETE' && !('tagging' in r.query);
/** Object deletions the storage received (tag removals excluded), as `key status`. */
const deletes = (keys?: string[]): string[] =>
  storage.requests
    .filter((r) => isObjectDelete(r) && (!keys || keys.some((k) => r.path === objectPath(k))))
    .map((r) => `${r.path.slice(s3.bucket.length + 2)} ${r.status}`);

async function saveFile(key: string, contentType: string): Promise<void> {
  await s3.putObject(key, `${contentType} bytes`, contentType);
  expect(await storeEvent(svc.url, s3.bucket, key, { contentType })).toBe('Event processed.');
}

/** Started (with one participant's audio track when `track`), stopped, and every file stored and saved through MinIO events. */
async function savedRecording(room: string, options: { track?: boolean; permanent?: boolean } = {}): Promise<Made> {
  let start;
  if (options.track) {
    seedRoom(livekit, room, [{ identity: 'alice', name: 'Alice' }]);
    start = await startWithTracks(svc.url, owner, room);
  } else {
    start = await request(svc.url)
      .post(`/api/v1.0/rooms/${room}/start-recording/`)
      .set(bearer(owner))
      .send({ mode: 'screen_recording', ...(options.permanent ? { options: { permanent: true } } : {}) });
  }
  expect(start.status).toBe(201);
  await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).expect(200);
  const id = start.body.id as string;
  const trackKeys = ((start.body.files as { key: string; kind: string }[]) ?? []).filter((f) => f.kind === 'track').map((f) => f.key);
  expect(trackKeys).toHaveLength(options.track ? 1 : 0);
  await saveFile(start.body.key as string, 'video/mp4');
  for (const key of trackKeys) await saveFile(key, 'audio/ogg');
  const got = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect((got.body.files as { status: string }[]).map((f) => f.status)).toEqual(trackKeys.length ? ['saved', 'saved'] : ['saved']);
  return { id, keys: [start.body.key as string, ...trackKeys] };
}

/** Waits until the retention-tag jobs are done, so that the storage requests counted next are the sweep's. */
async function tagsSettled(): Promise<void> {
  await eventually(async () => {
    const [row] = await queryDb<{ n: number }>(svc.db.url, "SELECT count(*)::int AS n FROM jobs WHERE kind = 'storage.retention-tag' AND status = 'pending'");
    return row!.n === 0;
  }, 10_000, 'retention tags');
}

const removedAt = async (id: string) =>
  (await queryDb<{ files_removed_at: Date | null }>(svc.db.url, 'SELECT files_removed_at FROM recordings WHERE id = $1', [id]))[0]!.files_removed_at;

/** The events the host application received about a recording, of one type. */
const eventsOf = (id: string, type: string) => receiver.deliveries.filter((d) => d.type === type && (d.body.data as { id?: string }).id === id);

const metrics = async (service: TestService) => (await request(service.url).get('/metrics')).text;

const mediaAuth = (service: TestService, path: string, headers: Record<string, string> = {}) =>
  request(service.url).get('/api/v1.0/recordings/media-auth/').set({ 'X-Original-URL': path, ...headers });

describe('the expiry sweep', () => {
  let gone: Made;
  let alsoGone: Made;
  let kept: Made;
  let young: Made;
  let shareToken: string;

  it('removes exactly the files of expired, non-permanent recordings (composite and track), and a second sweep changes nothing', async () => {
    gone = await savedRecording('exp-0', { track: true });
    alsoGone = await savedRecording('exp-1');
    kept = await savedRecording('exp-2', { permanent: true });
    young = await savedRecording('exp-3');
    const link = await request(svc.url).post(`/api/v1.0/recordings/${gone.id}/share-links/`).set(bearer(owner)).send({});
    expect(link.status).toBe(201);
    shareToken = new URL(link.body.url as string).searchParams.get('share')!;
    await tagsSettled();

    await ageRecording(svc.db.url, gone.id, DAYS + 1);
    await ageRecording(svc.db.url, alsoGone.id, DAYS + 1 / 1440);
    await ageRecording(svc.db.url, kept.id, 400);
    await ageRecording(svc.db.url, young.id, DAYS - 1);
    expect(deletes()).toEqual([]);
    const before = await metrics(svc);

    await runExpirySweep(svc.db.url);
    // Each expired file deleted once, and nothing else.
    expect(deletes().sort()).toEqual([...gone.keys, ...alsoGone.keys].map((k) => `${k} 204`).sort());
    for (const key of [...gone.keys, ...alsoGone.keys]) expect(await s3.hasObject(key)).toBe(false);
    for (const key of [...kept.keys, ...young.keys]) expect(await s3.hasObject(key)).toBe(true);
    expect(await removedAt(gone.id)).toBeInstanceOf(Date);
    expect(await removedAt(alsoGone.id)).toBeInstanceOf(Date);
    expect(await removedAt(kept.id)).toBeNull();
    expect(await removedAt(young.id)).toBeNull();
    const files = await queryDb<{ kind: string; removed: boolean }>(
      svc.db.url,
      'SELECT kind, removed_at IS NOT NULL AS removed FROM recording_files WHERE recording_id = $1 ORDER BY kind',
      [gone.id],
    );
    expect(files).toEqual([{ kind: 'composite', removed: true }, { kind: 'track', removed: true }]);
    const after = await metrics(svc);
    expect(metricValue(after, 'recorder_expiry_files_removed_total') - metricValue(before, 'recorder_expiry_files_removed_total')).toBe(3);
    expect(metricValue(after, 'recorder_recordings_expired_total') - metricValue(before, 'recorder_recordings_expired_total')).toBe(2);
    expect(metricValue(after, 'recorder_expiry_storage_errors_total')).toBe(0);

    // Still listed, expired, with its files described.
    const list = await request(svc.url).get('/api/v1.0/recordings/').set(bearer(owner));
    const listed = (list.body.results as { id: string; is_expired: boolean; files: unknown[] }[]).find((r) => r.id === gone.id);
    expect(listed).toMatchObject({ is_expired: true, is_permanent: false, status: 'notification_succeeded' });
    expect(listed!.files).toHaveLength(2);

    // recording.expired: once for each expired recording, none for the others.
    await eventually(async () => eventsOf(gone.id, 'recording.expired').length === 1 && eventsOf(alsoGone.id, 'recording.expired').length === 1, 10_000, 'recording.expired');
    expect(eventsOf(gone.id, 'recording.expired')[0]!.body.data).toMatchObject({ id: gone.id, is_expired: true, owners: [{ sub: owner.sub }] });
    expect(eventsOf(kept.id, 'recording.expired')).toEqual([]);
    expect(eventsOf(young.id, 'recording.expired')).toEqual([]);

    // A second pass: no deletion, no job.
    const jobs = await queryDb(svc.db.url, "SELECT id, status, attempts FROM jobs WHERE kind = 'storage.expire-files' ORDER BY id");
    expect(jobs).toHaveLength(2);
    await runExpirySweep(svc.db.url);
    expect(deletes()).toHaveLength(3);
    expect(await queryDb(svc.db.url, "SELECT id, status, attempts FROM jobs WHERE kind = 'storage.expire-files' ORDER BY id")).toEqual(jobs);
    expect(metricValue(await metrics(svc), 'recorder_expiry_files_removed_total')).toBe(metricValue(after, 'recorder_expiry_files_removed_total'));
    await jobsSettled(svc.db.url, 'webhook.%');
    expect(eventsOf(gone.id, 'recording.expired')).toHaveLength(1);
    expect(eventsOf(alsoGone.id, 'recording.expired')).toHaveLength(1);
  });

  it('refuses the expired recording everywhere, even on an instance whose retention was lengthened since; it can no longer be made permanent', async () => {
    const composite = `/media/${gone.keys[0]}`;
    const track = `/media/${gone.keys[1]}`;
    expect((await mediaAuth(svc, composite, bearer(owner))).status).toBe(403);
    expect((await mediaAuth(svc, `${composite}?share=${shareToken}`)).status).toBe(403);

    // Another instance on the same database, with 60 days: by date the recording would not have expired.
    const longer = await startTestService({ ...env, RECORDING_EXPIRATION_DAYS: String(DAYS * 2) }, svc.db);
    try {
      const got = await request(longer.url).get(`/api/v1.0/recordings/${gone.id}/`).set(bearer(owner));
      expect(got.body).toMatchObject({ is_expired: true, expired_at: (await removedAt(gone.id))!.toISOString() });
      for (const path of [composite, track]) expect((await mediaAuth(longer, path, bearer(owner))).status).toBe(403);
      expect((await mediaAuth(longer, `${composite}?share=${shareToken}`)).status).toBe(403);
      expect((await mediaAuth(longer, `${track}?share=${shareToken}`)).status).toBe(403);
      const page = await request(longer.url).get(`/recordings/${gone.id}?share=${shareToken}`);
      expect(page.status).toBe(403);
      expect(page.text).not.toContain('exp-0');
      expect((await request(longer.url).post(`/api/v1.0/recordings/${gone.id}/download-link/`).set(bearer(owner))).status).toBe(403);
      expect((await request(longer.url).post(`/api/v1.0/recordings/${gone.id}/share-links/`).set(bearer(owner)).send({})).status).toBe(403);
      // The same checks pass for a recording whose files are kept: the refusals above are the expiry's.
      expect((await mediaAuth(longer, `/media/${young.keys[0]}`, bearer(owner))).status).toBe(200);

      for (const service of [svc, longer]) {
        const res = await request(service.url).patch(`/api/v1.0/recordings/${gone.id}/`).set(bearer(owner)).send({ is_permanent: true });
        expect(res.status).toBe(409);
        expect(res.body.detail).toMatch(/files were removed/);
      }
      expect((await queryDb(svc.db.url, 'SELECT is_permanent FROM recordings WHERE id = $1', [gone.id]))[0]).toEqual({ is_permanent: false });
    } finally {
      await longer.close({ keepDatabase: true });
    }
  });

  it('two instances sweeping at once: each file is deleted once, even when a job is claimed twice (its lease ran out)', async () => {
    const second = await startTestService(env, svc.db);
    const made: Made[] = [];
    for (let i = 0; i < 6; i++) {
      const id = randomUUID();
      made.push({ id, keys: [`recordings/${id}.mp4`, `recordings/${id}/TR_a${i}.ogg`, `recordings/${id}/TR_b${i}.ogg`] });
    }
    const keys = made.flatMap((m) => m.keys);
    for (const key of keys) await s3.putObject(key, 'bytes', key.endsWith('.mp4') ? 'video/mp4' : 'audio/ogg');
    // Held before the rows exist, and the rows written by one statement: a pass the sweep runs by
    // itself meanwhile (the second instance's start may run one) sees all of them or none, and
    // the deletions of the jobs it queues wait here as well.
    const ours = (r: Pick<StorageRequest, 'method' | 'path' | 'query'>) => isObjectDelete(r) && keys.some((k) => r.path === objectPath(k));
    const release = storage.hold(ours);
    await queryDb(
      svc.db.url,
      `WITH r AS (
         INSERT INTO recordings (id, room, mode, status, worker_kind, created_at)
         SELECT id, 'exp-multi', 'screen_recording', 'notification_succeeded', 'livekit-video', now() - interval '31 days' FROM unnest($1::uuid[]) AS t(id)
         RETURNING id
       )
       INSERT INTO recording_files (recording_id, relative_key, kind, content_type, status, track_id)
       SELECT (regexp_match(k, '([0-9a-f-]{36})'))[1]::uuid, substr(k, length('recordings/') + 1),
              CASE WHEN k LIKE '%.mp4' THEN 'composite' ELSE 'track' END,
              CASE WHEN k LIKE '%.mp4' THEN 'video/mp4' ELSE 'audio/ogg' END, 'saved',
              (regexp_match(k, '(TR_[a-z0-9]+)'))[1]
         FROM unnest($2::text[]) AS t(k) WHERE EXISTS (SELECT 1 FROM r)`,
      [made.map((m) => m.id), keys],
    );
    try {
      await runExpirySweep(svc.db.url, { settle: false });
      // Every job is at its first deletion, which the storage keeps waiting, under its recording's row lock.
      await eventually(async () => deletes(keys).length === made.length, 10_000, 'one held deletion per recording');
      // Their leases run out: the instances claim every job again, and those runs wait for the row locks.
      await queryDb(svc.db.url, "UPDATE jobs SET locked_until = now() WHERE kind = 'storage.expire-files' AND status = 'pending'");
      await eventually(async () => {
        const rows = await queryDb<{ attempts: number }>(svc.db.url, "SELECT attempts FROM jobs WHERE kind = 'storage.expire-files' AND recording_id = ANY($1)", [made.map((m) => m.id)]);
        return rows.length === made.length && rows.every((r) => r.attempts >= 2);
      }, 10_000, 'every job claimed twice');
      expect(deletes(keys)).toHaveLength(made.length);
    } finally {
      release();
    }
    await eventually(async () => {
      const rows = await queryDb<{ n: number }>(svc.db.url, 'SELECT count(*)::int AS n FROM recordings WHERE id = ANY($1) AND files_removed_at IS NOT NULL', [made.map((m) => m.id)]);
      return rows[0]!.n === made.length;
    }, 15_000, 'every recording marked');
    await runExpirySweep(svc.db.url);
    expect(deletes(keys).sort()).toEqual(keys.map((k) => `${k} 204`).sort());
    for (const key of keys) expect(await s3.hasObject(key)).toBe(false);
    const jobs = await queryDb<{ status: string; attempts: number }>(svc.db.url, "SELECT status, attempts FROM jobs WHERE kind = 'storage.expire-files' AND recording_id = ANY($1)", [made.map((m) => m.id)]);
    expect(jobs.map((j) => j.status)).toEqual(made.map(() => 'done'));
    await second.close({ keepDatabase: true });
  });

  it('retries a deletion the storage answers 500 for, marks nothing done meanwhile, and counts the errors', async () => {
    const rec = await savedRecording('exp-4', { track: true });
    await tagsSettled();
    await ageRecording(svc.db.url, rec.id, DAYS + 2);
    const [composite, track] = rec.keys as [string, string];
    const before = await metrics(svc);
    const jobOf = async () =>
      (await queryDb<{ status: string; attempts: number; last_error: string | null }>(
        svc.db.url,
        "SELECT status, attempts, last_error FROM jobs WHERE kind = 'storage.expire-files' AND recording_id = $1",
        [rec.id],
      ))[0]!;

    const release = storage.refuse((r) => isObjectDelete(r) && r.path === objectPath(track), 500);
    try {
      await runExpirySweep(svc.db.url);
      expect(await jobOf()).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringMatching(/1 file\(s\) not removed/) });
      expect(deletes([composite])).toEqual([`${composite} 204`]);
      expect(deletes([track]).length).toBeGreaterThanOrEqual(1);
      expect(deletes([track]).every((d) => d.endsWith(' 500'))).toBe(true);
      expect(await s3.hasObject(track)).toBe(true);
      expect(await removedAt(rec.id)).toBeNull();
      const fileRows = await queryDb(svc.db.url, 'SELECT kind, removed_at IS NOT NULL AS removed FROM recording_files WHERE recording_id = $1 ORDER BY kind', [rec.id]);
      expect(fileRows).toEqual([{ kind: 'composite', removed: true }, { kind: 'track', removed: false }]);
      const failing = await metrics(svc);
      expect(metricValue(failing, 'recorder_expiry_storage_errors_total') - metricValue(before, 'recorder_expiry_storage_errors_total')).toBe(1);
      expect(metricValue(failing, 'recorder_jobs_total{kind="storage.expire-files",result="retry"}')).toBeGreaterThanOrEqual(1);

      // Retried (after its backoff; made due here) while the storage still refuses: still not done, the composite not deleted again.
      await retrySweepJobsNow(svc.db.url);
      await eventually(async () => (await jobOf()).attempts === 2, 10_000, 'a second attempt');
      await runExpirySweep(svc.db.url);
      expect(await jobOf()).toMatchObject({ status: 'pending', attempts: 2 });
      expect(await removedAt(rec.id)).toBeNull();
      expect(metricValue(await metrics(svc), 'recorder_expiry_storage_errors_total') - metricValue(before, 'recorder_expiry_storage_errors_total')).toBe(2);
    } finally {
      release();
    }

    await retrySweepJobsNow(svc.db.url);
    await eventually(async () => (await jobOf()).status === 'done', 10_000, 'the job done once the storage answers');
    expect(await s3.hasObject(track)).toBe(false);
    expect(await removedAt(rec.id)).toBeInstanceOf(Date);
    expect(deletes([composite])).toEqual([`${composite} 204`]);
    expect(deletes([track]).at(-1)).toBe(`${track} 204`);
    const after = await metrics(svc);
    expect(metricValue(after, 'recorder_expiry_files_removed_total') - metricValue(before, 'recorder_expiry_files_removed_total')).toBe(2);
    expect(metricValue(after, 'recorder_recordings_expired_total') - metricValue(before, 'recorder_recordings_expired_total')).toBe(1);
  });

  it('tells the host application a deleted expired recording was expired (recording.deleted)', async () => {
    await request(svc.url).delete(`/api/v1.0/recordings/${gone.id}/`).set(bearer(owner)).expect(204);
    await eventually(async () => eventsOf(gone.id, 'recording.deleted').length === 1, 10_000, 'recording.deleted');
    expect(eventsOf(gone.id, 'recording.deleted')[0]!.body.data).toMatchObject({ id: gone.id, is_expired: true, is_permanent: false, files: [{ kind: 'composite' }, { kind: 'track' }] });
  });

  it('leaves a recording made permanent before its removal ran, and removes it once made non-permanent again', async () => {
    const rec = await savedRecording('exp-5');
    await tagsSettled();
    await ageRecording(svc.db.url, rec.id, DAYS + 3);
    const patch = (isPermanent: boolean) =>
      request(svc.url).patch(`/api/v1.0/recordings/${rec.id}/`).set(bearer(owner)).send({ is_permanent: isPermanent }).expect(200);
    await patch(true);
    await runExpirySweep(svc.db.url);
    expect(deletes(rec.keys)).toEqual([]);
    expect(await queryDb(svc.db.url, "SELECT id FROM jobs WHERE kind = 'storage.expire-files' AND recording_id = $1", [rec.id])).toEqual([]);

    // Queued while it was not permanent, made permanent before the job ran: the job leaves the file and is cancelled.
    await patch(false);
    await queryDb(
      svc.db.url,
      `INSERT INTO jobs (kind, key, recording_id, run_at) VALUES ('storage.expire-files', 'storage.expire-files:' || $1::text, $1::uuid, now() + interval '1 hour')`,
      [rec.id],
    );
    await patch(true);
    await retrySweepJobsNow(svc.db.url);
    await eventually(async () => {
      const [job] = await queryDb<{ status: string }>(svc.db.url, "SELECT status FROM jobs WHERE kind = 'storage.expire-files' AND recording_id = $1", [rec.id]);
      return job?.status === 'cancelled';
    }, 10_000, 'the job cancelled');
    expect(deletes(rec.keys)).toEqual([]);
    expect(await s3.hasObject(rec.keys[0]!)).toBe(true);

    // Non-permanent again: the next sweep queues the same job again, and the file goes.
    await patch(false);
    await runExpirySweep(svc.db.url);
    expect(deletes(rec.keys)).toEqual([`${rec.keys[0]} 204`]);
    expect(await removedAt(rec.id)).toBeInstanceOf(Date);
  });
});

