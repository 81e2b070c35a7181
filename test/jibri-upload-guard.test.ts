import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../src/config/config';
import { FakeJibri, jibriMetadataJson, sessionOf, uploadCapabilityOf } from './fakes/jibri-server';
import { runFinalizeScript } from './helpers/finalize-script';
import { eventually, minioFixture, postStorageEvent, statusOf } from './helpers/flow';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { checkPresignedRequest, startS3PresignGate, type S3PresignGate } from './helpers/s3-presign-gate';
import { startS3Server, type TestS3 } from './helpers/s3';
import { killAllServiceProcesses, serviceProcess, type ServiceProcess } from './helpers/service-process';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, type TestUser } from './helpers/service';

/**
 * A leaked upload token or upload URL must not be able to replace a Jibri recording's file.
 * The real service runs as its own process (its logs are read at the end) with storage behind
 * a gate that checks pre-signed requests as S3/MinIO do (signed headers, signature with the AWS
 * SDK signer, expiry, If-None-Match: *) and forwards them to s3rver. finalize.sh runs for real.
 */

const UPLOAD_TOKEN = 'jibri-upload-token-for-guard-tests-0123';
const BUCKET = 'meet-media-storage';
const ROOMS = ['g-url', 'g-file', 'g-saved', 'g-race', 'g-stale', 'g-once'];
const owner: TestUser = { sub: 'guard-owner', email: 'owner@example.org', rooms: Object.fromEntries(ROOMS.map((r) => [r, 'owner'])) };

let s3: TestS3;
let gate: S3PresignGate;
let db: TestDatabase;
let jibri: FakeJibri;
let svc: ServiceProcess;
let workDir: string;
const issuedUrls: string[] = [];
const finalizeOutput: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server({ bucket: BUCKET });
  gate = await startS3PresignGate(s3);
  db = await createTestDatabase();
  jibri = await FakeJibri.start({ jibriId: 'jibri-guard' });
  svc = await serviceProcess({
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    LOG_LEVEL: 'debug',
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    JIBRI_URLS: jibri.url,
    JIBRI_IDS: jibri.jibriId,
    JITSI_BASE_URL: 'https://meet.example.org',
    JIBRI_XMPP_DOMAIN: 'recorder.meet.example.org',
    JIBRI_XMPP_USERNAME: 'recorder',
    JIBRI_XMPP_PASSWORD: 'recorder-secret',
    JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN,
    // JIBRI_UPLOAD_URL_TTL_SECONDS unset: the default applies.
    AWS_S3_ENDPOINT_URL: gate.url,
    AWS_S3_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_STORAGE_BUCKET_NAME: BUCKET,
  });
  await svc.start();
  workDir = await mkdtemp(path.join(tmpdir(), 'jibri-guard-'));
}, 60_000);

afterAll(async () => {
  await killAllServiceProcesses();
  await jibri?.close();
  await gate?.close();
  await s3?.close();
  await db?.drop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  gate.seen.length = 0;
  gate.beforePresignedPut = null;
});

const mp4 = () => Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42'), randomBytes(200_000)]);
const keyOf = (id: string) => `recordings/${id}.mp4`;

async function stoppedJibriRecording(room: string): Promise<string> {
  const started = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(started.status).toBe(201);
  expect((await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).send()).status).toBe(200);
  return started.body.id as string;
}

/** The upload capability the service handed the fake Jibri in this recording's startService request. */
function capabilityOf(id: string): string {
  const capability = uploadCapabilityOf(sessionOf([jibri], id));
  if (!capability) throw new Error(`no upload capability in the start request of ${id}`);
  return capability;
}

/** As finalize.sh asks: the pool's token and, unless told otherwise, the recording's own capability. */
async function askUploadUrl(id: string, capability: string | null = capabilityOf(id)) {
  let req = request(svc.url).post(`/api/v1.0/recordings/${id}/upload-url/`).set('Authorization', `Bearer ${UPLOAD_TOKEN}`);
  if (capability !== null) req = req.set('X-Recorder-Upload-Capability', capability);
  const res = await req.send({});
  if (res.status === 200) issuedUrls.push(res.body.url as string);
  return res;
}

/** A PUT straight to the storage with a pre-signed URL, as anyone holding it could send. */
function putWithUrl(url: string, bytes: Buffer, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'video/mp4', ...headers }, signal: AbortSignal.timeout(10_000) });
}

/** The directory as Jibri leaves it: the MP4 and the metadata.json Jibri writes from the start request. */
async function sessionDir(id: string, bytes: Buffer, metadata = jibriMetadataJson(sessionOf([jibri], id))): Promise<string> {
  const dir = path.join(workDir, `${id}-${randomBytes(3).toString('hex')}`, id);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'meeting_2026-05-04-09-27-27.mp4'), bytes);
  await writeFile(path.join(dir, 'metadata.json'), metadata);
  return dir;
}

async function finalize(dir: string, env: Record<string, string> = {}) {
  const run = await runFinalizeScript(dir, { RECORDER_SERVICE_URL: svc.url, JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN, ...env });
  finalizeOutput.push(run.stdout, run.stderr);
  return run;
}

describe('JIBRI_UPLOAD_URL_TTL_SECONDS', () => {
  it('defaults to 600 and is bounded to 60..1800 seconds', () => {
    expect(loadConfig({}).jibri.uploadUrlTtlSeconds).toBe(600);
    expect(loadConfig({ JIBRI_UPLOAD_URL_TTL_SECONDS: '60' }).jibri.uploadUrlTtlSeconds).toBe(60);
    expect(loadConfig({ JIBRI_UPLOAD_URL_TTL_SECONDS: '1800' }).jibri.uploadUrlTtlSeconds).toBe(1800);
    for (const bad of ['59', '1801', '3600', '604800', '10m']) {
      expect(() => loadConfig({ JIBRI_UPLOAD_URL_TTL_SECONDS: bad })).toThrow(/^JIBRI_UPLOAD_URL_TTL_SECONDS: expected a whole number from 60 to 1800$/);
    }
  });
});

describe('an upload URL can create the file, never replace it', () => {
  let id: string;
  let bytes: Buffer;

  it('is create-only: signed for If-None-Match: *, valid the default 10 minutes; the storage refuses it without that header', async () => {
    id = await stoppedJibriRecording('g-url');
    const before = Date.now();
    const res = await askUploadUrl(id);
    expect(res.status).toBe(200);
    expect(res.body.key).toBe(keyOf(id));
    const url = new URL(res.body.url);
    expect(`${url.protocol}//${url.host}`).toBe(gate.url);
    expect(url.pathname).toBe(`/${BUCKET}/${keyOf(id)}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;if-none-match');
    const expiresAt = Date.parse(res.body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
    // Checked independently with the AWS SDK signer, for the PUT finalize.sh makes.
    const creds = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region };
    const put = { method: 'PUT', host: url.host, path: url.pathname, query: url.searchParams };
    expect(await checkPresignedRequest({ ...put, headers: { 'if-none-match': '*' } }, creds)).toBe('forwarded');

    // Without the header, or with another condition, the storage says no and stores nothing.
    expect((await putWithUrl(res.body.url, mp4())).status).toBe(403);
    expect((await putWithUrl(res.body.url, mp4(), { 'If-None-Match': '"0123"' })).status).toBe(403);
    expect(gate.seen.filter((r) => r.presigned).map((r) => r.verdict)).toEqual(['unsigned-header-missing', 'bad-signature']);
    expect(await s3.hasObject(keyOf(id))).toBe(false);
  });

  it('finalize.sh uploads with If-None-Match: *, and the storage accepts its signature', async () => {
    id = await stoppedJibriRecording('g-file'); // g-url's one URL went to the test above
    bytes = mp4();
    const run = await finalize(await sessionDir(id, bytes));
    expect(run.stderr).toContain(`uploaded recording ${id}`);
    expect(run.code).toBe(0);
    const puts = gate.seen.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ presigned: true, verdict: 'forwarded', path: `/${BUCKET}/${keyOf(id)}` });
    expect(puts[0]!.headers['if-none-match']).toBe('*');
    expect((await s3.getObject(keyOf(id))).equals(bytes)).toBe(true);
  });

  it('is refused with 409 once the file is in storage, before the storage event saved it; finalize.sh then stops with exit 6', async () => {
    expect(await statusOf(db.url, id)).toBe('stopped');
    const again = await askUploadUrl(id);
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already in storage/);
    expect(again.body.url).toBeUndefined();

    const dir = await sessionDir(id, mp4());
    const run = await finalize(dir, { JIBRI_FINALIZE_MAX_ATTEMPTS: '3', JIBRI_FINALIZE_DELETE: 'true' });
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(new RegExp(`recording ${id} is already in storage \\(the recording service answered HTTP 409: .*already in storage.*\\); nothing uploaded, the local file is kept`));
    expect(run.stderr).not.toMatch(/retrying/);
    expect(existsSync(path.join(dir, 'meeting_2026-05-04-09-27-27.mp4'))).toBe(true);
    expect(gate.seen.filter((r) => r.method === 'PUT')).toHaveLength(0);
    expect((await s3.getObject(keyOf(id))).equals(bytes)).toBe(true);
  });

  it('is refused with 403 once the recording is saved', async () => {
    id = await stoppedJibriRecording('g-saved'); // g-file's 409 keeps it unsaved
    expect((await finalize(await sessionDir(id, mp4()))).code).toBe(0);
    const stat = await s3.client.statObject(BUCKET, keyOf(id));
    const event = minioFixture('put-recording.json', id) as { Records: { s3: { object: { size: number; eTag: string } } }[] };
    event.Records[0]!.s3.object.size = stat.size;
    event.Records[0]!.s3.object.eTag = stat.etag;
    expect((await postStorageEvent(svc.url, event)).status).toBe(200);
    expect(['saved', 'notification_succeeded']).toContain(await statusOf(db.url, id));
    const res = await askUploadUrl(id);
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/takes no upload/);
  });
});

describe('one upload URL per recording, only once it stopped', () => {
  it('refuses a URL while the recording is active (425), then issues one, once: a second request is a 409 alert and finalize.sh exits 6 with the recording left unsaved', async () => {
    const started = await request(svc.url).post('/api/v1.0/rooms/g-once/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const early = await askUploadUrl(id);
    expect(early.status).toBe(425);
    expect(early.body.url).toBeUndefined();
    expect(await statusOf(db.url, id)).toBe('active');

    expect((await request(svc.url).post('/api/v1.0/rooms/g-once/stop-recording/').set(bearer(owner)).send()).status).toBe(200);
    // Whoever asks first (here: a leaked token) gets the one URL ...
    expect((await askUploadUrl(id)).status).toBe(200);
    // ... and the real Jibri's finalize.sh then gets a 409: an alert, not success.
    const run = await finalize(await sessionDir(id, mp4()), { JIBRI_FINALIZE_MAX_ATTEMPTS: '3' });
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/ALERT: someone else uploaded recording .* or holds the upload token/);
    expect(run.stderr).toMatch(/HTTP 409: An upload URL was already issued for this recording/);
    expect(run.stderr).not.toMatch(/retrying/);
    expect(gate.seen.filter((r) => r.method === 'PUT')).toHaveLength(0);
    expect(await statusOf(db.url, id)).toBe('stopped');
    await eventually(async () => svc.output().includes('jibri_upload_url_requested_twice'), 5000, 'the alert in the service log');
  });
});

describe('a URL handed out before the file landed', () => {
  it('cannot replace the file that landed since: the storage answers 412, with or without the header', async () => {
    const id = await stoppedJibriRecording('g-stale');
    const early = await askUploadUrl(id);
    expect(early.status).toBe(200);
    const first = mp4();
    expect((await putWithUrl(early.body.url, first, { 'If-None-Match': '*' })).status).toBe(200);

    // The same URL again (leaked, or replayed within its lifetime).
    expect((await putWithUrl(early.body.url, mp4(), { 'If-None-Match': '*' })).status).toBe(412);
    expect((await putWithUrl(early.body.url, mp4())).status).toBe(403);
    expect((await s3.getObject(keyOf(id))).equals(first)).toBe(true);
  });

  it('finalize.sh treats the storage 412 as final (exit 6) when another upload landed between its URL and its PUT', async () => {
    const id = await stoppedJibriRecording('g-race');
    const winner = mp4();
    gate.beforePresignedPut = async (key) => {
      gate.beforePresignedPut = null;
      await s3.putObject(key, winner, 'video/mp4');
    };
    const run = await finalize(await sessionDir(id, mp4()), { JIBRI_FINALIZE_MAX_ATTEMPTS: '3' });
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(new RegExp(`recording ${id} is already in storage \\(the storage answered HTTP 412.*\\); nothing uploaded, the local file is kept`));
    expect(run.stderr).not.toMatch(/retrying/);
    expect(gate.seen.filter((r) => r.method === 'PUT').map((r) => r.verdict)).toEqual(['precondition-failed']);
    expect((await s3.getObject(keyOf(id))).equals(winner)).toBe(true);
  });
});

describe('credentials stay out of logs', () => {
  it('neither the service (at debug level) nor finalize.sh prints the token or an upload URL', () => {
    expect(issuedUrls.length).toBeGreaterThanOrEqual(2);
    const serviceLogs = svc.output();
    expect(serviceLogs).toMatch(/upload URL issued to Jibri/);
    expect(serviceLogs).toMatch(/upload URL refused: the file is already in storage/);
    const printed = [serviceLogs, ...finalizeOutput].join('\n');
    expect(printed).not.toContain(UPLOAD_TOKEN);
    for (const session of jibri.startedSessions) expect(printed).not.toContain(capabilityOf(session.sessionId as string));
    expect(printed).not.toMatch(/X-Amz-Signature|X-Amz-Credential/i);
    for (const url of issuedUrls) {
      expect(printed).not.toContain(new URL(url).searchParams.get('X-Amz-Signature')!);
      expect(printed).not.toContain(url);
    }
  });
});
