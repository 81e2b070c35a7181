import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import yauzl from 'yauzl';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { launchBrowser, seriousAxeViolations, type TestBrowser, type TestBrowserContext } from './helpers/browser';
import { eventually, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { startTestService, tokenFor, type TestService, type TestUser } from './helpers/service';

/**
 * The library page in Chromium, with a host-app token in the fragment: filter by room, select
 * two, download them as a ZIP, delete one after the confirmation; axe-core and 320 px wide.
 * LIBRARY_PAGE_SCREENSHOT=<file.png> keeps the 320 px screenshot there.
 */

const owner: TestUser = { sub: 'lib-owner', locale: 'en', rooms: { 'lib-a': 'owner', 'lib-b': 'owner' } };
let livekit: FakeLivekitServer;
let s3: TestS3;
let svc: TestService;
let browser: TestBrowser;
let ctx: TestBrowserContext;
let page: Page;
let work: string;
const recs: SavedRecording[] = [];

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  s3 = await startS3Server({ bucket: 'meet-media-storage' });
  svc = await startTestService({ ...fake.env, ...s3Env(s3), RECONCILE_INTERVAL_MS: '60000' });
  for (const room of ['lib-a', 'lib-b', 'lib-a']) {
    recs.push(await savedRecording(svc.url, s3, owner, room, { bytes: Buffer.from(`bytes of a recording in ${room} #${recs.length}`), contentType: 'video/mp4' }));
  }
  work = await mkdtemp(join(tmpdir(), 'rec-lib-page-'));
  browser = await launchBrowser();
  ctx = await browser.newContext();
  page = await ctx.newPage();
  await page.setExtraHTTPHeaders({ 'Accept-Language': 'en' });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await svc?.close();
  await livekit?.close();
  await s3?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The page's document, typed loosely (the tests compile without the DOM library). */
type Doc = { querySelectorAll(s: string): { length: number }; activeElement: { id: string } | null; documentElement: { scrollWidth: number } };

const rows = () => page.$$eval('ul.library li', (items) => items.map((li) => li.getAttribute('data-id')));

function zipEntries(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const found = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            found.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(found));
      zip.readEntry();
    });
  });
}

it('filters, downloads two as a ZIP, deletes one after confirming; accessible and 320 px wide', async () => {
  await page.goto(`${svc.url}/recordings#access_token=${tokenFor(owner)}`);
  await page.waitForSelector('ul.library li');
  expect(page.url()).not.toContain('access_token');
  expect((await rows()).sort()).toEqual(recs.map((r) => r.id).sort());
  // Newest first.
  expect(await rows()).toEqual([recs[2]!.id, recs[1]!.id, recs[0]!.id]);

  await page.type('input[name="room"]', 'lib-a');
  await page.click('#filters button[type="submit"]');
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelectorAll('ul.library li').length === 2);
  expect(await rows()).toEqual([recs[2]!.id, recs[0]!.id]);
  expect(page.url()).toContain('room=lib-a');

  for (const rec of [recs[0]!, recs[2]!]) await page.click(`#rec-${rec.id}`);
  await page.click('#download-zip');
  const download = await ctx.nextDownload(20_000);
  expect(download.suggestedFilename).toMatch(/^recordings .*\.zip$/);
  const file = join(work, 'library.zip');
  await writeFile(file, download.bytes);
  const entries = await zipEntries(file);
  expect(entries.size).toBe(2);
  for (const rec of [recs[0]!, recs[2]!]) {
    const [name, bytes] = [...entries].find(([n]) => n.includes(`(${rec.id.slice(0, 8)})/`))!;
    expect(name).toMatch(/^lib-a \d{4}-\d\d-\d\d \d\d\.\d\d \([0-9a-f]{8}\)\/.+\.mp4$/);
    expect(bytes.equals(await s3.getObject(rec.key))).toBe(true);
  }

  expect(await seriousAxeViolations(page)).toEqual([]);

  // Delete one: nothing happens before the confirmation.
  await page.click(`#rec-${recs[2]!.id}`); // unselect
  await page.click('#delete-selected');
  await page.waitForSelector('#confirm:not([hidden])');
  expect(await page.$eval('#confirm-text', (el) => el.textContent)).toContain('1 selected');
  expect(await page.evaluate(() => (globalThis as unknown as { document: Doc }).document.activeElement?.id)).toBe('confirm-delete');
  expect(await statusOf(svc.db.url, recs[0]!.id)).toBeDefined();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.click('#confirm-delete');
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelectorAll('ul.library li').length === 1);
  expect(await page.$eval('#library-notice', (el) => el.textContent)).toContain('1 deleted');
  await eventually(async () => (await statusOf(svc.db.url, recs[0]!.id)) === undefined, 5000, 'the deletion');
  expect(await s3.hasObject(recs[0]!.key)).toBe(false);

  await page.setViewport({ width: 320, height: 900 });
  await page.goto(`${svc.url}/recordings#access_token=${tokenFor(owner)}`);
  await page.waitForSelector('ul.library li');
  expect(await page.evaluate(() => (globalThis as unknown as { document: Doc }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  expect(await seriousAxeViolations(page)).toEqual([]);
  const shot = process.env.LIBRARY_PAGE_SCREENSHOT ?? join(work, 'library-320.png');
  await page.screenshot({ path: shot as `${string}.png`, fullPage: true });
}, 90_000);
