import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as Minio from 'minio';
import type { Page } from 'puppeteer-core';
import request from 'supertest';
import { devSecret } from '../src/config/dev-mode';
import { launchBrowser, seriousAxeViolations, type TestBrowser, type TestBrowserContext } from './helpers/browser';
import { eventually, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { testVideoMp4 } from './helpers/media';
import { startTestService, tokenFor, type TestService } from './helpers/service';
import type { FakeLivekitServer } from './fakes/livekit-server';

let dataDir: string;
let livekit: FakeLivekitServer;
let service: TestService;
let browser: TestBrowser;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'rec-devmode-browser-'));
  const lk = await startFakeLivekit();
  livekit = lk.livekit;
  [service, browser] = await Promise.all([
    startTestService({
      AUTH_JWT_SECRET: undefined,
      RECORDING_STORAGE_EVENT_TOKEN: undefined,
      DATA_DIR: dataDir,
      LIVEKIT_API_URL: lk.env.LIVEKIT_API_URL,
      LIVEKIT_API_KEY: lk.env.LIVEKIT_API_KEY,
      LIVEKIT_API_SECRET: lk.env.LIVEKIT_API_SECRET,
      WORKER_TIMEOUT_MS: lk.env.WORKER_TIMEOUT_MS,
    }),
    launchBrowser(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  await livekit?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A page that records every Content-Security-Policy violation (the listener is added over CDP, outside the page's CSP). */
async function openPage(ctx: TestBrowserContext, pathname: string): Promise<{ page: Page; violations: () => Promise<string[]> }> {
  const page = await ctx.newPage();
  await page.evaluateOnNewDocument(() => {
    type Violation = { violatedDirective: string; blockedURI: string };
    const scope = globalThis as unknown as { cspViolations: string[]; document: { addEventListener(type: string, listener: (e: Violation) => void): void } };
    const seen: string[] = [];
    scope.cspViolations = seen;
    scope.document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${service.url}${pathname}`, { waitUntil: 'load' });
  return { page, violations: () => page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations) };
}

/** Waits until the element's text matches `pattern`. */
async function waitForText(page: Page, selector: string, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(
    (sel: string, source: string) => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
      return new RegExp(source).test(doc.querySelector(sel)?.textContent ?? '');
    },
    { timeout: timeoutMs },
    selector,
    pattern.source,
  );
}

function activeElementId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id);
}

describe('the development start page in Chromium', () => {
  it('starts and stops the demo room from the keyboard, shows the status and passes axe', async () => {
    const ctx = await browser.newContext();
    try {
      const { page, violations } = await openPage(ctx, '/');
      const token = await page.$eval('#token', (el) => (el as unknown as { value: string }).value);
      expect(token.split('.')).toHaveLength(3);
      await waitForText(page, '#room-status', /Not recording\./);
      expect(await seriousAxeViolations(page)).toEqual([]);

      // Tab from the copy button to Start, press Enter.
      await page.focus('#copy-token');
      await page.keyboard.press('Tab');
      expect(await activeElementId(page)).toBe('start');
      await page.keyboard.press('Enter');
      await waitForText(page, '#action-result', /^Start: 201/);
      await waitForText(page, '#room-status', /Recording \S+ is (initiated|active)\./);
      await page.waitForSelector('#recordings a[href^="/recordings/"]', { timeout: 10_000 });
      const link = await page.$eval('#recordings a', (a) => a.getAttribute('href') ?? '');
      expect(link).toMatch(/#access_token=/);

      await page.focus('#stop');
      await page.keyboard.press('Enter');
      await waitForText(page, '#action-result', /^Stop: 200/);
      expect(await violations()).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it('plays a recording saved through the embedded store on its page, the media served without nginx; its email is captured', async () => {
    const token = tokenFor({ sub: 'dev-owner', email: 'dev-owner@example.org', rooms: { 'demo-room': 'owner' } }, {}, devSecret(dataDir));
    const auth = { Authorization: `Bearer ${token}` };
    const start = await request(service.url).post('/api/v1.0/rooms/demo-room/start-recording/').set(auth).send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    expect((await request(service.url).post('/api/v1.0/rooms/demo-room/stop-recording/').set(auth).send()).status).toBe(200);
    const storage = service.running.parts.api.config.storage!;
    const url = new URL(storage.endpointUrl);
    const client = new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: storage.accessKeyId, secretKey: storage.secretAccessKey, region: storage.region, pathStyle: true });
    const video = await testVideoMp4();
    await client.putObject(storage.bucket, start.body.key as string, video.bytes, video.bytes.length, { 'Content-Type': 'video/mp4' });
    await eventually(async () => ['saved', 'notification_succeeded'].includes((await statusOf(service.db.url, start.body.id as string)) ?? ''), 10_000, 'saved');

    const ctx = await browser.newContext();
    try {
      const { page } = await openPage(ctx, `/recordings/${start.body.id as string}#access_token=${token}`);
      await page.waitForFunction(() => {
        const v = (globalThis as unknown as { document: { getElementById(id: string): { readyState: number } | null } }).document.getElementById('player');
        return v !== null && v.readyState >= 2;
      }, { timeout: 20_000 });

      // The owner's email, captured: its HTML part in a sandboxed frame, its text part below.
      await eventually(async () => (await statusOf(service.db.url, start.body.id as string)) === 'notification_succeeded', 10_000, 'email sent');
      const mail = await openPage(ctx, '/dev/mail/1');
      const frame = await (await mail.page.waitForSelector('iframe'))!.contentFrame();
      await frame.waitForFunction(() => ((globalThis as unknown as { document: { body: { textContent: string } | null } }).document.body?.textContent ?? '').length > 20, { timeout: 10_000 });
      expect(await frame.evaluate(() => (globalThis as unknown as { document: { body: { innerHTML: string } } }).document.body.innerHTML)).toContain(`/recordings/${start.body.id as string}`);
      expect(await mail.page.$eval('pre', (el) => el.textContent)).toContain(start.body.id as string);
      expect(await seriousAxeViolations(mail.page)).toEqual([]);
      expect(await mail.violations()).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it('renders the API reference from the service OpenAPI document, with local files only, and passes axe', async () => {
    const ctx = await browser.newContext();
    try {
      const { page, violations } = await openPage(ctx, '/dev/api');
      await page.waitForSelector('.opblock', { timeout: 20_000 });
      const operations = await page.$$eval('.opblock-summary-path', (els) => els.map((el) => el.textContent ?? ''));
      expect(operations.some((p) => p.includes('/api/v1.0/rooms/{room}/start-recording/'))).toBe(true);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await violations()).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it('the captured-email list passes axe', async () => {
    const ctx = await browser.newContext();
    try {
      const { page, violations } = await openPage(ctx, '/dev/mail');
      expect(await page.$eval('h1', (h) => h.textContent)).toBe('Captured emails');
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await violations()).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 30_000);
});
