import { createHash } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { startFakeLivekit } from './helpers/livekit-env';
import { testVideoMp4, type TestMediaFile } from './helpers/media';
import { startNginx, type TestNginx } from './helpers/nginx';
import { freePort } from './helpers/ports';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * Share links through the API, and what media-auth and the page make of them, with the real
 * service behind the project's nginx, s3rver holding a real MP4 (ffmpeg).
 * RECORDING_EXPIRATION_DAYS=10 and SHARE_LINK_MAX_DAYS=20: a 20-day link stops at the
 * recording's own expiry.
 */

const owner: TestUser = { sub: 'share-owner', email: 'share-owner@example.org', rooms: { 'share-a': 'owner', 'share-b': 'owner', 'share-c': 'owner' } };
const other: TestUser = { sub: 'share-other', rooms: { 'share-o': 'owner', 'share-a': 'administrator' } };
const DAY_MS = 24 * 3600 * 1000;
const TIMEOUT_MS = 15_000;

let s3: TestS3;
let livekit: FakeLivekitServer;
let svc: TestService;
let nginx: TestNginx;
let pg: Client;
let publicUrl: string;
let video: TestMediaFile;
let mine: SavedRecording;
let second: SavedRecording;
let theirs: SavedRecording;

const api = () => request(svc.url);
const createLink = (id: string, body: unknown = {}, user: TestUser = owner) =>
  api().post(`/api/v1.0/recordings/${id}/share-links/`).set(bearer(user)).send(body as object);

/** A GET through nginx with fetch (no credentials besides what the URL carries). */
async function viaNginx(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${nginx.url}${path}`, { headers, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function tokenOf(url: string): string {
  return new URL(url).searchParams.get('share')!;
}

beforeAll(async () => {
  video = await testVideoMp4();
  s3 = await startS3Server();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  svc = await startTestService({
    ...fake.env,
    ...s3Env(s3),
    PUBLIC_URL: publicUrl,
    RECORDING_EXPIRATION_DAYS: '10',
    SHARE_LINK_MAX_DAYS: '20',
    // Some tests expire links and recordings behind the service's back (SQL) and expect the next
    // request to see it: uncached here; test/media-auth-cache.test.ts tests the cache.
    MEDIA_AUTH_CACHE_MS: '0',
  });
  nginx = await startNginx({ serviceUrl: svc.url, storageUrl: s3.endpointUrl, port });
  pg = new Client({ connectionString: svc.db.url });
  await pg.connect();
  const media = { bytes: video.bytes, contentType: video.contentType };
  mine = await savedRecording(svc.url, s3, owner, 'share-a', media);
  second = await savedRecording(svc.url, s3, owner, 'share-b', media);
  theirs = await savedRecording(svc.url, s3, other, 'share-o', media);
}, 60_000);

afterAll(async () => {
  await pg?.end();
  await nginx?.stop();
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});

describe('creating, listing and revoking', () => {
  it('creates a link whose url carries a 256-bit token shown only in this answer; only its hash is stored', async () => {
    const before = Date.now();
    const res = await createLink(mine.id);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['created_at', 'expires_at', 'id', 'url']);
    expect(res.headers['cache-control']).toBe('no-store');
    const url = res.body.url as string;
    expect(url).toMatch(new RegExp(`^${publicUrl}/recordings/${mine.id}\\?share=[A-Za-z0-9_-]{43}$`));
    const token = tokenOf(url);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    // Default lifetime: SHARE_LINK_DEFAULT_DAYS (7).
    const lifetime = Date.parse(res.body.expires_at) - Date.parse(res.body.created_at);
    expect(Math.abs(lifetime - 7 * DAY_MS)).toBeLessThan(60_000);
    expect(Date.parse(res.body.created_at)).toBeGreaterThanOrEqual(before - 5000);

    const rows = await pg.query('SELECT * FROM share_links WHERE id = $1', [res.body.id]);
    expect(rows.rows).toHaveLength(1);
    const row = rows.rows[0] as Record<string, unknown>;
    expect((row.token_hash as Buffer).equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.created_by).toBe(owner.sub);

    // Two links never share a token.
    const again = await createLink(mine.id);
    expect(tokenOf(again.body.url)).not.toBe(token);
  });

  it('lists the links newest first, never with a token or url, and revokes one at once', async () => {
    const a = await createLink(mine.id, { expires_in_days: 1 });
    const b = await createLink(mine.id, { expires_in_days: 2 });
    const list = await api().get(`/api/v1.0/recordings/${mine.id}/share-links/`).set(bearer(owner));
    expect(list.status).toBe(200);
    const results = list.body.results as Array<Record<string, unknown>>;
    expect(results[0]!.id).toBe(b.body.id);
    expect(results[1]!.id).toBe(a.body.id);
    expect(Object.keys(results[0]!).sort()).toEqual(['created_at', 'created_by', 'expires_at', 'id', 'is_active', 'revoked_at']);
    expect(JSON.stringify(list.body)).not.toContain(tokenOf(a.body.url));
    expect(JSON.stringify(list.body)).not.toContain('share=');

    const revoked = await api().delete(`/api/v1.0/recordings/${mine.id}/share-links/${a.body.id}/`).set(bearer(owner));
    expect(revoked.status).toBe(204);
    // Revoking again changes nothing (the first time is kept).
    const first = (await pg.query('SELECT revoked_at FROM share_links WHERE id = $1', [a.body.id])).rows[0].revoked_at as Date;
    expect((await api().delete(`/api/v1.0/recordings/${mine.id}/share-links/${a.body.id}`).set(bearer(owner))).status).toBe(204);
    expect(((await pg.query('SELECT revoked_at FROM share_links WHERE id = $1', [a.body.id])).rows[0].revoked_at as Date).getTime()).toBe(first.getTime());

    const after = await api().get(`/api/v1.0/recordings/${mine.id}/share-links`).set(bearer(owner));
    const byId = new Map((after.body.results as Array<{ id: string; is_active: boolean; revoked_at: string | null }>).map((l) => [l.id, l]));
    expect(byId.get(a.body.id)).toMatchObject({ is_active: false, revoked_at: expect.any(String) });
    expect(byId.get(b.body.id)).toMatchObject({ is_active: true, revoked_at: null });
  });

  it('bounds expires_in_days by 1 and SHARE_LINK_MAX_DAYS, and a link never outlives its recording', async () => {
    for (const body of [{ expires_in_days: 0 }, { expires_in_days: 21 }, { expires_in_days: 1.5 }, { expires_in_days: '5' }, { expires_in_days: null }, { days: 3 }, [1]]) {
      const res = await createLink(mine.id, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.detail).toMatch(/expires_in_days|body/);
    }
    const malformed = await api().post(`/api/v1.0/recordings/${mine.id}/share-links/`).set(bearer(owner)).set('Content-Type', 'application/json').send('{"expires_in_days":');
    expect(malformed.status).toBe(400);
    expect(await pg.query('SELECT count(*)::int AS n FROM share_links WHERE expires_at > now() + interval \'10 days\'')).toMatchObject({ rows: [{ n: 0 }] });

    // 20 days asked, the recording expires 10 days after it was made: the link stops then.
    const longest = await createLink(mine.id, { expires_in_days: 20 });
    expect(longest.status).toBe(201);
    const recording = await api().get(`/api/v1.0/recordings/${mine.id}/`).set(bearer(owner));
    expect(longest.body.expires_at).toBe(recording.body.expired_at);
    const short = await createLink(mine.id, { expires_in_days: 3 });
    expect(Math.abs(Date.parse(short.body.expires_at) - Date.parse(short.body.created_at) - 3 * DAY_MS)).toBeLessThan(60_000);
  });

  it("another user's recording is 404 for every call, another recording's link id 404, and no token is 401", async () => {
    const link = await createLink(mine.id);
    // `other` is an administrator of the room but holds no access to this recording.
    expect((await createLink(mine.id, {}, other)).status).toBe(404);
    expect((await api().get(`/api/v1.0/recordings/${mine.id}/share-links/`).set(bearer(other))).status).toBe(404);
    expect((await api().delete(`/api/v1.0/recordings/${mine.id}/share-links/${link.body.id}/`).set(bearer(other))).status).toBe(404);
    expect((await createLink(theirs.id)).status).toBe(404);
    // The link exists, but not under that recording.
    expect((await api().delete(`/api/v1.0/recordings/${second.id}/share-links/${link.body.id}/`).set(bearer(owner))).status).toBe(404);
    expect((await api().delete(`/api/v1.0/recordings/${mine.id}/share-links/not-a-uuid/`).set(bearer(owner))).status).toBe(404);
    expect((await api().delete(`/api/v1.0/recordings/${mine.id}/share-links/00000000-0000-4000-8000-000000000000/`).set(bearer(owner))).status).toBe(404);
    expect((await api().post(`/api/v1.0/recordings/${mine.id}/share-links/`).send({})).status).toBe(401);
    expect((await api().get(`/api/v1.0/recordings/${mine.id}/share-links/`)).status).toBe(401);
    expect((await pg.query('SELECT revoked_at FROM share_links WHERE id = $1', [link.body.id])).rows[0].revoked_at).toBeNull();
  });

  it('refuses a link for a recording that cannot be downloaded (not saved, or expired)', async () => {
    const start = await api().post('/api/v1.0/rooms/share-c/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    const active = await createLink(start.body.id as string);
    expect(active.status).toBe(403);
    expect(active.body.detail).toMatch(/status is "active"/);
    await api().post('/api/v1.0/rooms/share-c/stop-recording/').set(bearer(owner)).expect(200);
    expect((await createLink(start.body.id as string)).status).toBe(403);

    const old = await savedRecording(svc.url, s3, owner, 'share-c', { bytes: video.bytes, contentType: video.contentType });
    await pg.query("UPDATE recordings SET created_at = now() - interval '11 days' WHERE id = $1", [old.id]);
    const expired = await createLink(old.id);
    expect(expired.status).toBe(403);
    expect(expired.body.detail).toMatch(/expired/);
  });
});

describe('media-auth and the page with a share token', () => {
  it('serves exactly that recording\'s file, with Range, through nginx; not another recording\'s', async () => {
    const token = tokenOf((await createLink(mine.id)).body.url);
    const whole = await viaNginx(`${mine.mediaPath}?share=${token}`);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(video.bytes)).toBe(true);
    expect(whole.headers.get('content-disposition')).toMatch(/^attachment; filename="share-a \d{4}-\d{2}-\d{2} \d{2}\.\d{2}\.mp4"$/);
    const middle = Math.floor(video.bytes.length / 2);
    const part = await viaNginx(`${mine.mediaPath}?share=${token}`, { Range: `bytes=${middle}-${middle + 999}` });
    expect(part.status).toBe(206);
    expect(part.body.equals(video.bytes.subarray(middle, middle + 1000))).toBe(true);

    expect((await viaNginx(`${second.mediaPath}?share=${token}`)).status).toBe(403);
    // One character changed (never to itself: a token may end with that very character).
    expect((await viaNginx(`${mine.mediaPath}?share=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).status).toBe(403);
    expect((await viaNginx(`${mine.mediaPath}?share=${token}&share=${token}`)).status).toBe(403);
    expect((await viaNginx(`${mine.mediaPath}?share=`)).status).toBe(403);
    expect((await viaNginx(mine.mediaPath)).status).toBe(401);
  });

  it('refuses a revoked link at once, for the media and the page', async () => {
    const link = await createLink(mine.id);
    const token = tokenOf(link.body.url);
    expect((await viaNginx(`${mine.mediaPath}?share=${token}`, { Range: 'bytes=0-99' })).status).toBe(206);
    const page = await viaNginx(`/recordings/${mine.id}?share=${token}`);
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('share-a');

    await api().delete(`/api/v1.0/recordings/${mine.id}/share-links/${link.body.id}/`).set(bearer(owner)).expect(204);
    expect((await viaNginx(`${mine.mediaPath}?share=${token}`, { Range: 'bytes=100-199' })).status).toBe(403);
    const refused = await viaNginx(`/recordings/${mine.id}?share=${token}`);
    expect(refused.status).toBe(403);
    expect(refused.body.toString()).not.toContain('share-a');
  });

  it('refuses an expired link at once, and every link of a deleted or expired recording', async () => {
    const link = await createLink(second.id);
    const token = tokenOf(link.body.url);
    expect((await viaNginx(`${second.mediaPath}?share=${token}`, { Range: 'bytes=0-9' })).status).toBe(206);
    await pg.query("UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = $1", [link.body.id]);
    expect((await viaNginx(`${second.mediaPath}?share=${token}`, { Range: 'bytes=0-9' })).status).toBe(403);
    const page = await viaNginx(`/recordings/${second.id}?share=${token}`);
    expect(page.status).toBe(403);
    expect(page.body.toString()).not.toContain('share-b');

    // The recording itself expires: its live links stop too.
    const live = tokenOf((await createLink(second.id)).body.url);
    expect((await viaNginx(`${second.mediaPath}?share=${live}`, { Range: 'bytes=0-9' })).status).toBe(206);
    await pg.query("UPDATE recordings SET created_at = now() - interval '11 days' WHERE id = $1", [second.id]);
    expect((await viaNginx(`${second.mediaPath}?share=${live}`, { Range: 'bytes=0-9' })).status).toBe(403);
    expect((await viaNginx(`/recordings/${second.id}?share=${live}`)).status).toBe(403);
    await pg.query('UPDATE recordings SET created_at = now() WHERE id = $1', [second.id]);

    // Deleted: the links go with it (cascade), and the page shows no room name.
    const doomed = await savedRecording(svc.url, s3, owner, 'share-c', { bytes: video.bytes, contentType: video.contentType });
    const gone = tokenOf((await createLink(doomed.id)).body.url);
    await pg.query("UPDATE recordings SET status = 'notification_succeeded' WHERE id = $1", [doomed.id]);
    await api().delete(`/api/v1.0/recordings/${doomed.id}/`).set(bearer(owner)).expect(204);
    expect((await pg.query('SELECT count(*)::int AS n FROM share_links WHERE recording_id = $1', [doomed.id])).rows[0].n).toBe(0);
    expect((await viaNginx(`${doomed.mediaPath}?share=${gone}`)).status).toBe(403);
    const deletedPage = await viaNginx(`/recordings/${doomed.id}?share=${gone}`);
    expect(deletedPage.status).toBe(404);
    expect(deletedPage.body.toString()).not.toContain('share-c');
  });

  it('nginx logs the media requests and the page without any share token', async () => {
    const token = tokenOf((await createLink(mine.id)).body.url);
    const marker = `share-log-${Date.now()}`;
    expect((await viaNginx(`${mine.mediaPath}?share=${token}`, { Range: 'bytes=0-9', 'User-Agent': marker })).status).toBe(206);
    expect((await viaNginx(`/recordings/${mine.id}?share=${token}`, { 'User-Agent': marker })).status).toBe(200);
    const deadline = Date.now() + 5000;
    while (nginx.accessLog().split(marker).length - 1 < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const log = nginx.accessLog();
    const lines = log.split('\n').filter((l) => l.includes(marker));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`"GET ${mine.mediaPath}" 206 10 auth=200 range="bytes=0-9"`);
    expect(lines[1]).toContain(`"GET /recordings/${mine.id}" 200 `);
    expect(log).not.toContain(token);
    expect(log).not.toContain('share=');
  });
});
