import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { FakeJibri, jibriMetadataJson, sessionOf, uploadCapabilityOf } from './fakes/jibri-server';
import { runFinalizeScript } from './helpers/finalize-script';
import { eventually, jobsSettled, queryDb, statusOf } from './helpers/flow';
import { jibriPoolEnv } from './helpers/jibri-env';
import { probeMedia, testPart, JOIN_ENV } from './helpers/media';
import { storeEvent } from './helpers/minio-events';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { bearer, type TestUser } from './helpers/service';
import { startStack, type TestStack } from './helpers/stack';

/**
 * Pause and resume of a Jitsi recording: each stretch is its own session on a fake Jibri of the
 * pool, and each session's finalize script (deploy/jibri/finalize.sh, run for real as Jibri runs
 * it) uploads a real MP4 through the upload URL that its own capability gets, to the stretch's
 * part key. After the stop the service joins the parts into the recording's one key.
 */

const UPLOAD_TOKEN = 'jibri-upload-token-for-pause-tests';
const OPERATOR_TOKEN = 'operator-token-for-pause-tests-0123456789';
const owner: TestUser = { sub: 'jibri-pause-owner', email: 'jibri-pause-owner@example.org', rooms: { 'j-two': 'owner', 'j-caps': 'owner' } };

let s3: TestS3;
let stack: TestStack;
let jibris: FakeJibri[];
let workDir: string;

beforeAll(async () => {
  s3 = await startS3Server();
  jibris = await Promise.all([FakeJibri.start({ jibriId: 'jibri-p1' }), FakeJibri.start({ jibriId: 'jibri-p2' })]);
  stack = await startStack({
    ...s3Env(s3),
    ...jibriPoolEnv(jibris),
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN,
    OPERATOR_TOKEN,
    WEBHOOK_URLS: 'http://127.0.0.1:9/hook',
    WEBHOOK_SECRET: 'whsec_' + Buffer.alloc(24, 5).toString('base64'),
    WEBHOOK_MAX_ATTEMPTS: '1',
    ...JOIN_ENV,
  });
  workDir = await mkdtemp(path.join(os.tmpdir(), 'pause-jibri-'));
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await Promise.all((jibris ?? []).map((j) => j.close()));
  await s3?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const post = (room: string, what: string) =>
  request(stack.svc.url).post(`/api/v1.0/rooms/${room}/${what}-recording/`).set(bearer(owner)).send(what === 'start' ? { mode: 'screen_recording' } : undefined);

/** The fake Jibri that took session `sessionId`. */
function jibriOf(sessionId: string): FakeJibri {
  const found = jibris.find((j) => j.startedSessions.some((s) => s.sessionId === sessionId));
  if (!found) throw new Error(`no fake Jibri took session ${sessionId}`);
  return found;
}

/**
 * What a Jibri does once a session stopped: it leaves `<recordings dir>/<sessionId>/` with the
 * MP4 and metadata.json, and runs finalize.sh on it; MinIO then tells the service of the PUT.
 */
async function jibriFinalizes(sessionId: string, seconds: number): Promise<string> {
  const jibri = jibriOf(sessionId);
  const dir = path.join(workDir, jibri.jibriId, sessionId);
  await mkdir(dir, { recursive: true });
  const media = await testPart(seconds);
  await writeFile(path.join(dir, 'room_2026-12-07-10-00-00.mp4'), media.bytes);
  await writeFile(path.join(dir, 'metadata.json'), jibriMetadataJson(sessionOf([jibri], sessionId)));
  const run = await runFinalizeScript(dir, { RECORDER_SERVICE_URL: stack.svc.url, JIBRI_UPLOAD_TOKEN: UPLOAD_TOKEN });
  expect(run.stderr).toMatch(/uploaded recording/);
  expect(run.code).toBe(0);
  const key = (await objectsUnder('recordings/')).find((k) => !uploaded.has(k))!;
  uploaded.add(key);
  await storeEvent(stack.svc.url, s3.bucket, key, { size: media.bytes.length });
  return key;
}
const uploaded = new Set<string>();

async function objectsUnder(prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of s3.client.listObjectsV2(s3.bucket, prefix, true)) if (item.name) names.push(item.name);
  return names.sort();
}

/** POST upload-url as finalize.sh does, with `capability` and, for a resumed stretch, `?part=`. */
function askUploadUrl(id: string, capability: string, part?: number) {
  return request(stack.svc.url)
    .post(`/api/v1.0/recordings/${id}/upload-url/${part !== undefined ? `?part=${part}` : ''}`)
    .set('Authorization', `Bearer ${UPLOAD_TOKEN}`)
    .set('X-Recorder-Upload-Capability', capability)
    .set('Content-Type', 'application/json')
    .send('{}');
}

it('Jibri: two sessions on two different fake Jibris, one joined file', async () => {
  const start = await post('j-two', 'start');
  expect(start.status).toBe(201);
  const id = start.body.id as string;
  const first = jibriOf(id);
  expect((await post('j-two', 'pause')).body.status).toBe('paused');
  expect(first.requestsTo('stopService')).toHaveLength(1);
  expect(first.busyStatus).toBe('IDLE');
  // Its Jibri uploads it to its part key: the join never takes a file from the recording's own key.
  const [part0] = await queryDb<{ written: string; part: string }>(stack.svc.db.url, 'SELECT written_key AS written, part_key AS part FROM recording_parts WHERE recording_id = $1 AND seq = 0', [id]);
  expect(part0).toEqual({ written: `${id}/parts/000.mp4`, part: `${id}/parts/000.mp4` });

  // The first session's file goes to its part key, and its storage event does not save the recording.
  expect(await jibriFinalizes(id, 2)).toBe(`recordings/${id}/parts/000.mp4`);
  expect(await statusOf(stack.svc.db.url, id)).toBe('paused');

  // The first Jibri is out of the pool now: the resumed stretch goes to the other one.
  first.setUnhealthy();
  const resumed = await post('j-two', 'resume');
  expect(resumed.status).toBe(200);
  expect(resumed.body.status).toBe('active');
  first.setUnhealthy(false);
  const second = jibriOf(`${id}-part-1`);
  expect(second).not.toBe(first);
  expect(uploadCapabilityOf(sessionOf([second], `${id}-part-1`))).not.toBe(uploadCapabilityOf(sessionOf([first], id)));
  // Operators see the recording on the Jibri that records its stretch, not the session's name.
  const pool = await request(stack.svc.url).get('/api/v1.0/recorders/').set('Authorization', `Bearer ${OPERATOR_TOKEN}`);
  expect(pool.body.results.find((r: { recording: string | null }) => r.recording !== null)).toMatchObject({ state: 'busy', recording: id });

  expect((await post('j-two', 'stop')).body.status).toBe('stopped');
  expect(second.requestsTo('stopService')).toHaveLength(1);
  expect(await jibriFinalizes(`${id}-part-1`, 3)).toBe(`recordings/${id}/parts/001.mp4`);

  await eventually(async () => (await statusOf(stack.svc.db.url, id)) === 'notification_succeeded', 30_000, 'the joined recording saved and mailed');
  const file = path.join(workDir, `${id}.mp4`);
  await writeFile(file, await s3.getObject(`recordings/${id}.mp4`));
  const probe = await probeMedia(file);
  expect(Math.abs(probe.durationSeconds - 5)).toBeLessThanOrEqual(1);
  expect(await objectsUnder(`recordings/${id}/`)).toEqual([]);

  await jobsSettled(stack.svc.db.url, 'email.%');
  expect(stack.smtp.messages.filter((m) => JSON.stringify(m).includes(id))).toHaveLength(1);
  await jobsSettled(stack.svc.db.url, 'webhook.ready');
  const ready = await queryDb<{ n: number }>(stack.svc.db.url, `SELECT count(*)::int AS n FROM jobs WHERE recording_id = $1 AND kind = 'webhook.delivery' AND payload->>'type' = 'recording.ready'`, [id]);
  expect(ready[0]!.n).toBe(1);
  const got = await request(stack.svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(got.body).toMatchObject({ status: 'notification_succeeded', reason: null });
  expect(got.body.segments).toHaveLength(2);
}, 60_000);

it("Jibri: a stretch's capability opens that stretch's part only, once, after its session stopped", async () => {
  const id = (await post('j-caps', 'start')).body.id as string;
  const cap0 = uploadCapabilityOf(sessionOf(jibris, id))!;
  expect((await post('j-caps', 'pause')).status).toBe(200);
  expect((await post('j-caps', 'resume')).status).toBe(200);
  const cap1 = uploadCapabilityOf(sessionOf(jibris, `${id}-part-1`))!;
  // Still recording: too early.
  expect((await askUploadUrl(id, cap1, 1)).status).toBe(425);
  expect((await post('j-caps', 'pause')).status).toBe(200);
  expect((await post('j-caps', 'resume')).status).toBe(200);
  const cap2 = uploadCapabilityOf(sessionOf(jibris, `${id}-part-2`))!;
  expect((await post('j-caps', 'stop')).status).toBe(200);

  // Stretch 1's capability is refused for stretch 2 and for the recording's own key; stretch 2's and the first stretch's for stretch 1.
  const forPart2 = await askUploadUrl(id, cap1, 2);
  expect(forPart2.status).toBe(403);
  expect(forPart2.body.url).toBeUndefined();
  expect((await askUploadUrl(id, cap1)).status).toBe(403);
  expect((await askUploadUrl(id, cap2, 1)).status).toBe(403);
  expect((await askUploadUrl(id, cap0, 1)).status).toBe(403);
  expect((await askUploadUrl(id, cap1, 0)).status).toBe(400);

  // Each capability gets its own stretch's part key, never the recording's.
  const url1 = await askUploadUrl(id, cap1, 1);
  expect(url1.status).toBe(200);
  expect(url1.body.key).toBe(`recordings/${id}/parts/001.mp4`);
  expect(new URL(url1.body.url as string).pathname).toMatch(new RegExp(`/recordings/${id}/parts/001\\.mp4$`));
  const url0 = await askUploadUrl(id, cap0);
  expect(url0.status).toBe(200);
  expect(url0.body.key).toBe(`recordings/${id}/parts/000.mp4`);
  // Once only: a second request for stretch 1 is an alert, and the recording is kept unsaved.
  expect((await askUploadUrl(id, cap1, 1)).status).toBe(409);
  const [row] = await queryDb<{ refused: boolean }>(stack.svc.db.url, 'SELECT jibri_upload_refused_at IS NOT NULL AS refused FROM recordings WHERE id = $1', [id]);
  expect(row!.refused).toBe(true);
}, 30_000);
