import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { eventually, queryDb } from './helpers/flow';
import { FFMPEG, probeMedia, testPart, JOIN_ENV } from './helpers/media';
import { storeEvent } from './helpers/minio-events';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { bearer, type TestUser } from './helpers/service';
import { startStack, type TestStack } from './helpers/stack';

/**
 * The join re-encodes only parts that differ in encoding (a preset changed between two
 * stretches: another picture size, another codec) and joins parts alike by stream copy. Which
 * way each join went is read from /metrics (recorder_join_duration_seconds by method); the
 * joined file is checked with ffprobe. Real ffmpeg-made parts in s3rver, the fake LiveKit.
 */

const owner: TestUser = { sub: 'enc-owner', email: 'enc-owner@example.org', rooms: { alike: 'owner', sizes: 'owner', codecs: 'owner' } };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pause-encodings-test-'));
const run = promisify(execFile);
const FFPROBE = process.env.TEST_FFPROBE_BIN || 'ffprobe';

let s3: TestS3;
let stack: TestStack;

beforeAll(async () => {
  s3 = await startS3Server();
  stack = await startStack({
    ...s3Env(s3),
    ...JOIN_ENV,
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await s3?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A 3 s 320x240 part as a recorder with another codec (MPEG-4 Visual video, AAC audio) writes it. */
async function mpeg4Part(): Promise<Buffer> {
  const file = path.join(tmp, 'mpeg4-part.mp4');
  await run(FFMPEG, [
    '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=3',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=3',
    '-c:v', 'mpeg4', '-q:v', '5', '-c:a', 'aac', '-b:a', '64k', '-shortest', file,
  ], { timeout: 60_000 });
  return readFileSync(file);
}

/** How many joins went each way so far. */
async function joins(): Promise<{ copy: number; reencode: number }> {
  const text = (await request(stack.svc.url).get('/metrics')).text;
  const count = (method: string) => Number(new RegExp(`^recorder_join_duration_seconds_count\\{method="${method}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { copy: count('copy'), reencode: count('reencode') };
}

/** Records two stretches in `room` whose egresses write `first` and then `second`; resolves once the joined recording is saved. */
async function twoStretches(room: string, first: Buffer, second: Buffer): Promise<string> {
  const post = (what: string) => request(stack.svc.url).post(`/api/v1.0/rooms/${room}/${what}-recording/`).set(bearer(owner)).send(what === 'start' ? { mode: 'screen_recording' } : undefined);
  const lastFilepath = () => {
    const body = stack.livekit.requestsFor('StartRoomCompositeEgress').at(-1)!.body as Record<string, any>;
    return (body.fileOutputs ?? [body.file])[0].filepath as string;
  };
  const uploads = async (key: string, bytes: Buffer) => {
    await s3.putObject(key, bytes, 'video/mp4');
    await storeEvent(stack.svc.url, s3.bucket, key, { size: bytes.length });
  };
  const id = (await post('start')).body.id as string;
  const firstKey = lastFilepath();
  expect((await post('pause')).status).toBe(200);
  await uploads(firstKey, first);
  expect((await post('resume')).status).toBe(200);
  const secondKey = lastFilepath();
  expect((await post('stop')).status).toBe(200);
  await uploads(secondKey, second);
  await eventually(async () => ['saved', 'notification_succeeded'].includes((await queryDb<{ status: string }>(stack.svc.db.url, 'SELECT status FROM recordings WHERE id = $1', [id]))[0]!.status), 40_000, `the ${room} recording joined and saved`);
  return id;
}

/** The joined file: ffprobe's view, whether ffmpeg decodes it without a word, and its video frames. */
async function probeJoined(id: string) {
  const file = path.join(tmp, `${id}.mp4`);
  writeFileSync(file, await s3.getObject(`recordings/${id}.mp4`));
  const decoded = await run(FFMPEG, ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { timeout: 60_000 });
  const frames = await run(FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { timeout: 60_000 });
  return { ...(await probeMedia(file)), decodeErrors: decoded.stderr.trim(), videoFrames: Number(frames.stdout.trim()) };
}

/** Whole: the sum of the parts' lengths (± 1 s), one picture, every frame of both parts (25 per second), decoded without error. */
function expectWhole(probe: Awaited<ReturnType<typeof probeJoined>>, seconds: number) {
  expect(Math.abs(probe.durationSeconds - seconds)).toBeLessThanOrEqual(1);
  expect(probe.streams.filter((s) => s.codecType === 'video')).toHaveLength(1);
  expect(probe.decodeErrors).toBe('');
  expect(Math.abs(probe.videoFrames - seconds * 25)).toBeLessThanOrEqual(2);
}

it('parts of one encoding are joined by stream copy', async () => {
  const before = await joins();
  const id = await twoStretches('alike', (await testPart(2)).bytes, (await testPart(3)).bytes);
  expect(await joins()).toEqual({ copy: before.copy + 1, reencode: before.reencode });
  expectWhole(await probeJoined(id), 5);
}, 60_000);

it('a part with another picture size is re-encoded: one whole file at the first part\'s size', async () => {
  const before = await joins();
  const id = await twoStretches('sizes', (await testPart(2)).bytes, (await testPart(3, 'mp4', '640x360')).bytes);
  expect(await joins()).toEqual({ copy: before.copy, reencode: before.reencode + 1 });
  const probe = await probeJoined(id);
  expectWhole(probe, 5);
  expect(probe.streams.find((s) => s.codecType === 'video')).toMatchObject({ codecName: 'h264', width: 320, height: 240 });
}, 60_000);

it('a part with another codec is re-encoded: one whole H.264 file', async () => {
  const before = await joins();
  const id = await twoStretches('codecs', (await testPart(2)).bytes, await mpeg4Part());
  expect(await joins()).toEqual({ copy: before.copy, reencode: before.reencode + 1 });
  const probe = await probeJoined(id);
  expectWhole(probe, 5);
  expect(probe.streams.find((s) => s.codecType === 'video')).toMatchObject({ codecName: 'h264', width: 320, height: 240 });
}, 60_000);
