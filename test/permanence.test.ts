import request from 'supertest';
import type { QueryRunner } from 'typeorm';
import { RetentionTags1765500000000 } from '../src/db/migrations/1765500000000-retention-tags';
import { LIFECYCLE_RULE_ID } from '../src/storage/bucket-lifecycle';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { storeEvent } from './helpers/minio-events';
import { startS3Server, type TestS3 } from './helpers/s3';
import { startS3Recorder, type S3Recorder, type StorageRequest } from './helpers/s3-recorder';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * Permanent recordings (RECORDING_ALLOW_PERMANENT, options.permanent, PATCH is_permanent) and
 * what keeps their files: the bucket's expiry rule the service installs only matches files
 * tagged recording-retention=expire, and only files of non-permanent recordings carry the tag.
 * Checked against what the storage receives: s3rver behind a proxy that records every request
 * (and serves the lifecycle configuration and DELETE ?tagging, which s3rver lacks).
 */

const DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;
const rooms = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'off1', 'off2', 'off3'].map((r) => [r, 'owner']));
const owner: TestUser = { sub: 'perm-owner', rooms };
const stranger: TestUser = { sub: 'perm-stranger', rooms: { a: 'member', off2: 'member' } };
const UNKNOWN_ID = '00000000-1111-4222-8333-444444444444';

const OPERATOR_RULE = '<Rule><ID>operator-tmp</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>';
/** What the service installed before: the whole folder, permanent recordings included. */
const OLD_RULE = `<Rule><ID>${LIFECYCLE_RULE_ID}</ID><Status>Enabled</Status><Filter><Prefix>recordings/</Prefix></Filter><Expiration><Days>${DAYS}</Days></Expiration></Rule>`;

let s3: TestS3;
let storage: S3Recorder;
let livekit: FakeLivekitServer;
/** RECORDING_ALLOW_PERMANENT=true, RECORDING_APPLY_BUCKET_LIFECYCLE=true. */
let svc: TestService;
/** RECORDING_ALLOW_PERMANENT unset (false). */
let off: TestService;

beforeAll(async () => {
  s3 = await startS3Server();
  storage = await startS3Recorder(s3, { lifecycle: `<LifecycleConfiguration>${OPERATOR_RULE}${OLD_RULE}</LifecycleConfiguration>` });
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  const common = { ...fake.env, ...storage.env, RECORDING_EXPIRATION_DAYS: String(DAYS), JOBS_POLL_INTERVAL_MS: '100' };
  svc = await startTestService({ ...common, RECORDING_ALLOW_PERMANENT: 'true', RECORDING_APPLY_BUCKET_LIFECYCLE: 'true' });
  off = await startTestService(common);
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await off?.close();
  await storage?.close();
  await livekit?.close();
  await s3?.close();
});

interface Saved {
  id: string;
  key: string;
}

/** Writes the file to s3rver (not through the recorder) and posts the MinIO event that saves the recording. */
async function storeAndSave(service: TestService, key: string): Promise<void> {
  await s3.putObject(key, 'mp4 bytes', 'video/mp4');
  expect(await storeEvent(service.url, s3.bucket, key, { size: 9, contentType: 'video/mp4' })).toBe('Event processed.');
}

/** A recording started and stopped through the API, then saved. */
async function savedRecording(service: TestService, room: string, options?: Record<string, unknown>): Promise<Saved> {
  const start = await request(service.url)
    .post(`/api/v1.0/rooms/${room}/start-recording/`)
    .set(bearer(owner))
    .send(options ? { mode: 'screen_recording', options } : { mode: 'screen_recording' });
  expect(start.status).toBe(201);
  await request(service.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).expect(200);
  const key = start.body.key as string;
  await storeAndSave(service, key);
  return { id: start.body.id as string, key };
}

const objectPath = (key: string) => `/${s3.bucket}/${key}`;

/** The tagging calls the storage received for one object, in order: `set` (with the tags sent) or `remove`. */
function taggingCalls(key: string): string[] {
  return storage.requests
    .filter((r) => r.path === objectPath(key) && 'tagging' in r.query && r.method !== 'GET')
    .map((r) => (r.method === 'DELETE' ? 'remove' : `set ${tagsInXml(r.body)}`));
}

function tagsInXml(xml: string): string {
  return [...xml.matchAll(/<Tag><Key>([^<]*)<\/Key><Value>([^<]*)<\/Value><\/Tag>/g)].map((m) => `${m[1]}=${m[2]}`).join('&');
}

/** Object deletions (not tag removals) the storage received for one object. */
const deletesOf = (key: string): StorageRequest[] => storage.requests.filter((r) => r.path === objectPath(key) && r.method === 'DELETE' && !('tagging' in r.query));

/** The object's tags as s3rver keeps them (asked directly, not through the recorder). */
async function tagsOf(key: string): Promise<string> {
  const tags = await s3.client.getObjectTagging(s3.bucket, key);
  return tags.map((t) => `${t.Key}=${t.Value}`).join('&');
}

const patch = (service: TestService, id: string, body: unknown, user: TestUser | null = owner) => {
  const req = request(service.url).patch(`/api/v1.0/recordings/${id}/`);
  if (user) req.set(bearer(user));
  return req.send(body as object);
};

const dbRow = async (service: TestService, id: string) =>
  (await queryDb<{ is_permanent: boolean; updated_at: Date }>(service.db.url, 'SELECT is_permanent, updated_at FROM recordings WHERE id = $1', [id]))[0]!;

describe('the bucket lifecycle rule the service installs', () => {
  it('expires only files tagged recording-retention=expire under the folder, replaces the old whole-folder rule by its ID, and keeps the operator\'s rules', async () => {
    await eventually(async () => storage.requests.some((r) => r.method === 'PUT' && 'lifecycle' in r.query), 10_000, 'lifecycle PUT');
    const puts = storage.requests.filter((r) => r.method === 'PUT' && 'lifecycle' in r.query);
    expect(puts).toHaveLength(1);
    const xml = puts[0]!.body;
    const rules = [...xml.matchAll(/<Rule>.*?<\/Rule>/g)].map((m) => m[0]);
    expect(rules).toHaveLength(2);
    expect(rules).toContain(OPERATOR_RULE);
    expect(rules).toContain(
      `<Rule><ID>${LIFECYCLE_RULE_ID}</ID><Status>Enabled</Status>` +
        '<Filter><And><Prefix>recordings/</Prefix><Tag><Key>recording-retention</Key><Value>expire</Value></Tag></And></Filter>' +
        `<Expiration><Days>${DAYS}</Days></Expiration></Rule>`,
    );
    // No rule in the result expires the folder without the tag.
    expect(rules.filter((r) => r.includes('<Prefix>recordings/</Prefix>') && !r.includes('<Key>recording-retention</Key>'))).toEqual([]);
  });
});

describe('RECORDING_ALLOW_PERMANENT off (the default)', () => {
  it('refuses options.permanent at start with 400 and a clear detail; nothing is created', async () => {
    const res = await request(off.url).post('/api/v1.0/rooms/off1/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording', options: { permanent: true } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/options\.permanent/);
    expect(res.body.detail).toMatch(/RECORDING_ALLOW_PERMANENT/);
    expect(await queryDb(off.db.url, "SELECT id FROM recordings WHERE room = 'off1'")).toEqual([]);

    // permanent: false is what every recording is anyway: accepted; the room was left free.
    const plain = await request(off.url).post('/api/v1.0/rooms/off1/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording', options: { permanent: false } });
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ is_permanent: false, expired_at: expect.any(String) });
    await request(off.url).post('/api/v1.0/rooms/off1/stop-recording/').set(bearer(owner)).expect(200);
  });

  it('refuses a room recording policy that would start permanent recordings, and accepts it where allowed', async () => {
    const policy = { trigger: 'automatic', mode: 'screen_recording', options: { permanent: true } };
    const refused = await request(off.url).put('/api/v1.0/rooms/off3/recording-policy/').set(bearer(owner)).send(policy);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/options\.permanent.*RECORDING_ALLOW_PERMANENT/);
    expect((await request(off.url).get('/api/v1.0/rooms/off3/').set(bearer(owner))).body).toMatchObject({ policy: null });
    const allowed = await request(svc.url).put('/api/v1.0/rooms/off3/recording-policy/').set(bearer(owner)).send(policy);
    expect(allowed.status).toBe(200);
    await request(svc.url).delete('/api/v1.0/rooms/off3/recording-policy/').set(bearer(owner)).expect(204);
  });

  it('answers PATCH is_permanent with 403 for the owner, 404 for anyone else, 401 without a token; nothing changes, no tag is touched', async () => {
    const rec = await savedRecording(off, 'off2');
    await eventually(async () => (await tagsOf(rec.key)) === 'recording-retention=expire', 10_000, 'tag set');
    const before = await dbRow(off, rec.id);
    const calls = taggingCalls(rec.key).length;

    const refused = await patch(off, rec.id, { is_permanent: true });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/RECORDING_ALLOW_PERMANENT/);
    expect((await patch(off, rec.id, { is_permanent: true }, stranger)).status).toBe(404);
    expect((await patch(off, UNKNOWN_ID, { is_permanent: true })).status).toBe(404);
    expect((await patch(off, 'not-a-uuid', { is_permanent: true })).status).toBe(404);
    expect((await patch(off, rec.id, { is_permanent: true }, null)).status).toBe(401);

    expect(await dbRow(off, rec.id)).toEqual(before);
    expect(taggingCalls(rec.key)).toHaveLength(calls);
    expect(await tagsOf(rec.key)).toBe('recording-retention=expire');
    const got = await request(off.url).get(`/api/v1.0/recordings/${rec.id}/`).set(bearer(owner));
    expect(got.body).toMatchObject({ is_permanent: false, expired_at: expect.any(String) });
  });
});

describe('RECORDING_ALLOW_PERMANENT on', () => {
  it('tags a saved recording; PATCH permanent removes the tag before answering 200 and takes it out of expiry; PATCH non-permanent tags it again', async () => {
    const rec = await savedRecording(svc, 'a');
    await eventually(async () => (await tagsOf(rec.key)) === 'recording-retention=expire', 10_000, 'tagging after the save');
    expect(taggingCalls(rec.key)).toEqual(['set recording-retention=expire']);

    const first = await request(svc.url).get(`/api/v1.0/recordings/${rec.id}/`).set(bearer(owner));
    expect(first.body).toMatchObject({ is_permanent: false, is_expired: false });
    const createdAt = Date.parse(first.body.created_at as string);
    expect(Date.parse(first.body.expired_at as string)).toBe(createdAt + DAYS * DAY_MS);

    const made = await patch(svc, rec.id, { is_permanent: true });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ id: rec.id, is_permanent: true, expired_at: null, is_expired: false });
    // Already done when the answer came: the storage received the removal and holds no tag.
    expect(taggingCalls(rec.key)).toEqual(['set recording-retention=expire', 'remove']);
    expect(storage.requests.find((r) => r.path === objectPath(rec.key) && r.method === 'DELETE')!.status).toBe(204);
    expect(await tagsOf(rec.key)).toBe('');
    expect(await dbRow(svc, rec.id)).toMatchObject({ is_permanent: true });

    // Past its former expiry date, a permanent recording stays: listed, not expired, never deleted.
    await queryDb(svc.db.url, "UPDATE recordings SET created_at = now() - interval '400 days' WHERE id = $1", [rec.id]);
    const aged = await request(svc.url).get(`/api/v1.0/recordings/${rec.id}/`).set(bearer(owner));
    expect(aged.body).toMatchObject({ is_permanent: true, expired_at: null, is_expired: false });

    // Asking again for what it already is changes nothing and calls nothing.
    const requestsBefore = storage.requests.length;
    expect((await patch(svc, rec.id, { is_permanent: true })).status).toBe(200);
    expect(storage.requests.length).toBe(requestsBefore);

    const unmade = await patch(svc, rec.id, { is_permanent: false });
    expect(unmade.status).toBe(200);
    expect(unmade.body).toMatchObject({ is_permanent: false, is_expired: true, expired_at: expect.any(String) });
    await eventually(async () => (await tagsOf(rec.key)) === 'recording-retention=expire', 10_000, 'tag set again');
    expect(taggingCalls(rec.key)).toEqual(['set recording-retention=expire', 'remove', 'set recording-retention=expire']);
    expect(deletesOf(rec.key)).toEqual([]);
  });

  it('never tags, and never deletes, the files of a recording started permanent', async () => {
    const kept = await savedRecording(svc, 'b', { permanent: true });
    const got = await request(svc.url).get(`/api/v1.0/recordings/${kept.id}/`).set(bearer(owner));
    expect(got.body).toMatchObject({ is_permanent: true, expired_at: null });
    // A recording saved after it is tagged: the job runner has had its chance with the first one.
    const later = await savedRecording(svc, 'c');
    await eventually(async () => (await tagsOf(later.key)) === 'recording-retention=expire', 10_000, 'later recording tagged');
    expect(await queryDb(svc.db.url, "SELECT id FROM jobs WHERE kind = 'storage.retention-tag' AND recording_id = $1", [kept.id])).toEqual([]);
    expect(taggingCalls(kept.key)).toEqual([]);
    expect(await tagsOf(kept.key)).toBe('');
    expect(deletesOf(kept.key)).toEqual([]);
    expect(await s3.hasObject(kept.key)).toBe(true);
  });

  it('answers 503 and changes nothing when the storage refuses to remove the tag', async () => {
    const rec = await savedRecording(svc, 'd');
    await eventually(async () => (await tagsOf(rec.key)) === 'recording-retention=expire', 10_000, 'tag set');
    const before = await dbRow(svc, rec.id);
    const release = storage.refuse((r) => r.path === objectPath(rec.key) && r.method === 'DELETE' && 'tagging' in r.query);
    try {
      const res = await patch(svc, rec.id, { is_permanent: true });
      expect(res.status).toBe(503);
      expect(res.body.detail).toMatch(/storage/i);
    } finally {
      release();
    }
    expect(await dbRow(svc, rec.id)).toEqual(before);
    expect(await tagsOf(rec.key)).toBe('recording-retention=expire');
    const got = await request(svc.url).get(`/api/v1.0/recordings/${rec.id}/`).set(bearer(owner));
    expect(got.body).toMatchObject({ is_permanent: false, expired_at: expect.any(String) });

    // Once the storage answers again, the same request goes through.
    expect((await patch(svc, rec.id, { is_permanent: true })).status).toBe(200);
    expect(await tagsOf(rec.key)).toBe('');
  });

  it('retries the tagging job while the storage refuses it; the file is kept untagged meanwhile', async () => {
    const release = storage.refuse((r) => r.method === 'PUT' && 'tagging' in r.query);
    let rec: Saved;
    try {
      rec = await savedRecording(svc, 'e');
      await eventually(async () => {
        const [job] = await queryDb<{ status: string; last_error: string | null }>(
          svc.db.url,
          "SELECT status, last_error FROM jobs WHERE kind = 'storage.retention-tag' AND recording_id = $1",
          [rec.id],
        );
        return job?.status === 'pending' && job.last_error !== null;
      }, 10_000, 'a failed attempt');
      expect(await tagsOf(rec.key)).toBe('');
    } finally {
      release();
    }
    // Due now rather than after its backoff (again at each look, in case an attempt was under way).
    await eventually(async () => {
      await queryDb(svc.db.url, "UPDATE jobs SET run_at = now() WHERE kind = 'storage.retention-tag' AND recording_id = $1 AND status = 'pending'", [rec!.id]);
      return (await tagsOf(rec!.key)) === 'recording-retention=expire';
    }, 10_000, 'tag set after the retry');
    const jobOf = async () =>
      (await queryDb<{ status: string; attempts: number }>(svc.db.url, "SELECT status, attempts FROM jobs WHERE kind = 'storage.retention-tag' AND recording_id = $1", [rec!.id]))[0]!;
    await eventually(async () => (await jobOf()).status === 'done', 10_000, 'job done');
    expect((await jobOf()).attempts).toBeGreaterThan(1);
  });

  it('refuses bad bodies with 400 and changes nothing', async () => {
    const rec = await savedRecording(svc, 'f');
    await eventually(async () => (await tagsOf(rec.key)) === 'recording-retention=expire', 10_000, 'tag set');
    const before = await dbRow(svc, rec.id);
    const calls = taggingCalls(rec.key).length;
    for (const body of [{}, { is_permanent: 'true' }, { is_permanent: 1 }, { is_permanent: null }, { is_permanent: true, extra: 1 }, [true]]) {
      const res = await patch(svc, rec.id, body);
      expect(`${JSON.stringify(body)} ${res.status}`).toBe(`${JSON.stringify(body)} 400`);
      expect(res.body.detail).toEqual(expect.any(String));
    }
    const malformed = await request(svc.url).patch(`/api/v1.0/recordings/${rec.id}/`).set(bearer(owner)).set('Content-Type', 'application/json').send('{"is_permanent": tru');
    expect(malformed.status).toBe(400);
    const noBody = await request(svc.url).patch(`/api/v1.0/recordings/${rec.id}/`).set(bearer(owner));
    expect(noBody.status).toBe(400);
    expect(await dbRow(svc, rec.id)).toEqual(before);
    expect(taggingCalls(rec.key)).toHaveLength(calls);
  });

  it('lets a recording be made permanent while it is recording; its file is then never tagged', async () => {
    const start = await request(svc.url).post('/api/v1.0/rooms/g/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    const made = await patch(svc, start.body.id as string, { is_permanent: true });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ status: 'active', is_permanent: true, expired_at: null });
    await request(svc.url).post('/api/v1.0/rooms/g/stop-recording/').set(bearer(owner)).expect(200);
    const key = start.body.key as string;
    // Nothing stored yet when it was made permanent: the removal found no object, and that is fine.
    expect(taggingCalls(key)).toEqual(['remove']);
    await storeAndSave(svc, key);
    const later = await savedRecording(svc, 'h');
    await eventually(async () => (await tagsOf(later.key)) === 'recording-retention=expire', 10_000, 'later recording tagged');
    expect(taggingCalls(key)).toEqual(['remove']);
    expect(await tagsOf(key)).toBe('');
  });

  it('tags, on upgrade, the files of recordings saved before the tag existed (the migration queues the job), never a permanent one', async () => {
    const old = await savedRecording(svc, 'i');
    const kept = await savedRecording(svc, 'j', { permanent: true });
    await eventually(async () => (await tagsOf(old.key)) === 'recording-retention=expire', 10_000, 'tag set');
    // As before this release: no tag on the file, no tagging job in the table.
    await s3.client.setObjectTagging(s3.bucket, old.key, {});
    await queryDb(svc.db.url, "DELETE FROM jobs WHERE kind = 'storage.retention-tag' AND recording_id = ANY($1)", [[old.id, kept.id]]);
    expect(await tagsOf(old.key)).toBe('');

    await new RetentionTags1765500000000().up({ query: (text: string) => queryDb(svc.db.url, text) } as unknown as QueryRunner);
    await eventually(async () => (await tagsOf(old.key)) === 'recording-retention=expire', 10_000, 'tag set by the upgrade');
    expect(await queryDb(svc.db.url, "SELECT id FROM jobs WHERE kind = 'storage.retention-tag' AND recording_id = $1", [kept.id])).toEqual([]);
    expect(await tagsOf(kept.key)).toBe('');
  });
});
