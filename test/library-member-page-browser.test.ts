import type { Page } from 'puppeteer-core';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { launchBrowser, type TestBrowser } from './helpers/browser';
import { startFakeLivekit } from './helpers/livekit-env';
import { testVideoMp4 } from './helpers/media';
import { startNginx, type TestNginx } from './helpers/nginx';
import { freePort } from './helpers/ports';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { bearer, startTestService, tokenFor, type TestService, type TestUser } from './helpers/service';

/**
 * A room member on the recording page (host-app token in #access_token=), in Debian's chromium
 * through the project's nginx: with `view` the player plays and there is no download button;
 * with `download` there are both. The member's media URLs run out within seconds here
 * (DOWNLOAD_LINK_TTL_SECONDS), so the page must also renew them the way a member may.
 */
jest.setTimeout(120_000);

const owner: TestUser = { sub: 'member-page-owner', rooms: { 'member-page': 'owner' } };
const member: TestUser = { sub: 'member-page-member', rooms: { 'member-page': 'member' } };
const LINK_TTL_SECONDS = 10; // the shortest DOWNLOAD_LINK_TTL_SECONDS allows

let s3: TestS3;
let livekit: FakeLivekitServer;
let svc: TestService;
let nginx: TestNginx;
let browser: TestBrowser;
let rec: SavedRecording;

interface Media {
  readyState: number;
  currentTime: number;
  error: { code: number } | null;
  play(): Promise<void>;
  pause(): void;
  addEventListener(type: string, fn: () => void, options?: object): void;
}
interface Doc {
  getElementById(id: string): ({ hidden: boolean } & Partial<Media>) | null;
}

beforeAll(async () => {
  const video = await testVideoMp4();
  s3 = await startS3Server();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  const port = await freePort();
  svc = await startTestService({ ...fake.env, ...s3Env(s3), PUBLIC_URL: `http://127.0.0.1:${port}`, DOWNLOAD_LINK_TTL_SECONDS: String(LINK_TTL_SECONDS) });
  nginx = await startNginx({ serviceUrl: svc.url, storageUrl: s3.endpointUrl, port });
  rec = await savedRecording(svc.url, s3, owner, 'member-page', { bytes: video.bytes, contentType: video.contentType });
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});

const setAccess = (members: string) => request(svc.url).put('/api/v1.0/rooms/member-page/recording-access/').set(bearer(owner)).send({ members });

/** Opens the member's page, waits until the link it was given has run out, then plays 1 s. */
async function playAsMember(page: Page): Promise<{ played: number; error: number | null; mediaError: boolean }> {
  await page.goto(`${nginx.url}/recordings/${rec.id}#access_token=${tokenFor(member)}`);
  await page.waitForSelector('#player');
  await page.waitForFunction(() => ((globalThis as unknown as { document: Doc }).document.getElementById('player')?.readyState ?? 0) >= 1, { timeout: 30_000 });
  // The media URL's token is dead by now: playing on needs a fresh one.
  await new Promise((resolve) => setTimeout(resolve, (LINK_TTL_SECONDS + 1) * 1000));
  const result = await page.$eval('#player', async (el) => {
    const v = el as unknown as Media;
    v.currentTime = 2;
    await v.play().catch(() => undefined);
    const from = v.currentTime;
    await new Promise<void>((resolve) => {
      const check = () => (v.currentTime - from >= 1 ? resolve() : setTimeout(check, 100));
      check();
      setTimeout(resolve, 20_000);
    });
    v.pause();
    return { played: v.currentTime - from, error: v.error ? v.error.code : null };
  });
  const mediaError = await page.$eval('#media-error', (el) => !(el as unknown as { hidden: boolean }).hidden).catch(() => false);
  return { ...result, mediaError };
}

it('view: the member plays past an expired media link, with no download button', async () => {
  expect((await setAccess('view')).status).toBe(200);
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    const outcome = await playAsMember(page);
    expect(outcome).toMatchObject({ error: null, mediaError: false });
    expect(outcome.played).toBeGreaterThanOrEqual(1);
    expect(await page.$('#download')).toBeNull();
    // The fresh URL came from the page itself, not from a download link the member may not have.
    expect(nginx.accessLog()).not.toContain(`"POST /api/v1.0/recordings/${rec.id}/download-link/"`);
  } finally {
    await ctx.close();
  }
});

it('download: the member plays and gets the download button', async () => {
  expect((await setAccess('download')).status).toBe(200);
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    const outcome = await playAsMember(page);
    expect(outcome).toMatchObject({ error: null, mediaError: false });
    expect(outcome.played).toBeGreaterThanOrEqual(1);
    expect(await page.$('#download')).not.toBeNull();
  } finally {
    await ctx.close();
  }
});
