import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { loadConfig } from '../src/config/config';
import { SandboxJobs, SandboxWorker } from '../src/recording/workers/sandbox/sandbox-worker';
import { WorkerError } from '../src/recording/workers/worker-service';
import { eventually, queryDb, statusOf } from './helpers/flow';
import { probeMedia } from './helpers/media';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { bearer, startTestService, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, type TestService, type TestUser } from './helpers/service';
import { storeEvent } from './helpers/minio-events';

/**
 * The sandbox worker for real: the service records with a real ffmpeg (or, without one, the
 * bundled clip), uploads to s3rver, and what lands there is checked with ffprobe.
 */

const FFMPEG = process.env.TEST_FFMPEG_BIN || 'ffmpeg';
const run = promisify(execFile);
const SANDBOX_MODES = JSON.stringify({ screen_recording: 'sandbox', transcript: 'sandbox-audio' });
/** How long each recording runs: long enough that a wrong duration cannot pass as right. */
const RECORD_MS = 3000;

const owner: TestUser = {
  sub: 'sandbox-owner',
  email: 'owner@example.org',
  rooms: Object.fromEntries(["sb:video's,[1]", "sb:audio's", 'sb-clip'].map((r) => [r, 'owner'])),
};

let s3: TestS3;
let svc: TestService;
let noFfmpeg: TestService;
let svcClosed = false;
let workDir: string;

/** The temporary folders of these sandbox jobs (each is `sandbox-recording-{job id}-…` under os.tmpdir()). */
async function jobFolders(jobIds: string[]): Promise<string[]> {
  const names = await readdir(tmpdir());
  return names.filter((name) => jobIds.some((id) => name.startsWith(`sandbox-recording-${id}-`)));
}

/** The sandbox job ids of a recording: its composite's and its tracks'. */
async function jobIdsOf(dbUrl: string, recordingId: string): Promise<string[]> {
  const rows = await queryDb<{ id: string }>(
    dbUrl,
    `SELECT worker_id AS id FROM recordings WHERE id = $1 UNION SELECT egress_id FROM recording_files WHERE recording_id = $1 AND egress_id IS NOT NULL`,
    [recordingId],
  );
  return rows.map((r) => r.id).filter((id) => id.startsWith('SB_'));
}

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
  await Promise.all([svcClosed ? undefined : svc?.close(), noFfmpeg?.close()]);
  // Only when a shutdown test failed: its leftover ffmpeg would keep jest from exiting.
  for (const line of ffmpegChildren()) process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
  await s3?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/**
 * Starts a recording, lets it run RECORD_MS, stops it; the recording's own length is the time
 * between the start's answer and the stop's request.
 */
async function record(url: string, room: string, body: object, recordMs = RECORD_MS): Promise<{ id: string; key: string; seconds: number }> {
  const start = await request(url).post(`/api/v1.0/rooms/${encodeURIComponent(room)}/start-recording/`).set(bearer(owner)).send(body);
  expect(start.status).toBe(201);
  const startedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, recordMs)); // the recording itself, not a wait for a condition
  const stoppedAt = Date.now();
  const stop = await request(url).post(`/api/v1.0/rooms/${encodeURIComponent(room)}/stop-recording/`).set(bearer(owner)).send();
  expect(stop.status).toBe(200);
  expect(stop.body.status).toBe('stopped');
  return { id: start.body.id as string, key: start.body.key as string, seconds: (stoppedAt - startedAt) / 1000 };
}

/** The mean loudness of `seconds` of a file from `from`, in dB (ffmpeg's volumedetect: -91 is silence). */
async function meanVolumeDb(file: string, from: number, seconds: number): Promise<number> {
  const { stderr } = await run(FFMPEG, ['-hide_banner', '-nostdin', '-ss', String(from), '-t', String(seconds), '-i', file, '-af', 'volumedetect', '-f', 'null', '-'], { timeout: 30_000 });
  const mean = /mean_volume: (-?[\d.]+|-inf) dB/.exec(stderr)?.[1];
  if (mean === undefined) throw new Error(`no mean volume for ${file}: ${stderr.slice(-300)}`);
  return mean === '-inf' ? -Infinity : Number(mean);
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
  // A room name filter syntax would choke on: ffmpeg reads it from a file for drawtext.
  const { id, key, seconds } = await record(svc.url, "sb:video's,[1]", { mode: 'screen_recording' });
  expect(key).toBe(`recordings/${id}.mp4`);
  const { file } = await landed(key);
  const probe = await probeMedia(file);
  expect(probe.streams.map((s) => `${s.codecType}:${s.codecName}`).sort()).toEqual(['audio:aac', 'video:h264']);
  expect(Math.abs(probe.durationSeconds - seconds)).toBeLessThan(1);
  // MinIO's event for the upload saves the recording, as for any worker.
  expect(await storeEvent(svc.url, s3.bucket, key, { contentType: 'video/mp4' })).toBe('Event processed.');
  expect(await statusOf(svc.db.url, id)).toBe('saved');
  const jobs = await jobIdsOf(svc.db.url, id);
  expect(jobs).toHaveLength(1);
  await eventually(async () => (await jobFolders(jobs)).length === 0, 5000, 'the temporary folder removed');
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
  // Each talks and is silent in turn (every 4 s: Alice 0-2 s, Bob 1.5-3.5 s).
  const [alice, bob] = [tracks[0]!, tracks[1]!].map((k) => path.join(workDir, k.replace(/\//g, '_')));
  const [aliceTalks, aliceSilent, bobSilent, bobTalks] = await Promise.all([
    meanVolumeDb(alice!, 0.2, 1),
    meanVolumeDb(alice!, 2.2, 0.6),
    meanVolumeDb(bob!, 0.2, 1),
    meanVolumeDb(bob!, 2.1, 0.7),
  ]);
  expect([aliceTalks, bobTalks].every((db) => db > -40)).toBe(true);
  expect([aliceSilent, bobSilent].every((db) => db < -80)).toBe(true);
  const files = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(files.status).toBe(200);
  expect(JSON.stringify(files.body)).toContain('sandbox-alice');
  const jobs = await jobIdsOf(svc.db.url, id);
  expect(jobs).toHaveLength(3);
  await eventually(async () => (await jobFolders(jobs)).length === 0, 5000, 'the temporary folders removed');
});

it('uploads the bundled clip when ffmpeg cannot be run', async () => {
  const { id, key } = await record(noFfmpeg.url, 'sb-clip', { mode: 'screen_recording' }, 0); // the clip is 5 s whatever the length
  const { bytes } = await landed(key);
  expect(bytes.equals(readFileSync(path.resolve(__dirname, '../src/recording/workers/sandbox/clip.mp4')))).toBe(true);
  expect(await storeEvent(noFfmpeg.url, s3.bucket, key, { contentType: 'video/mp4' })).toBe('Event processed.');
  expect(await statusOf(noFfmpeg.db.url, id)).toBe('saved');
});

/** The ffmpeg processes this test process has started (the sandbox's, none of anyone else's). */
function ffmpegChildren(): string[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when the process has no children at all.
  }
  return out.split('\n').filter((line) => line.includes('ffmpeg'));
}

describe('the worker itself (as the mediator and the reconciler call it)', () => {
  let worker: SandboxWorker;

  beforeAll(() => {
    const config = loadConfig({
      ...s3Env(s3),
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
      DATABASE_URL: 'postgres://unused@127.0.0.1:5432/unused', // the worker has no database
      LOG_LEVEL: 'silent',
      RECORDING_WORKERS: SANDBOX_MODES,
      SANDBOX_FFMPEG_PATH: FFMPEG,
      RECORDING_MAX_DURATION: '1500',
    });
    worker = new SandboxWorker('sandbox-audio', new SandboxJobs(config, config.storage!));
  });

  afterAll(() => worker?.close());

  it('reports its jobs as a recorder does and ends one by itself at the time limit', async () => {
    const request = { recordingId: randomUUID(), room: 'sb-limit', objectKey: `recordings/${randomUUID()}.ogg` };
    const id = await worker.start(request);
    expect(await worker.inspect(id)).toEqual({ state: 'active' });
    expect(await worker.findByRecording(request)).toBe(id);
    expect(await worker.findByRecording({ ...request, recordingId: randomUUID() })).toBeNull();
    // RECORDING_MAX_DURATION (1.5 s): ffmpeg ends the file itself and it is uploaded unasked.
    await eventually(async () => (await worker.inspect(id)).state === 'ended', 10_000, 'the job to end at its limit');
    expect(await worker.inspect(id)).toEqual({ state: 'ended', outcome: 'limit_reached' });
    expect(await worker.findByRecording(request)).toBeNull();
    expect(await worker.stop(id)).toBe('stopped');
    const probe = await probeMedia((await landed(request.objectKey)).file);
    expect(Math.abs(probe.durationSeconds - 1.5)).toBeLessThan(0.5);
    expect(await worker.inspect('SB_unknown')).toEqual({ state: 'unknown' });
    const unknownStop = worker.stop('SB_unknown');
    await expect(unknownStop).rejects.toBeInstanceOf(WorkerError);
    await expect(unknownStop).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports a job whose ffmpeg died as failed, and its stop as aborted', async () => {
    const request = { recordingId: randomUUID(), room: 'sb-crash', objectKey: `recordings/${randomUUID()}.ogg` };
    const id = await worker.start(request);
    expect(await jobFolders([id])).toHaveLength(1);
    const [child] = ffmpegChildren();
    process.kill(Number(child!.trim().split(/\s+/)[0]), 'SIGKILL');
    await eventually(async () => (await worker.inspect(id)).state === 'failed', 5000, 'the job to fail');
    expect(await worker.inspect(id)).toEqual({ state: 'failed', error: expect.stringContaining('ffmpeg stopped') });
    expect(await worker.stop(id)).toBe('aborted');
    expect(await s3.hasObject(request.objectKey)).toBe(false);
    await eventually(async () => (await jobFolders([id])).length === 0, 5000, 'the temporary folder removed');
  });

  it('kills its processes and uploads nothing when the service shuts down', async () => {
    const request = { recordingId: randomUUID(), room: 'sb-shutdown', objectKey: `recordings/${randomUUID()}.ogg` };
    const id = await worker.start(request);
    expect(ffmpegChildren()).toHaveLength(1);
    await worker.close();
    expect(ffmpegChildren()).toEqual([]);
    expect((await worker.inspect(id)).state).toBe('unknown');
    expect(await s3.hasObject(request.objectKey)).toBe(false);
    await eventually(async () => (await jobFolders([id])).length === 0, 5000, 'the temporary folder removed');
  });
});

// Last: it shuts this file's service down.
it("ends the sandbox's processes when the service shuts down", async () => {
  const start = await request(svc.url).post('/api/v1.0/rooms/sb-clip/start-recording/').set(bearer(owner)).send({ mode: 'transcript', options: { participant_tracks: 'audio' } });
  expect(start.status).toBe(201);
  expect(ffmpegChildren()).toHaveLength(3); // the composite and two tracks
  const jobs = await jobIdsOf(svc.db.url, start.body.id as string);
  expect(await jobFolders(jobs)).toHaveLength(3);
  svcClosed = true;
  await svc.close();
  expect(ffmpegChildren()).toEqual([]);
  expect(await jobFolders(jobs)).toEqual([]);
});
