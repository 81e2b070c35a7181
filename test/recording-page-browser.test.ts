import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { launchBrowser, seriousAxeViolations, type TestBrowser, type TestBrowserContext } from './helpers/browser';
import { startFakeLivekit } from './helpers/livekit-env';
import { testLongVideoMp4, testVideoMp4, type TestMediaFile } from './helpers/media';
import { startNginx, type TestNginx } from './helpers/nginx';
import { fillLoginForm, startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { freePort } from './helpers/ports';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { killAllServiceProcesses, serviceProcess, type ServiceProcess } from './helpers/service-process';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, tokenFor, type TestUser } from './helpers/service';

/**
 * The recording page in Debian's chromium, through the project's nginx (auth_request, Range),
 * the service as its own process (its log is read), s3rver holding real MP4s made by ffmpeg,
 * and a real OpenID provider (oidc-provider) for sign-in. One browser; each scenario in fresh
 * contexts (no shared cookies).
 *
 * RECORDING_PAGE_SCREENSHOT=<file.png> also saves a screenshot of an owner's page there
 * (docs/recording-page.png in the repository is made this way).
 */
jest.setTimeout(120_000);

// alice and bob are the provider's users; the host app's JWTs name the same subs.
const alice: TestUser = { sub: 'user-alice', name: 'Alice Martin', zoneinfo: 'Europe/London', rooms: { 'weekly-review': 'owner', 'design-sync': 'owner', 'old-notes': 'owner' } };
const bob: TestUser = { sub: 'user-bob', name: 'Bob Dupont', rooms: {} };

let s3: TestS3;
let livekit: FakeLivekitServer;
let db: TestDatabase;
let idp: TestOidcProvider;
let svc: ServiceProcess;
let nginx: TestNginx;
let browser: TestBrowser;
let launching: Promise<TestBrowser> | undefined;
let publicUrl: string;
let video: TestMediaFile;
let longVideo: TestMediaFile;
let review: SavedRecording;
let design: SavedRecording;
const secrets: string[] = [];

const api = () => request(svc.url);

async function shareLink(id: string): Promise<string> {
  const res = await api().post(`/api/v1.0/recordings/${id}/share-links/`).set(bearer(alice)).send({});
  expect(res.status).toBe(201);
  secrets.push(new URL(res.body.url as string).searchParams.get('share')!);
  return res.body.url as string;
}

/** The page's <video>: state and what it reports. */
function videoState(page: Page) {
  return page.$eval('#player', (el) => {
    const v = el as unknown as { readyState: number; currentTime: number; duration: number; error: { code: number } | null; currentSrc: string };
    return { readyState: v.readyState, currentTime: v.currentTime, duration: v.duration, error: v.error ? v.error.code : null, src: v.currentSrc };
  });
}

async function waitForReady(page: Page, level = 2) {
  await page.waitForFunction((min: number) => {
    const v = (globalThis as unknown as { document: { getElementById(id: string): { readyState: number } | null } }).document.getElementById('player');
    return v !== null && v.readyState >= min;
  }, { timeout: 30_000 }, level);
}

/** Seeks, plays from there until time moves on; what the element says afterwards. */
function seekAndPlay(page: Page, to: number) {
  return page.$eval(
    '#player',
    async (el, target) => {
      const v = el as unknown as {
        currentTime: number;
        error: { code: number } | null;
        play(): Promise<void>;
        pause(): void;
        addEventListener(type: string, fn: () => void, opts?: object): void;
      };
      v.currentTime = target;
      await new Promise<void>((resolve) => v.addEventListener('seeked', () => resolve(), { once: true }));
      await v.play();
      await new Promise<void>((resolve) => v.addEventListener('timeupdate', () => resolve(), { once: true }));
      v.pause();
      return { time: v.currentTime, error: v.error ? v.error.code : null };
    },
    to,
  );
}

function mediaLines(mediaPath: string): string[] {
  return nginx
    .accessLog()
    .split('\n')
    .filter((line) => line.includes(`"GET ${mediaPath}" `));
}

async function newContext(language?: string): Promise<{ ctx: TestBrowserContext; page: Page }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  if (language) await page.setExtraHTTPHeaders({ 'Accept-Language': language });
  return { ctx, page };
}

async function expectNoSeriousA11yViolations(page: Page) {
  expect(await seriousAxeViolations(page)).toEqual([]);
}

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  // Independent of each other: made and started side by side.
  launching = launchBrowser();
  let fake: Awaited<ReturnType<typeof startFakeLivekit>>;
  [video, longVideo, s3, fake, db, idp] = await Promise.all([
    testVideoMp4(),
    testLongVideoMp4(),
    startS3Server(),
    startFakeLivekit(),
    createTestDatabase(),
    startOidcProvider({ redirectUris: [`${publicUrl}/auth/oidc/callback`] }),
  ]);
  livekit = fake.livekit;
  secrets.push(idp.clientSecret);
  svc = await serviceProcess(
    {
      DATABASE_URL: db.url,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
      LOG_LEVEL: 'debug',
      PUBLIC_URL: publicUrl,
      RECORDING_EXPIRATION_DAYS: '30',
      EMAIL_BRAND_NAME: 'Example Meet',
      ...fake.env,
      ...s3Env(s3),
      ...idp.env,
    },
    { outputLimit: 16 * 1024 * 1024 },
  );
  await svc.start();
  nginx = await startNginx({ serviceUrl: svc.url, storageUrl: s3.endpointUrl, port });
  review = await savedRecording(svc.url, s3, alice, 'weekly-review', { bytes: video.bytes, contentType: video.contentType });
  design = await savedRecording(svc.url, s3, alice, 'design-sync', { bytes: longVideo.bytes, contentType: longVideo.contentType });
  browser = await launching;
}, 120_000);

afterAll(async () => {
  // Closed even when the set-up failed after the launch began.
  await (await launching?.catch(() => undefined))?.close();
  await nginx?.stop();
  await killAllServiceProcesses();
  await idp?.stop();
  await db?.drop();
  await livekit?.close();
  await s3?.close();
});

describe('a share link', () => {
  it('plays in a fresh browser: readyState >= 2, a seek to the middle plays, nginx logs 206 answers through auth_request', async () => {
    const url = await shareLink(review.id);
    const { ctx, page } = await newContext();
    try {
      const res = await page.goto(url);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['referrer-policy']).toBe('no-referrer');
      expect(await page.title()).toBe('Recording of “weekly-review”');
      await waitForReady(page);
      const state = await videoState(page);
      // A share-media token, never the share token itself, in the media URL.
      expect(state.src).toMatch(new RegExp(`^${publicUrl}${review.mediaPath}\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
      expect(state.src).not.toContain(new URL(url).searchParams.get('share')!);
      secrets.push(new URL(state.src).searchParams.get('token')!);
      expect(state.duration).toBeGreaterThan(5.9);
      const played = await seekAndPlay(page, 3);
      expect(played.error).toBeNull();
      expect(played.time).toBeGreaterThanOrEqual(3);
      // The duration, known once the metadata is in, is shown.
      expect(await page.$eval('#duration', (el) => ({ hidden: (el as unknown as { hidden: boolean }).hidden, text: el.textContent }))).toEqual({ hidden: false, text: 'Duration0:06' });
      const lines = mediaLines(review.mediaPath);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.some((l) => / 206 \d+ auth=200 range="bytes=\d+-\d*"/.test(l))).toBe(true);
      // A viewer with a link sees no management.
      expect(await page.$('#share-heading')).toBeNull();
      expect(await page.$('form[data-api="delete"]')).toBeNull();
      await expectNoSeriousA11yViolations(page);
    } finally {
      await ctx.close();
    }
  });

  it('the download button saves a file byte-identical to the stored object, under a readable name', async () => {
    const url = await shareLink(review.id);
    const { ctx, page } = await newContext();
    try {
      await page.goto(url);
      await page.click('#download');
      const download = await ctx.nextDownload(30_000);
      const stored = await s3.getObject(review.key);
      expect(download.bytes.equals(stored)).toBe(true);
      expect(download.bytes.equals(video.bytes)).toBe(true);
      expect(download.suggestedFilename).toMatch(/^weekly-review \d{4}-\d{2}-\d{2} \d{2}\.\d{2}\.mp4$/);
    } finally {
      await ctx.close();
    }
  });

  it('in French for a French browser, with no serious accessibility violation', async () => {
    const url = await shareLink(review.id);
    const { ctx, page } = await newContext('fr-FR,fr;q=0.9,en;q=0.5');
    try {
      await page.goto(url);
      expect(await page.$eval('html', (el) => el.getAttribute('lang'))).toBe('fr');
      expect(await page.title()).toBe('Enregistrement de « weekly-review »');
      expect(await page.$eval('#download', (el) => el.textContent)).toBe('Télécharger l’enregistrement');
      const facts = await page.$eval('.facts', (el) => el.textContent ?? '');
      expect(facts).toContain('Salle');
      expect(facts).toContain('Disponible jusqu’au');
      expect(facts).not.toMatch(/\b(Room|Date and time|Available until)\b/);
      await waitForReady(page);
      await expectNoSeriousA11yViolations(page);
    } finally {
      await ctx.close();
    }
  });

  it('an unknown or broken link gets a page without the room name', async () => {
    const { ctx, page } = await newContext();
    try {
      const res = await page.goto(`${publicUrl}/recordings/${review.id}?share=${'x'.repeat(43)}`);
      expect(res?.status()).toBe(404);
      const text = await page.$eval('body', (el) => el.textContent ?? '');
      expect(text).toContain('This link does not work');
      expect(text).not.toContain('weekly-review');
      await expectNoSeriousA11yViolations(page);
    } finally {
      await ctx.close();
    }
  });
});

describe('an owner with #access_token=', () => {
  it('creates a share link, a fresh context plays it, the owner revokes it and the next seek there is refused', async () => {
    const ownerJwt = tokenFor(alice);
    secrets.push(ownerJwt);
    const owner = await newContext();
    const viewer = await newContext();
    try {
      await owner.ctx.context.overridePermissions(publicUrl, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
      const first = await owner.page.goto(`${publicUrl}/recordings/${design.id}#access_token=${ownerJwt}`);
      // The server never sees the fragment: it answers "no credential", the script takes over.
      expect(first?.status()).toBe(401);
      await owner.page.waitForSelector('#share-heading');
      // The token left the address bar.
      expect(owner.page.url()).toBe(`${publicUrl}/recordings/${design.id}`);
      expect(await owner.page.title()).toBe('Recording of “design-sync”');
      await waitForReady(owner.page, 1);
      // The owner's player uses a short-lived download link, not the JWT.
      const ownerSrc = (await videoState(owner.page)).src;
      expect(ownerSrc).toMatch(new RegExp(`^${publicUrl}${design.mediaPath}\\?token=`));
      expect(ownerSrc).not.toContain(ownerJwt);
      secrets.push(new URL(ownerSrc).searchParams.get('token')!);

      await owner.page.$eval('#share-days', (el) => void ((el as unknown as { value: string }).value = '2'));
      await owner.page.click('form[data-api="create-share"] button[type="submit"]');
      await owner.page.waitForFunction(() => {
        const box = (globalThis as unknown as { document: { getElementById(id: string): { hidden: boolean } | null } }).document.getElementById('new-share-link');
        return box !== null && !box.hidden;
      });
      const url = await owner.page.$eval('#new-share-url', (el) => (el as unknown as { value: string }).value);
      expect(url).toMatch(new RegExp(`^${publicUrl}/recordings/${design.id}\\?share=[A-Za-z0-9_-]{43}$`));
      secrets.push(new URL(url).searchParams.get('share')!);
      await owner.page.click('#copy-share-link');
      await owner.page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('copy-status').textContent === 'Link copied.');
      expect(await owner.page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(url);
      expect(await owner.page.$$('tbody tr')).toHaveLength(1);
      await expectNoSeriousA11yViolations(owner.page);

      // When the player's download link stops working (it lives DOWNLOAD_LINK_TTL_SECONDS), the
      // script asks POST .../download-link/ for a new one with the token and carries on.
      await owner.page.$eval('#player', (el) => void ((el as unknown as { src: string }).src = '/media/recordings/00000000-0000-4000-8000-000000000000.mp4?token=a.b.c'));
      await owner.page.waitForFunction(
        (before: string) => {
          const v = (globalThis as unknown as { document: { getElementById(id: string): { currentSrc: string; readyState: number } } }).document.getElementById('player');
          return v.currentSrc !== before && v.currentSrc.includes('?token=') && !v.currentSrc.includes('a.b.c') && v.readyState >= 1;
        },
        { timeout: 30_000 },
        ownerSrc,
      );
      const renewed = (await videoState(owner.page)).src;
      expect(renewed).toMatch(new RegExp(`^${publicUrl}${design.mediaPath}\\?token=`));
      secrets.push(new URL(renewed).searchParams.get('token')!);
      expect(await owner.page.$eval('#download', (el) => el.getAttribute('href'))).toBe(new URL(renewed).pathname + new URL(renewed).search);
      expect(nginx.accessLog()).toContain(`"POST /api/v1.0/recordings/${design.id}/download-link/" 200 `);

      const shownUrl = process.env.RECORDING_PAGE_SCREENSHOT;
      if (shownUrl) {
        mkdirSync(path.dirname(shownUrl), { recursive: true });
        await owner.page.setViewport({ width: 1100, height: 1300 });
        // A frame of the test pattern rather than a black box.
        await owner.page.$eval('#player', async (el) => {
          const v = el as unknown as { currentTime: number; addEventListener(t: string, f: () => void, o?: object): void };
          v.currentTime = 20;
          await new Promise<void>((resolve) => v.addEventListener('seeked', () => resolve(), { once: true }));
        });
        await owner.page.screenshot({ path: shownUrl as `${string}.png`, fullPage: true });
      }

      // The viewer opens the link: only the start of the 11 MB file is read (preload=metadata).
      expect((await viewer.page.goto(url))?.status()).toBe(200);
      await waitForReady(viewer.page, 2);
      const refusedBefore = mediaLines(design.mediaPath).filter((l) => / 403 /.test(l)).length;

      // The owner revokes it.
      await owner.page.click('form[data-api="revoke-share"] button[type="submit"]');
      await owner.page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): unknown[] } }).document.querySelectorAll('tbody tr').length === 0);
      const links = await api().get(`/api/v1.0/recordings/${design.id}/share-links/`).set(bearer(alice));
      expect(links.body.results[0]).toMatchObject({ is_active: false });

      // The viewer seeks near the end: the range it needs is refused at once.
      await viewer.page.$eval('#player', (el) => void ((el as unknown as { currentTime: number }).currentTime = 57));
      await viewer.page.waitForSelector('#media-error:not([hidden])', { timeout: 30_000 });
      const after = await videoState(viewer.page);
      expect(after.error).not.toBeNull();
      const refused = mediaLines(design.mediaPath).filter((l) => / 403 /.test(l));
      expect(refused.length).toBeGreaterThan(refusedBefore);
      expect(refused.at(-1)).toContain('auth=403');
      // And the page itself no longer opens, without the room name.
      const again = await viewer.page.goto(url);
      expect(again?.status()).toBe(403);
      expect(await viewer.page.$eval('body', (el) => el.textContent ?? '')).not.toContain('design-sync');
    } finally {
      await owner.ctx.close();
      await viewer.ctx.close();
    }
  });
});

describe('OpenID Connect sign-in', () => {
  it("signs the owner in at the test provider and shows her page; a share link made there and revoked; the media plays on her session", async () => {
    const { ctx, page } = await newContext();
    try {
      const first = await page.goto(`${publicUrl}/recordings/${review.id}`);
      expect(first?.status()).toBe(401);
      expect(await page.$eval('body', (el) => el.textContent ?? '')).not.toContain('weekly-review');
      await expectNoSeriousA11yViolations(page);
      await Promise.all([page.waitForNavigation(), page.click('main a.button')]);
      expect(page.url().startsWith(`${idp.issuer}/interaction/`)).toBe(true);
      await fillLoginForm(page, { login: 'user-alice' });
      expect(page.url()).toBe(`${publicUrl}/recordings/${review.id}`);
      expect(await page.title()).toBe('Recording of “weekly-review”');
      expect(await page.$eval('header .signout span', (el) => el.textContent)).toBe('Signed in as Alice Martin');

      const cookies = await page.cookies();
      const session = cookies.find((c) => c.name === 'recorder_session')!;
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(session.secure).toBe(false); // plain http here; see recording-page.test.ts for https
      secrets.push(session.value);

      // The media comes with the session cookie through media-auth: no token in its URL.
      await waitForReady(page);
      expect((await videoState(page)).src).toBe(`${publicUrl}${review.mediaPath}`);
      expect((await seekAndPlay(page, 2)).error).toBeNull();
      await expectNoSeriousA11yViolations(page);

      // A share link from the form (CSRF token included), shown once, then revoked.
      await Promise.all([page.waitForNavigation(), page.click('form[data-api="create-share"] button[type="submit"]')]);
      const url = await page.$eval('#new-share-url', (el) => (el as unknown as { value: string }).value);
      expect(url).toMatch(/\?share=[A-Za-z0-9_-]{43}$/);
      secrets.push(new URL(url).searchParams.get('share')!);
      const token = new URL(url).searchParams.get('share')!;
      expect((await fetch(`${nginx.url}${review.mediaPath}?share=${token}`, { headers: { Range: 'bytes=0-9' } })).status).toBe(206);
      await Promise.all([page.waitForNavigation(), page.click('form[data-api="revoke-share"] button[type="submit"]')]);
      expect(page.url()).toBe(`${publicUrl}/recordings/${review.id}`);
      expect((await fetch(`${nginx.url}${review.mediaPath}?share=${token}`, { headers: { Range: 'bytes=0-9' } })).status).toBe(403);
      expect(await page.$('#new-share-url[value^="http"]')).toBeNull();
    } finally {
      await ctx.close();
    }
  });

  it('deletes a recording after the confirmation', async () => {
    const old = await savedRecording(svc.url, s3, alice, 'old-notes', { bytes: video.bytes, contentType: video.contentType });
    const { ctx, page } = await newContext();
    try {
      await page.goto(`${publicUrl}/recordings/${old.id}`);
      await Promise.all([page.waitForNavigation(), page.click('main a.button')]);
      await fillLoginForm(page, { login: 'user-alice' });
      // The delete button is out of sight until the viewer opens the confirmation.
      const shown = () => page.$eval('details form button', (el) => (el as unknown as { checkVisibility(): boolean }).checkVisibility());
      expect(await shown()).toBe(false);
      await page.click('details summary');
      expect(await shown()).toBe(true);
      await Promise.all([page.waitForNavigation(), page.click('details form button')]);
      expect(await page.title()).toBe('Recording deleted');
      expect((await api().get(`/api/v1.0/recordings/${old.id}/`).set(bearer(alice))).status).toBe(404);
      expect(await s3.hasObject(old.key)).toBe(false);
    } finally {
      await ctx.close();
    }
  });

  it('a different user signed in sees 403 without the room name, and her media is refused', async () => {
    const { ctx, page } = await newContext();
    try {
      await page.goto(`${publicUrl}/recordings/${review.id}`);
      await Promise.all([page.waitForNavigation(), page.click('main a.button')]);
      await fillLoginForm(page, { login: 'bob@example.test' });
      const res = await page.reload();
      expect(res?.status()).toBe(403);
      expect(await page.title()).toBe('No access');
      expect(await page.$eval('body', (el) => el.textContent ?? '')).not.toContain('weekly-review');
      await expectNoSeriousA11yViolations(page);
      const status = await page.evaluate(
        (p: string) => fetch(p, { headers: { Range: 'bytes=0-9' } }).then((r) => r.status),
        review.mediaPath,
      );
      expect(status).toBe(403);
      secrets.push((await page.cookies()).find((c) => c.name === 'recorder_session')!.value);
      void bob;
    } finally {
      await ctx.close();
    }
  });
});

describe('logs', () => {
  it('no token, session or secret appears in nginx access log or the service log', () => {
    const log = nginx.accessLog();
    const service = svc.output();
    // The service did log the page's media decisions (so the check below reads real lines).
    expect(service).toMatch(/"via":"share"/);
    expect(service).toMatch(/"via":"session"/);
    expect(secrets.length).toBeGreaterThan(8);
    for (const secret of secrets) {
      expect(log.includes(secret)).toBe(false);
      expect(service.includes(secret)).toBe(false);
    }
    for (const fragment of ['share=', 'token=', 'access_token', 'code=', 'state=']) {
      expect(log.includes(fragment)).toBe(false);
    }
    expect(service.includes('share=')).toBe(false);
    expect(service.includes('access_token')).toBe(false);
  });
});
