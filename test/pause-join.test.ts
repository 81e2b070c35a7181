import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { launchBrowser } from './helpers/browser';
import { eventually, jobsSettled, queryDb } from './helpers/flow';
import { probeMedia, testPart, JOIN_ENV } from './helpers/media';
import { storeEvent } from './helpers/minio-events';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { bearer, type TestUser } from './helpers/service';
import { seedRoom, startWithTracks } from './helpers/tracks';
import { startStack, type TestStack } from './helpers/stack';

/**
 * Pause and resume with real media: the fake egress's outputs are MP4s made by ffmpeg and
 * uploaded to s3rver where each egress request said; after the stop the service joins them
 * into the recording's one key by stream copy, removes the parts and saves the recording once.
 */

const owner: TestUser = { sub: 'join-owner', email: 'join-owner@example.org', rooms: { lecture: 'owner', duo: 'owner', late: 'owner' } };
const FFPROBE_TMP = mkdtempSync(path.join(os.tmpdir(), 'pause-join-test-'));

let s3: TestS3;
let stack: TestStack;

beforeAll(async () => {
  s3 = await startS3Server();
  stack = await startStack({
    ...s3Env(s3),
    WEBHOOK_URLS: 'http://127.0.0.1:9/hook',
    WEBHOOK_SECRET: 'whsec_' + Buffer.alloc(24, 7).toString('base64'),
    WEBHOOK_MAX_ATTEMPTS: '1',
    ...JOIN_ENV,
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await s3?.close();
  rmSync(FFPROBE_TMP, { recursive: true, force: true });
});

const post = (room: string, what: string) => request(stack.svc.url).post(`/api/v1.0/rooms/${room}/${what}-recording/`).set(bearer(owner)).send(what === 'start' ? { mode: 'screen_recording' } : undefined);

/** Where the last StartRoomCompositeEgress asked its file to go. */
function lastEgressFilepath(): string {
  const starts = stack.livekit.requestsFor('StartRoomCompositeEgress');
  const body = starts[starts.length - 1]!.body as Record<string, any>;
  return (body.fileOutputs ?? [body.file])[0].filepath as string;
}

/** What an egress does once stopped: uploads its file, and MinIO tells the service. */
async function egressUploads(key: string, seconds: number): Promise<void> {
  const part = await testPart(seconds);
  await s3.putObject(key, part.bytes, 'video/mp4');
  await storeEvent(stack.svc.url, s3.bucket, key, { size: part.bytes.length });
}

async function objectsUnder(prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of s3.client.listObjectsV2(s3.bucket, prefix, true)) if (item.name) names.push(item.name);
  return names;
}

async function count(sql: string, params: unknown[]): Promise<number> {
  return (await queryDb<{ n: number }>(stack.svc.db.url, sql, params))[0]!.n;
}

/** Plays `bytes` (an MP4) in Chromium from a local server with Range support, fast, to the end: what the player reports then. */
async function playToEnd(bytes: Buffer): Promise<{ ended: boolean; currentTime: number; duration: number }> {
  const server = http.createServer((req, res) => {
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    if (!range) return void res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': bytes.length, 'Accept-Ranges': 'bytes' }).end(bytes);
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
    res.writeHead(206, { 'Content-Type': 'video/mp4', 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Accept-Ranges': 'bytes' });
    res.end(bytes.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return await page.evaluate(async (src: string) => {
      type Video = { muted: boolean; playbackRate: number; currentTime: number; duration: number; ended: boolean; src: string; play(): Promise<void>; addEventListener(e: string, f: () => void): void };
      const doc = (globalThis as unknown as { document: { createElement(t: string): Video; body: { appendChild(v: Video): void } } }).document;
      const video = doc.createElement('video');
      video.muted = true;
      doc.body.appendChild(video);
      const ended = new Promise<void>((resolve) => video.addEventListener('ended', resolve));
      video.src = src;
      video.playbackRate = 4;
      await video.play();
      await Promise.race([ended, new Promise((r) => setTimeout(r, 20_000))]);
      return { ended: video.ended, currentTime: video.currentTime, duration: video.duration };
    }, '/joined.mp4');
  } finally {
    await browser.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

it('three stretches of 2 s, 3 s and 1 s become one 6 s file at the key that plays in Chromium to the end; parts removed; one email, one recording.ready', async () => {
  const id = (await post('lecture', 'start')).body.id as string;
  const first = lastEgressFilepath();
  expect(first).toBe(`recordings/${id}.mp4`);
  expect((await post('lecture', 'pause')).status).toBe(200);
  // The first stretch lands at the recording's own key while it is paused: it does not save it.
  await egressUploads(first, 2);
  expect((await post('lecture', 'resume')).status).toBe(200);
  const second = lastEgressFilepath();
  expect(second).toBe(`recordings/${id}/parts/001.mp4`);
  expect((await post('lecture', 'pause')).status).toBe(200);
  await egressUploads(second, 3);
  expect((await post('lecture', 'resume')).status).toBe(200);
  const third = lastEgressFilepath();
  const stopped = await post('lecture', 'stop');
  expect(stopped.body.status).toBe('stopped');
  await egressUploads(third, 1);

  await eventually(async () => (await queryDb<{ status: string }>(stack.svc.db.url, 'SELECT status FROM recordings WHERE id = $1', [id]))[0]!.status === 'notification_succeeded', 30_000, 'the joined recording saved and mailed');
  const file = path.join(FFPROBE_TMP, `${id}.mp4`);
  writeFileSync(file, await s3.getObject(`recordings/${id}.mp4`));
  const probe = await probeMedia(file);
  expect(Math.abs(probe.durationSeconds - 6)).toBeLessThanOrEqual(1);
  expect(probe.streams.map((s) => s.codecName).sort()).toEqual(['aac', 'h264']);
  expect(await objectsUnder(`recordings/${id}/`)).toEqual([]);
  const played = await playToEnd(await s3.getObject(`recordings/${id}.mp4`));
  expect(played.ended).toBe(true);
  expect(Math.abs(played.duration - 6)).toBeLessThanOrEqual(1);
  expect(Math.abs(played.currentTime - played.duration)).toBeLessThanOrEqual(0.5);

  await jobsSettled(stack.svc.db.url, 'email.%');
  const mails = stack.smtp.messages.filter((m) => JSON.stringify(m).includes(id));
  expect(mails).toHaveLength(1);
  // The email gives the time recorded over the stretches (a few ms of wall time between API calls).
  expect(JSON.stringify(mails[0])).toMatch(/Recorded time: (\d+ (second|minute)s?)/);
  await jobsSettled(stack.svc.db.url, 'webhook.ready');
  expect(await count(`SELECT count(*)::int AS n FROM jobs WHERE recording_id = $1 AND kind = 'webhook.delivery' AND payload->>'type' = 'recording.ready'`, [id])).toBe(1);
  const got = await request(stack.svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(got.body).toMatchObject({ status: 'notification_succeeded', reason: null });
  expect(got.body.segments).toHaveLength(3);
  expect(got.body.files[0]).toMatchObject({ kind: 'composite', status: 'saved' });
}, 60_000);

it("the first stretch's file landing at the recording's key after the stop does not save it by itself: the join does, from both stretches", async () => {
  const id = (await post('late', 'start')).body.id as string;
  const first = lastEgressFilepath();
  expect((await post('late', 'pause')).status).toBe(200);
  expect((await post('late', 'resume')).status).toBe(200);
  const second = lastEgressFilepath();
  expect((await post('late', 'stop')).body.status).toBe('stopped');
  await egressUploads(second, 3);
  // The first egress uploads last, after the stop: a savable status, yet this file is one stretch only.
  await egressUploads(first, 2);
  await eventually(async () => (await queryDb<{ status: string }>(stack.svc.db.url, 'SELECT status FROM recordings WHERE id = $1', [id]))[0]!.status === 'notification_succeeded', 30_000, 'the joined recording saved and mailed');
  const file = path.join(FFPROBE_TMP, `${id}-late.mp4`);
  writeFileSync(file, await s3.getObject(`recordings/${id}.mp4`));
  expect(Math.abs((await probeMedia(file)).durationSeconds - 5)).toBeLessThanOrEqual(1);
  expect(await objectsUnder(`recordings/${id}/`)).toEqual([]);
  await jobsSettled(stack.svc.db.url, 'email.%');
  expect(stack.smtp.messages.filter((m) => JSON.stringify(m).includes(id))).toHaveLength(1);
}, 60_000);

/** Where each StartTrackEgress since the `from`th asked its file to go, by track id. */
function trackFilepaths(from: number): Map<string, string> {
  const paths = new Map<string, string>();
  for (const r of stack.livekit.requestsFor('StartTrackEgress').slice(from)) {
    const body = r.body as Record<string, any>;
    paths.set(body.trackId as string, body.file.filepath as string);
  }
  return paths;
}

async function trackUploads(key: string, seconds: number): Promise<void> {
  const part = await testPart(seconds, 'ogg');
  await s3.putObject(key, part.bytes, 'audio/ogg');
  await storeEvent(stack.svc.url, s3.bucket, key, { size: part.bytes.length });
}

it('with two participant tracks, each track key holds its joined OGG, and the composite its joined MP4', async () => {
  const { tracks } = seedRoom(stack.livekit, 'duo', [{ identity: 'alice' }, { identity: 'bob' }]);
  const before = stack.livekit.requestsFor('StartTrackEgress').length;
  const start = await startWithTracks(stack.svc.url, owner, 'duo');
  expect(start.status).toBe(201);
  const id = start.body.id as string;
  const composite0 = lastEgressFilepath();
  const tracks0 = trackFilepaths(before);
  expect([...tracks0.keys()].sort()).toEqual([tracks.alice, tracks.bob].sort());
  expect((await post('duo', 'pause')).status).toBe(200);
  await egressUploads(composite0, 2);
  for (const key of tracks0.values()) await trackUploads(key, 2);

  const resumedAt = stack.livekit.requestsFor('StartTrackEgress').length;
  expect((await post('duo', 'resume')).status).toBe(200);
  const composite1 = lastEgressFilepath();
  const tracks1 = trackFilepaths(resumedAt);
  expect([...tracks1.values()].sort()).toEqual([`recordings/${id}/parts/${tracks.alice}-1.ogg`, `recordings/${id}/parts/${tracks.bob}-1.ogg`].sort());
  expect((await post('duo', 'stop')).status).toBe(200);
  await egressUploads(composite1, 3);
  for (const key of tracks1.values()) await trackUploads(key, 3);

  await eventually(async () => (await queryDb<{ status: string }>(stack.svc.db.url, 'SELECT status FROM recordings WHERE id = $1', [id]))[0]!.status === 'notification_succeeded', 30_000, 'the joined recording saved and mailed');
  for (const trackId of [tracks.alice!, tracks.bob!]) {
    const file = path.join(FFPROBE_TMP, `${id}-${trackId}.ogg`);
    writeFileSync(file, await s3.getObject(`recordings/${id}/${trackId}.ogg`));
    const probe = await probeMedia(file);
    expect(Math.abs(probe.durationSeconds - 5)).toBeLessThanOrEqual(1);
    expect(probe.streams.map((st) => st.codecName)).toEqual(['opus']);
  }
  const composite = path.join(FFPROBE_TMP, `${id}-duo.mp4`);
  writeFileSync(composite, await s3.getObject(`recordings/${id}.mp4`));
  expect(Math.abs((await probeMedia(composite)).durationSeconds - 5)).toBeLessThanOrEqual(1);
  // No part is left; the tracks' joined files remain (beside what processing writes under artifacts/).
  const left = (await objectsUnder(`recordings/${id}/`)).filter((k) => !k.startsWith(`recordings/${id}/artifacts/`));
  expect(left.sort()).toEqual([`recordings/${id}/${tracks.alice}.ogg`, `recordings/${id}/${tracks.bob}.ogg`].sort());
  const got = await request(stack.svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(got.body.files.map((f: { status: string }) => f.status)).toEqual(['saved', 'saved', 'saved']);
}, 60_000);
