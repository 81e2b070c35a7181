import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { eventually, statusOf } from './helpers/flow';
import { probeMedia } from './helpers/media';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { storeEvent } from './helpers/tracks';

/**
 * The sandbox worker for real: the service records with a real ffmpeg (or, without one, the
 * bundled clip), uploads to s3rver, and what lands there is checked with ffprobe.
 */

const FFMPEG = process.env.TEST_FFMPEG_BIN || 'ffmpeg';
const SANDBOX_MODES = JSON.stringify({ screen_recording: 'sandbox', transcript: 'sandbox-audio' });
/** How long each recording runs: long enough that a wrong duration cannot pass as right. */
const RECORD_MS = 3000;

const owner: TestUser = {
  sub: 'sandbox-owner',
  email: 'owner@example.org',
  rooms: Object.fromEntries(['sb-video', "sb:audio's", 'sb-clip'].map((r) => [r, 'owner'])),
};

let s3: TestS3;
let svc: TestService;
let noFfmpeg: TestService;
let workDir: string;

beforeAll(async () => {
  s3 = await startS3Server();
  const env = { ...s3Env(s3), RECORDING_WORKERS: SANDBOX_MODES };
  [svc, noFfmpeg] = await Promise.all([
    startTestService({ ...env, SANDBOX_FFMPEG_PATH: FFMPEG }),
    startTestService({ ...env, SANDBOX_FFMPEG_PATH: '/nonexistent/bin/ffmpeg' }),
  ]);
  workDir = await mkdtemp(path.join(tmpdir(), 'sandbox-test-'));
});

afterAll(async () => {
  await Promise.all([svc?.close(), noFfmpeg?.close()]);
  await s3?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/**
 * Starts a recording, lets it run RECORD_MS, stops it; the recording's own length is the time
 * between the start's answer and the stop's request.
 */
async function record(url: string, room: string, body: object): Promise<{ id: string; key: string; seconds: number }> {
  const start = await request(url).post(`/api/v1.0/rooms/${encodeURIComponent(room)}/start-recording/`).set(bearer(owner)).send(body);
  expect(start.status).toBe(201);
  const startedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, RECORD_MS)); // the recording itself, not a wait for a condition
  const stoppedAt = Date.now();
  const stop = await request(url).post(`/api/v1.0/rooms/${encodeURIComponent(room)}/stop-recording/`).set(bearer(owner)).send();
  expect(stop.status).toBe(200);
  expect(stop.body.status).toBe('stopped');
  return { id: start.body.id as string, key: start.body.key as string, seconds: (stoppedAt - startedAt) / 1000 };
}

/** Waits for the object to land, then writes it to a file for ffprobe. */
async function landed(key: string): Promise<{ file: string; bytes: Buffer }> {
  await eventually(() => s3.hasObject(key), 15_000, `${key} in storage`);
  const bytes = await s3.getObject(key);
  const file = path.join(workDir, key.replace(/\//g, '_'));
  await writeFile(file, bytes);
  return { file, bytes };
}

it('records a test picture and tone for as long as the recording runs and uploads a playable MP4 under its key', async () => {
  const { id, key, seconds } = await record(svc.url, 'sb-video', { mode: 'screen_recording' });
  expect(key).toBe(`recordings/${id}.mp4`);
  const { file } = await landed(key);
  const probe = await probeMedia(file);
  expect(probe.streams.map((s) => `${s.codecType}:${s.codecName}`).sort()).toEqual(['audio:aac', 'video:h264']);
  expect(Math.abs(probe.durationSeconds - seconds)).toBeLessThan(1);
  // MinIO's event for the upload saves the recording, as for any worker.
  expect(await storeEvent(svc.url, s3.bucket, key, { contentType: 'video/mp4' })).toBe('Event processed.');
  expect(await statusOf(svc.db.url, id)).toBe('saved');
});

it('records a tone as OGG and, with participant tracks, one OGG per pretend participant under the track keys', async () => {
  const { id, key, seconds } = await record(svc.url, "sb:audio's", { mode: 'transcript', options: { participant_tracks: 'audio' } });
  expect(key).toBe(`recordings/${id}.ogg`);
  const tracks = ['TR_SandboxAlice', 'TR_SandboxBob'].map((trackId) => `recordings/${id}/${trackId}.ogg`);
  const probes = await Promise.all([key, ...tracks].map(async (k) => probeMedia((await landed(k)).file)));
  for (const probe of probes) {
    expect(probe.streams).toEqual([{ codecType: 'audio', codecName: 'opus' }]);
    expect(Math.abs(probe.durationSeconds - seconds)).toBeLessThan(1);
  }
  const files = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(files.status).toBe(200);
  expect(JSON.stringify(files.body)).toContain('sandbox-alice');
});

it('uploads the bundled clip when ffmpeg cannot be run', async () => {
  const { id, key } = await record(noFfmpeg.url, 'sb-clip', { mode: 'screen_recording' });
  const { bytes } = await landed(key);
  expect(bytes.equals(readFileSync(path.resolve(__dirname, '../src/recording/workers/sandbox/clip.mp4')))).toBe(true);
  expect(await storeEvent(noFfmpeg.url, s3.bucket, key, { contentType: 'video/mp4' })).toBe('Event processed.');
  expect(await statusOf(noFfmpeg.db.url, id)).toBe('saved');
});
