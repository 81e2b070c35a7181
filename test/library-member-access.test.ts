import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { queryDb } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * PUT /rooms/{room}/recording-access/: what a room's members may do with its recordings,
 * enforced by the list, retrieve, the page, download links and media-auth.
 */

const owner: TestUser = { sub: 'acc-owner', rooms: { 'acc-room': 'owner', 'acc-other': 'owner' } };
const member: TestUser = { sub: 'acc-member', rooms: { 'acc-room': 'member' } };
const otherMember: TestUser = { sub: 'acc-outsider', rooms: { 'acc-other': 'member' } };
const video = { bytes: Buffer.alloc(1024, 5), contentType: 'video/mp4' };
const MEDIA_AUTH = '/api/v1.0/recordings/media-auth/';
let livekit: FakeLivekitServer;
let svc: TestService;
let s3: TestS3;
let rec: SavedRecording;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  s3 = await startS3Server({ bucket: 'meet-media-storage' });
  svc = await startTestService({
    ...fake.env,
    ...s3Env(s3),
    RECONCILE_INTERVAL_MS: '60000',
    MEDIA_AUTH_CACHE_MS: '1000',
    WEBHOOK_URLS: 'http://127.0.0.1:9/hooks',
    WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 4).toString('base64')}`,
  });
  rec = await savedRecording(svc.url, s3, owner, 'acc-room', video);
  await savedRecording(svc.url, s3, owner, 'acc-other', video);
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});

const setAccess = (members: string, user = owner, room = 'acc-room') =>
  request(svc.url).put(`/api/v1.0/rooms/${room}/recording-access/`).set(bearer(user)).send({ members });
const list = (user: TestUser) => request(svc.url).get('/api/v1.0/recordings/').set(bearer(user));
const retrieve = (user: TestUser) => request(svc.url).get(`/api/v1.0/recordings/${rec.id}/`).set(bearer(user));
const downloadLink = (user: TestUser) => request(svc.url).post(`/api/v1.0/recordings/${rec.id}/download-link/`).set(bearer(user)).send({});
const mediaWithBearer = (user: TestUser) => request(svc.url).get(MEDIA_AUTH).set('X-Original-URL', rec.mediaPath).set(bearer(user));
const mediaAt = (url: string) => request(svc.url).get(MEDIA_AUTH).set('X-Original-URL', url);
const page = (user: TestUser) => request(svc.url).get(`/recordings/${rec.id}`).set(bearer(user)).set('Accept', 'text/html');

it('is none by default: 404 on retrieve, not listed, 403 on media, and the room view says so', async () => {
  const room = await request(svc.url).get('/api/v1.0/rooms/acc-room/').set(bearer(member));
  expect(room.status).toBe(200);
  expect(room.body.recording_access).toEqual({ members: 'none' });
  expect((await retrieve(member)).status).toBe(404);
  expect((await list(member)).body.count).toBe(0);
  expect((await mediaWithBearer(member)).status).toBe(403);
  expect((await downloadLink(member)).status).toBe(404);
  expect((await page(member)).status).toBe(403);
});

it('lets only owners and administrators of the room set it, with a checked body', async () => {
  expect((await setAccess('view', member)).status).toBe(403);
  expect((await setAccess('everything')).status).toBe(400);
  expect((await request(svc.url).put('/api/v1.0/rooms/acc-room/recording-access/').set(bearer(owner)).send({ members: 'view', more: 1 })).status).toBe(400);
  expect((await request(svc.url).put('/api/v1.0/rooms/acc-room/recording-access/').send({ members: 'view' })).status).toBe(401);
  const [row] = await queryDb(svc.db.url, `SELECT count(*)::int AS n FROM room_recording_access`);
  expect(row).toEqual({ n: 0 });
});

it('view: the member lists, retrieves and plays, but gets 403 for download links and no download button', async () => {
  // A refusal remembered by media-auth's cache is forgotten at once when the level changes here.
  expect((await mediaWithBearer(member)).status).toBe(403);
  const set = await setAccess('view');
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({ room: 'acc-room', members: 'view' });
  expect((await mediaWithBearer(member)).status).toBe(200);

  const listed = await list(member);
  expect(listed.body.results.map((r: { id: string }) => r.id)).toEqual([rec.id]);
  expect(listed.body.results[0].abilities).toEqual({ retrieve: true, destroy: false, stop: false });
  expect((await list(member).query({ room: 'acc-room' })).body.count).toBe(1);
  expect((await retrieve(member)).status).toBe(200);
  expect((await downloadLink(member)).status).toBe(403);
  expect((await request(svc.url).delete(`/api/v1.0/recordings/${rec.id}/`).set(bearer(member))).status).toBe(404);

  const html = await page(member);
  expect(html.status).toBe(200);
  expect(html.text).toContain('id="player"');
  expect(html.text).not.toContain('id="download"');
  // The player's own URL carries a member token that media-auth accepts, shown inline.
  const src = /id="player"[^>]*src="([^"]+)"/.exec(html.text)![1]!.replace(/&amp;/g, '&');
  const played = await mediaAt(src);
  expect(played.status).toBe(200);
  expect(played.headers['content-disposition']).toBeUndefined();
  expect((await request(svc.url).get('/api/v1.0/rooms/acc-room/').set(bearer(owner))).body.recording_access).toEqual({ members: 'view' });
});

it('download: the member also gets download links that media-auth honours, and the button', async () => {
  expect((await setAccess('download')).status).toBe(200);
  const link = await downloadLink(member);
  expect(link.status).toBe(200);
  const url = new URL(link.body.url, 'http://media.invalid');
  const path = url.pathname + url.search;
  const got = await mediaAt(path);
  expect(got.status).toBe(200);
  expect(got.headers['content-disposition']).toMatch(/attachment/);
  expect((await page(member)).text).toContain('id="download"');

  // Back to none: the same link stops working at once on this instance.
  expect((await setAccess('none')).status).toBe(200);
  expect((await mediaAt(path)).status).toBe(403);
  expect((await retrieve(member)).status).toBe(404);
  expect((await list(member)).body.count).toBe(0);
});

it('gives a member of another room nothing', async () => {
  expect((await setAccess('download')).status).toBe(200);
  expect((await retrieve(otherMember)).status).toBe(404);
  expect((await mediaWithBearer(otherMember)).status).toBe(403);
  expect((await downloadLink(otherMember)).status).toBe(404);
  // Their own room lets nobody in yet: they list nothing at all.
  expect((await list(otherMember)).body.count).toBe(0);
});

it('queues one room.access_changed per change, not for a repeat', async () => {
  const before = await events();
  expect((await setAccess('download')).status).toBe(200);
  expect(await events()).toBe(before);
  expect((await setAccess('view')).status).toBe(200);
  expect(await events()).toBe(before + 1);
  const [last] = await queryDb<{ data: Record<string, unknown> }>(svc.db.url, `SELECT payload->'data' AS data FROM jobs WHERE kind = 'webhook.delivery' AND payload->>'type' = 'room.access_changed' ORDER BY created_at DESC, id DESC LIMIT 1`);
  expect(last!.data).toMatchObject({ room: 'acc-room', members: 'view', previous: 'download', changed_by: { sub: 'acc-owner' } });
});

async function events(): Promise<number> {
  const [row] = await queryDb<{ n: number }>(svc.db.url, `SELECT count(*)::int AS n FROM jobs WHERE kind = 'webhook.delivery' AND payload->>'type' = 'room.access_changed'`);
  return row!.n;
}
