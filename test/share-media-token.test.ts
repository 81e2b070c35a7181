import { Client } from 'pg';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { testVideoMp4, type TestMediaFile } from './helpers/media';
import { startNginx, type TestNginx } from './helpers/nginx';
import { freePort } from './helpers/ports';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * A share viewer's page carries short-lived share-media tokens in its media URLs, never the
 * share link's own token (URLs end up in nginx's logs, its error log included). The real
 * service behind the project's nginx, s3rver holding a real MP4 (ffmpeg), media-auth with its
 * default cache (MEDIA_AUTH_CACHE_MS=500).
 */

const owner: TestUser = { sub: 'smt-owner', rooms: { 'smt-a': 'owner', 'smt-b': 'owner' } };
const TIMEOUT_MS = 15_000;
/** What the recording page promises: a revoked link stops playing within a second. */
const REVOCATION_BOUND_MS = 1000;

let s3: TestS3;
let livekit: FakeLivekitServer;
let svc: TestService;
let nginx: TestNginx;
let pg: Client;
let video: TestMediaFile;
let mine: SavedRecording;
let second: SavedRecording;

const api = () => request(svc.url);

async function viaNginx(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${nginx.url}${path}`, { headers, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** A new share link of the recording: its id and its token. */
async function shareLink(id: string): Promise<{ linkId: string; token: string }> {
  const created = await api().post(`/api/v1.0/recordings/${id}/share-links/`).set(bearer(owner)).send({});
  expect(created.status).toBe(201);
  return { linkId: created.body.id as string, token: new URL(created.body.url as string).searchParams.get('share')! };
}

/** Every src and href of the page, entities decoded (the page escapes `&`). */
function pageUrls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}

/** The share viewer's page through nginx, and the media URL of its player. */
async function sharePage(recording: SavedRecording, token: string): Promise<{ html: string; playerUrl: string }> {
  const page = await viaNginx(`/recordings/${recording.id}?share=${token}`);
  expect(page.status).toBe(200);
  const html = page.body.toString('utf8');
  const playerUrl = pageUrls(html).find((url) => url.startsWith(recording.mediaPath));
  expect(playerUrl).toBeDefined();
  return { html, playerUrl: playerUrl! };
}

beforeAll(async () => {
  video = await testVideoMp4();
  s3 = await startS3Server();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  const port = await freePort();
  svc = await startTestService({ ...fake.env, ...s3Env(s3), PUBLIC_URL: `http://127.0.0.1:${port}` });
  nginx = await startNginx({ serviceUrl: svc.url, storageUrl: s3.endpointUrl, port });
  pg = new Client({ connectionString: svc.db.url });
  await pg.connect();
  const media = { bytes: video.bytes, contentType: video.contentType };
  mine = await savedRecording(svc.url, s3, owner, 'smt-a', media);
  second = await savedRecording(svc.url, s3, owner, 'smt-b', media);
}, 60_000);

afterAll(async () => {
  await pg?.end();
  await nginx?.stop();
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});

describe("a share viewer's media URLs", () => {
  it('never carry the share token: the page names the file with a share-media token instead', async () => {
    const { token } = await shareLink(mine.id);
    const { html, playerUrl } = await sharePage(mine, token);
    expect(html).not.toContain(token);
    for (const url of pageUrls(html)) expect(url).not.toMatch(/[?&]share=/);
    expect(playerUrl).toMatch(new RegExp(`^${mine.mediaPath}\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
  });

  it('the share-media token plays through media-auth (Range), only for that file', async () => {
    const { token } = await shareLink(mine.id);
    const { playerUrl } = await sharePage(mine, token);
    const middle = Math.floor(video.bytes.length / 2);
    const part = await viaNginx(playerUrl, { Range: `bytes=${middle}-${middle + 999}` });
    expect(part.status).toBe(206);
    expect(part.body.equals(video.bytes.subarray(middle, middle + 1000))).toBe(true);

    const mediaToken = new URL(playerUrl, nginx.url).searchParams.get('token')!;
    expect((await viaNginx(`${second.mediaPath}?token=${mediaToken}`)).status).toBe(403);
    expect((await viaNginx(`${mine.mediaPath}?token=${mediaToken.slice(0, -2)}AA`)).status).toBe(403);
    // It is no login either.
    expect((await api().get(`/api/v1.0/recordings/${mine.id}/`).set('Authorization', `Bearer ${mediaToken}`)).status).toBe(401);
  });

  it('stop playing within 1 s once the share link is revoked, through the API or by another instance', async () => {
    for (const revoke of [
      (linkId: string) => api().delete(`/api/v1.0/recordings/${mine.id}/share-links/${linkId}/`).set(bearer(owner)).then((res) => expect(res.status).toBe(204)),
      // Another instance's revocation: only the database knows, this instance's cache does not.
      (linkId: string) => pg.query('UPDATE share_links SET revoked_at = now() WHERE id = $1', [linkId]).then(() => undefined),
    ]) {
      const { linkId, token } = await shareLink(mine.id);
      const { playerUrl } = await sharePage(mine, token);
      expect((await viaNginx(playerUrl, { Range: 'bytes=0-9' })).status).toBe(206); // cached as allowed
      await revoke(linkId);
      const revokedAt = Date.now();
      await eventually(async () => (await viaNginx(playerUrl, { Range: 'bytes=0-9' })).status === 403, REVOCATION_BOUND_MS, 'the media token refused');
      expect(Date.now() - revokedAt).toBeLessThanOrEqual(REVOCATION_BOUND_MS + 200);
      expect((await viaNginx(playerUrl)).status).toBe(403);
    }
  });

  it('an expired share link stops its media tokens too', async () => {
    const { linkId, token } = await shareLink(mine.id);
    const { playerUrl } = await sharePage(mine, token);
    await pg.query("UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = $1", [linkId]);
    await eventually(async () => (await viaNginx(playerUrl, { Range: 'bytes=0-9' })).status === 403, REVOCATION_BOUND_MS, 'the media token refused');
  });

  // Last: it stops the storage.
  it("when the storage fails, nginx's error log shows the request without the share token", async () => {
    const { token } = await shareLink(mine.id);
    const { playerUrl } = await sharePage(mine, token);
    await s3.close();
    expect((await viaNginx(playerUrl, { Range: 'bytes=0-9' })).status).toBeGreaterThanOrEqual(500);
    await eventually(async () => nginx.errorLog().includes(`request: "GET ${mine.mediaPath}?token=`), 5000, 'the failed request in the error log');
    expect(nginx.errorLog()).not.toContain(token);
    expect(nginx.errorLog()).not.toContain('share=');
  });
});
