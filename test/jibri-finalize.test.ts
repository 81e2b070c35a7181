import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { FakeJibri, jibriMetadataJson, sessionOf, uploadCapabilityOf } from './fakes/jibri-server';
import { runFinalizeScript, type FinalizeRun } from './helpers/finalize-script';
import { minioFixture, postStorageEvent, queryDb, statusOf } from './helpers/flow';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * deploy/jibri/finalize.sh run for real (dash + curl) against the real service and s3rver, as
 * Jibri runs it once a recording stops: `finalize.sh <recordings-directory>/<session id>`.
 */

const UPLOAD_TOKEN = 'jibri-upload-token-for-finalize-tests';
const TTL_SECONDS = 120;
const BUCKET = 'meet-media-storage';
const XMPP_ENV = { JIBRI_XMPP_DOMAIN: 'recorder.meet.example.org', JIBRI_XMPP_USERNAME: 'recorder', JIBRI_XMPP_PASSWORD: 'recorder-secret' };

const owner: TestUser = {
  sub: 'finalize-owner',
  email: 'owner@example.org',
  rooms: Object.fromEntries(['f-saved', 'f-active', 'f-token', 'f-failed', 'f-retry'].map((r) => [r, 'owner'])),
};

let s3: TestS3;
let svc: TestService;
let jibris: FakeJibri[];
let workDir: string;

beforeAll(async () => {
  s3 = await startS3Server({ bucket: BUCKET });
  jibris = await Promise.all([FakeJibri.start({ jibriId: 'jibri-a' }), FakeJibri.start({ jibriId: 'jibri-b' })]);
  knownJibris.push(...jibris);
  svc = await startTestService({
    ...XMPP_ENV,
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    JIBRI_URLS: jibris.map((j) => j.url).join(','),
    JIBRI_IDS: jibris.map((j) => j.jibriId).join(','),
    JITSI_BASE_URL: 'https://meet.example.org',
    JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN,
    JIBRI_UPLOAD_URL_TTL_SECONDS: String(TTL_SECONDS),
    ...s3Env(s3),
  });
  workDir = await mkdtemp(path.join(tmpdir(), 'jibri-finalize-'));
});

afterAll(async () => {
  await svc?.close();
  await Promise.all((jibris ?? []).map((j) => j.close()));
  await s3?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Runs the script against this file's service with its token, unless told otherwise. */
function runFinalize(dir: string, env: Record<string, string> = {}, serviceUrl = svc.url): Promise<FinalizeRun> {
  return runFinalizeScript(dir, { RECORDER_SERVICE_URL: serviceUrl, JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN, ...env });
}

/** Every fake Jibri of this file, so a recording's start request can be found. */
const knownJibris: FakeJibri[] = [];

/**
 * The metadata.json Jibri writes for the session `name` started (with its upload capability);
 * for a session no fake took, one with a well-formed capability nobody issued.
 */
function metadataOf(name: string): string {
  const session = knownJibris.flatMap((j) => j.startedSessions).find((s) => s.sessionId === name);
  if (session) return jibriMetadataJson(session);
  return JSON.stringify({ meeting_url: `https://meet.example.org/room#recorderUploadCapability=${randomBytes(32).toString('base64url')}`, participants: [] });
}

/** A session directory as Jibri leaves it: `<recordings dir>/<name>/` with one MP4 and metadata.json. */
async function sessionDir(name: string, bytes: Buffer, metadata: string = metadataOf(name)): Promise<string> {
  const dir = path.join(workDir, 'recordings', name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `room_2026-05-04-09-27-27.mp4`), bytes);
  await writeFile(path.join(dir, 'metadata.json'), metadata);
  return dir;
}

async function listKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of s3.client.listObjectsV2(BUCKET, '', true)) {
    if (typeof (item as { name?: unknown }).name === 'string') keys.push((item as { name: string }).name);
  }
  return keys.sort();
}

async function startRecording(room: string): Promise<string> {
  const res = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function stopRecording(room: string): Promise<void> {
  const res = await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).send();
  expect(res.status).toBe(200);
}

const mp4 = () => Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42'), randomBytes(300_000)]);

let savedId: string;
let savedBytes: Buffer;

describe('finalize.sh uploads through a pre-signed URL', () => {
  it('puts a stopped recording under recordings/<id>.mp4 with the same bytes; the MinIO event then saves it', async () => {
    savedId = await startRecording('f-saved');
    await stopRecording('f-saved');
    savedBytes = mp4();
    const dir = await sessionDir(savedId, savedBytes);

    const run = await runFinalize(`${dir}/`);
    expect(run.stderr).toContain(`uploaded recording ${savedId}`);
    expect(run.code).toBe(0);
    // Neither the token nor the pre-signed URL is printed.
    expect(run.stderr + run.stdout).not.toContain(UPLOAD_TOKEN);
    expect(run.stderr + run.stdout).not.toMatch(/X-Amz-Signature/i);

    const key = `recordings/${savedId}.mp4`;
    expect(await listKeys()).toEqual([key]);
    expect((await s3.getObject(key)).equals(savedBytes)).toBe(true);
    const stat = await s3.client.statObject(BUCKET, key);
    expect(stat.size).toBe(savedBytes.length);
    expect((stat.metaData as Record<string, string>)['content-type']).toBe('video/mp4');
    expect(await statusOf(svc.db.url, savedId)).toBe('stopped');

    // What MinIO then posts for that PUT.
    const event = minioFixture('put-recording.json', savedId) as { Records: { s3: { object: { size: number; eTag: string } } }[] };
    event.Records[0]!.s3.object.size = stat.size;
    event.Records[0]!.s3.object.eTag = stat.etag;
    const hook = await postStorageEvent(svc.url, event);
    expect(hook.status).toBe(200);
    expect(hook.body).toEqual({ message: 'Event processed.' });
    expect(['saved', 'notification_succeeded']).toContain(await statusOf(svc.db.url, savedId));
  });

  it('hands out no URL while the recording runs (425), and, once its Jibri says the session ended, one signed PUT URL for exactly its object key', async () => {
    const id = await startRecording('f-active');
    const capability = uploadCapabilityOf(sessionOf(jibris, id))!;
    const ask = () =>
      request(svc.url).post(`/api/v1.0/recordings/${id}/upload-url/`).set('Authorization', `Bearer ${UPLOAD_TOKEN}`).set('X-Recorder-Upload-Capability', capability).send({});
    const early = await ask();
    expect(early.status).toBe(425);
    expect(early.body.detail).toMatch(/still running/);
    expect(await statusOf(svc.db.url, id)).toBe('active');

    // The meeting ended on its own and finalize.sh asks before the IDLE webhook: the service asks Jibri.
    jibris.find((j) => (j.session as { sessionId?: string } | null)?.sessionId === id)!.finishOnItsOwn();
    const before = Date.now();
    const res = await request(svc.url)
      .post(`/api/v1.0/recordings/${id.toUpperCase()}/upload-url/`)
      .set('Authorization', `Bearer ${UPLOAD_TOKEN}`)
      .set('X-Recorder-Upload-Capability', capability)
      .set('Content-Type', 'application/json')
      .send('{}');
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['expires_at', 'key', 'url']);
    expect(res.body.key).toBe(`recordings/${id}.mp4`);
    const expiresAt = Date.parse(res.body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + TTL_SECONDS * 1000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + TTL_SECONDS * 1000);

    // s3rver does not check signatures, so the URL's form is checked here.
    const url = new URL(res.body.url);
    expect(`${url.protocol}//${url.host}`).toBe(s3.endpointUrl);
    expect(url.pathname).toBe(`/${BUCKET}/recordings/${id}.mp4`);
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${s3.accessKeyId}/\\d{8}/us-east-1/s3/aws4_request$`));
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(TTL_SECONDS));
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;if-none-match');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

    expect(await statusOf(svc.db.url, id)).toBe('stopped');

    // One URL per recording: a second request is refused, even before any file landed.
    const again = await ask();
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already issued/);
    expect(again.body.url).toBeUndefined();
  });
});

describe('finalize.sh is refused, uploads nothing and exits non-zero', () => {
  it('with a wrong token', async () => {
    const id = await startRecording('f-token');
    await stopRecording('f-token');
    const keys = await listKeys();
    const run = await runFinalize(await sessionDir(id, mp4()), { JIBRI_UPLOAD_TOKEN: 'not-the-token' });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(new RegExp(`refused an upload URL for recording ${id} \\(HTTP 401\\)`));
    expect(await listKeys()).toEqual(keys);
    expect(await statusOf(svc.db.url, id)).toBe('stopped');
  });

  it('for an unknown recording', async () => {
    const id = randomUUID();
    const keys = await listKeys();
    const run = await runFinalize(await sessionDir(id, mp4()));
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/\(HTTP 404\)/);
    expect(await listKeys()).toEqual(keys);
  });

  it('for a finished recording: saved, or failed to start', async () => {
    const keys = await listKeys();
    const resaved = await runFinalize(await sessionDir(savedId, mp4()));
    expect(resaved.code).toBe(4);
    expect(resaved.stderr).toMatch(/\(HTTP 403\)/);
    expect((await s3.getObject(`recordings/${savedId}.mp4`)).equals(savedBytes)).toBe(true);

    for (const j of jibris) j.takeByOther();
    const failedStart = await request(svc.url).post('/api/v1.0/rooms/f-failed/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    for (const j of jibris) j.finishOnItsOwn();
    expect(failedStart.status).toBe(502);
    const [row] = await queryDb<{ id: string; status: string }>(svc.db.url, "SELECT id, status FROM recordings WHERE room = 'f-failed'");
    expect(row!.status).toBe('failed_to_start');
    const failed = await runFinalize(await sessionDir(row!.id, mp4()));
    expect(failed.code).toBe(4);
    expect(failed.stderr).toMatch(/\(HTTP 403\)/);

    expect(await listKeys()).toEqual(keys);
  });

  it('for a directory outside the recordings layout (no uuid name, no id in metadata.json)', async () => {
    const keys = await listKeys();
    const noMeta = path.join(workDir, 'elsewhere', 'meeting-notes');
    await mkdir(noMeta, { recursive: true });
    await writeFile(path.join(noMeta, 'talk.mp4'), mp4());
    const run = await runFinalize(noMeta);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no recording id/);

    const idless = await sessionDir('not-a-session', mp4(), JSON.stringify({ meeting_url: 'https://meet.example.org/x', sessionId: 'nope' }));
    const run2 = await runFinalize(idless);
    expect(run2.code).toBe(3);
    expect(run2.stderr).toMatch(/no recording id/);

    expect(await listKeys()).toEqual(keys);
  });
});

describe('finalize.sh retries', () => {
  let noStorage: TestService;
  let jibri: FakeJibri;
  beforeAll(async () => {
    jibri = await FakeJibri.start();
    knownJibris.push(jibri);
    noStorage = await startTestService({
      ...XMPP_ENV,
      RECORDING_WORKERS: '{"screen_recording":"jibri"}',
      JIBRI_URLS: jibri.url,
      JITSI_BASE_URL: 'https://meet.example.org',
      JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN,
    });
  });
  afterAll(async () => {
    await noStorage?.close();
    await jibri?.close();
  });

  it('a 503 (storage not configured) and gives up with exit 5 after the last attempt', async () => {
    const res = await request(noStorage.url).post('/api/v1.0/rooms/f-retry/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(res.status).toBe(201);
    expect((await request(noStorage.url).post('/api/v1.0/rooms/f-retry/stop-recording/').set(bearer(owner)).send()).status).toBe(200);
    const run = await runFinalize(await sessionDir(res.body.id, mp4()), { JIBRI_FINALIZE_MAX_ATTEMPTS: '3' }, noStorage.url);
    expect(run.code).toBe(5);
    expect(run.stderr.match(/answered HTTP 503/g)).toHaveLength(3);
    expect(run.stderr).toMatch(/gave up uploading recording .* after 3 attempt/);
  });
});
