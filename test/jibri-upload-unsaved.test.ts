import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { FakeJibri, jibriMetadataJson, sessionOf, uploadCapabilityOf } from './fakes/jibri-server';
import { runFinalizeScript } from './helpers/finalize-script';
import { eventually, minioFixture, postStorageEvent, queryDb, statusOf } from './helpers/flow';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { killAllServiceProcesses, serviceProcess, type ServiceProcess } from './helpers/service-process';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, type TestUser } from './helpers/service';

/**
 * Who may upload a Jibri recording's file, and which file saves it: only the recording's own
 * Jibri gets its URL (the upload capability), and only a file that came through that one URL,
 * with no 409 answered since, makes the recording saved. The real service process, s3rver and
 * deploy/jibri/finalize.sh.
 */

const UPLOAD_TOKEN = 'jibri-upload-token-for-unsaved-tests-01';
const BUCKET = 'meet-media-storage';
const ROOMS = ['u-cap', 'u-cap2', 'u-bare', 'u-twice', 'u-stored', 'u-quiet'];
const owner: TestUser = { sub: 'unsaved-owner', email: 'owner@example.org', rooms: Object.fromEntries(ROOMS.map((r) => [r, 'owner'])) };

let s3: TestS3;
let db: TestDatabase;
let jibri: FakeJibri;
let svc: ServiceProcess;
let workDir: string;

beforeAll(async () => {
  s3 = await startS3Server({ bucket: BUCKET });
  db = await createTestDatabase();
  jibri = await FakeJibri.start({ jibriId: 'jibri-unsaved' });
  svc = await serviceProcess({
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    LOG_LEVEL: 'info',
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    JIBRI_URLS: jibri.url,
    JIBRI_IDS: jibri.jibriId,
    JITSI_BASE_URL: 'https://meet.example.org',
    JIBRI_XMPP_DOMAIN: 'recorder.meet.example.org',
    JIBRI_XMPP_USERNAME: 'recorder',
    JIBRI_XMPP_PASSWORD: 'recorder-secret',
    JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN,
    // The reconciler looks for a stopped recording's file soon, as it would after a lost storage event.
    RECONCILE_INTERVAL_MS: '200',
    RECONCILE_STOPPED_GRACE_MS: '300',
    ...s3Env(s3),
  });
  await svc.start();
  workDir = await mkdtemp(path.join(tmpdir(), 'jibri-unsaved-'));
}, 60_000);

afterAll(async () => {
  await killAllServiceProcesses();
  await jibri?.close();
  await s3?.close();
  await db?.drop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const mp4 = () => Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42'), randomBytes(50_000)]);
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
function askUploadUrl(id: string, capability: string | null = capabilityOf(id)) {
  const req = request(svc.url).post(`/api/v1.0/recordings/${id}/upload-url/`).set('Authorization', `Bearer ${UPLOAD_TOKEN}`);
  if (capability !== null) req.set('X-Recorder-Upload-Capability', capability);
  return req.send({});
}

/** The directory as Jibri leaves it: the MP4 and the metadata.json Jibri writes from the start request. */
async function sessionDir(id: string, bytes: Buffer, metadata = jibriMetadataJson(sessionOf([jibri], id))): Promise<string> {
  const dir = path.join(workDir, `${id}-${randomBytes(3).toString('hex')}`, id);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'meeting_2026-05-04-09-27-27.mp4'), bytes);
  await writeFile(path.join(dir, 'metadata.json'), metadata);
  return dir;
}

function finalize(dir: string, env: Record<string, string> = {}) {
  return runFinalizeScript(dir, { RECORDER_SERVICE_URL: svc.url, JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN, ...env });
}

/** What MinIO posts once an object landed under the recording's key. */
function storageEventFor(id: string, size: number) {
  const event = minioFixture('put-recording.json', id) as { Records: { s3: { object: { size: number } } }[] };
  event.Records[0]!.s3.object.size = size;
  return postStorageEvent(svc.url, event);
}

async function compositeStatusOf(id: string): Promise<string | undefined> {
  const rows = await queryDb<{ status: string }>(db.url, `SELECT status FROM recording_files WHERE recording_id = $1 AND kind = 'composite'`, [id]);
  return rows[0]?.status;
}

describe('the upload capability binds the URL to the recording and its Jibri', () => {
  it("refuses the pool token without this recording's capability (none, another recording's, a forged one): 403 and an alert, and the one URL is still there for its own Jibri", async () => {
    const id = await stoppedJibriRecording('u-cap');
    const other = await stoppedJibriRecording('u-cap2');
    const own = capabilityOf(id);
    expect(own).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(capabilityOf(other)).not.toBe(own);

    for (const capability of [null, capabilityOf(other), randomBytes(32).toString('base64url'), `${own}x`, '']) {
      const res = await askUploadUrl(id, capability);
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(/upload capability/);
      expect(res.body.url).toBeUndefined();
    }
    await eventually(async () => svc.output().includes('jibri_upload_capability_mismatch'), 5000, 'the alert in the service log');

    // Only the hash is kept on the row.
    const [row] = await queryDb<{ hash: Buffer; whole: string }>(db.url, 'SELECT jibri_upload_capability_hash AS hash, row_to_json(r)::text AS whole FROM recordings r WHERE id = $1', [id]);
    expect(row!.hash.equals(createHash('sha256').update(own).digest())).toBe(true);
    expect(row!.whole).not.toContain(own);

    // finalize.sh without the capability in metadata.json asks nothing; with it, it uploads.
    const bare = await finalize(await sessionDir(id, mp4(), JSON.stringify({ meeting_url: 'https://meet.example.org/u-cap', participants: [] })));
    expect(bare.code).toBe(3);
    expect(bare.stderr).toMatch(/no upload capability for recording/);
    const bytes = mp4();
    const run = await finalize(await sessionDir(id, bytes));
    expect(run.code).toBe(0);
    expect(await s3.hasObject(keyOf(id))).toBe(true);

    // The file that came through the one URL saves the recording.
    expect((await storageEventFor(id, bytes.length)).body).toEqual({ message: 'Event processed.' });
    expect(['saved', 'notification_succeeded']).toContain(await statusOf(db.url, id));
    expect(await compositeStatusOf(id)).toBe('saved');
    expect(svc.output()).not.toContain(`ALERT: a file landed under Jibri recording ${id}`);
  });
});

describe('a file that did not come through the URL issued to its Jibri leaves the recording unsaved', () => {
  it('no URL was ever issued: the storage event saves nothing and logs an alert', async () => {
    const id = await stoppedJibriRecording('u-bare');
    const forged = mp4();
    await s3.putObject(keyOf(id), forged, 'video/mp4');
    const hook = await storageEventFor(id, forged.length);
    expect(hook.status).toBe(200);
    expect(hook.body).toEqual({ message: 'Notification ignored.' });
    expect(await statusOf(db.url, id)).toBe('stopped');
    expect(await compositeStatusOf(id)).toBe('pending');
    await eventually(async () => svc.output().includes(`"alert":"jibri_file_without_upload_url","recordingId":"${id}"`), 5000, 'the alert in the service log');
    // Its own Jibri, asking afterwards, gets the 409 alert and the recording stays unsaved.
    expect((await askUploadUrl(id)).status).toBe(409);
    expect(await statusOf(db.url, id)).toBe('stopped');
  });

  it('the URL went to a first asker and its own Jibri got the 409: the file that first asker uploads saves nothing', async () => {
    const id = await stoppedJibriRecording('u-twice');
    const first = await askUploadUrl(id);
    expect(first.status).toBe(200);
    const run = await finalize(await sessionDir(id, mp4()), { JIBRI_FINALIZE_MAX_ATTEMPTS: '2' });
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/HTTP 409: An upload URL was already issued/);

    const forged = mp4();
    const put = await fetch(first.body.url, { method: 'PUT', body: forged, headers: { 'Content-Type': 'video/mp4', 'If-None-Match': '*' }, signal: AbortSignal.timeout(10_000) });
    expect(put.status).toBe(200);
    expect((await storageEventFor(id, forged.length)).body).toEqual({ message: 'Notification ignored.' });
    expect(await statusOf(db.url, id)).toBe('stopped');
    expect(await compositeStatusOf(id)).toBe('pending');
    await eventually(async () => svc.output().includes(`"alert":"jibri_file_after_upload_refused","recordingId":"${id}"`), 5000, 'the alert in the service log');
  });

  it('the file was already in storage when its Jibri asked (409): its storage event, coming later, saves nothing', async () => {
    const id = await stoppedJibriRecording('u-stored');
    const issued = await askUploadUrl(id);
    expect(issued.status).toBe(200);
    const landed = mp4();
    await s3.putObject(keyOf(id), landed, 'video/mp4');
    const again = await askUploadUrl(id);
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already in storage/);
    expect((await storageEventFor(id, landed.length)).body).toEqual({ message: 'Notification ignored.' });
    expect(await statusOf(db.url, id)).toBe('stopped');
    await eventually(async () => svc.output().includes(`"alert":"jibri_file_after_upload_refused","recordingId":"${id}"`), 5000, 'the alert in the service log');
  });

  it('the reconciler, finding such a file without a storage event, does not save it either', async () => {
    const id = await stoppedJibriRecording('u-quiet');
    await s3.putObject(keyOf(id), mp4(), 'video/mp4');
    await eventually(async () => svc.output().includes(`"alert":"jibri_untrusted_file","recordingId":"${id}"`), 10_000, 'the reconciler\'s alert');
    expect(await statusOf(db.url, id)).toBe('stopped');
    expect(await compositeStatusOf(id)).toBe('pending');
  });
});
