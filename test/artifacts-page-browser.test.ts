import type { Page } from 'puppeteer-core';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { launchBrowser, seriousAxeViolations, type TestBrowser } from './helpers/browser';
import { startFakeLivekit } from './helpers/livekit-env';
import { testVideoMp4 } from './helpers/media';
import { startNginx, type TestNginx } from './helpers/nginx';
import { freePort } from './helpers/ports';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { bearer, startTestService, tokenFor, type TestService, type TestUser } from './helpers/service';

/**
 * A recording's artifacts on its page, in Debian's chromium through the project's nginx: the
 * transcript as the player's captions (a <track> through the artifacts API) and as a panel
 * that seeks, chapters, the speaker time line, and a hostile summary.md rendered harmless.
 */
jest.setTimeout(120_000);

const owner: TestUser = { sub: 'page-artifacts-owner', name: 'Alice', rooms: { 'art-page': 'owner' } };
const TRANSCRIPT = 'WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Alice>Hello there\n\n00:00:03.500 --> 00:00:05.000\n<v Bob>Hi Alice\n';
const CHAPTERS = 'WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nWelcome\n\n00:00:03.000 --> 00:00:06.000\nQuestions\n';
const SUMMARY = '# Summary\n\nWe met.\n\n<script>window.__pwned = 1</script>\n\n[click me](javascript:window.__pwned=2) and [the site](https://example.org/)\n\n<img src=x onerror="window.__pwned=3">\n';
const SPEAKERS = JSON.stringify({ speakers: [{ identity: 'alice', name: 'Alice', segments: [[1, 3]] }, { identity: 'bob', name: 'Bob', segments: [[3.5, 5]] }] });

let s3: TestS3;
let livekit: FakeLivekitServer;
let svc: TestService;
let nginx: TestNginx;
let browser: TestBrowser;
let launching: Promise<TestBrowser> | undefined;
let rec: SavedRecording;
let pageUrl: string;

/** What the callbacks run in the page use of the DOM (the project compiles without the DOM's types). */
interface Track {
  kind: string;
  mode: string;
  cues: { length: number } | null;
  activeCues: ArrayLike<{ text: string }> | null;
}
interface Media {
  currentTime: number;
  readyState: number;
  textTracks: ArrayLike<Track>;
  addEventListener(type: string, fn: (value?: unknown) => void, options?: object): void;
}
interface El {
  style: { left: string; width: string };
}
interface Win {
  document: { getElementById(id: string): unknown; querySelector(selector: string): unknown };
  __pwned?: number;
}

const put = (name: string, body: string) => request(svc.url).put(`/api/v1.0/recordings/${rec.id}/artifacts/${name}`).set(bearer(owner)).send(body);

beforeAll(async () => {
  // Independent of each other: made and started side by side.
  launching = launchBrowser();
  const [video, s3Server, fake, port] = await Promise.all([testVideoMp4(), startS3Server(), startFakeLivekit(), freePort()]);
  s3 = s3Server;
  livekit = fake.livekit;
  svc = await startTestService({ ...fake.env, ...s3Env(s3), PUBLIC_URL: `http://127.0.0.1:${port}` });
  nginx = await startNginx({ serviceUrl: svc.url, storageUrl: s3.endpointUrl, port });
  rec = await savedRecording(svc.url, s3, owner, 'art-page', { bytes: video.bytes, contentType: video.contentType });
  for (const [name, body] of [['transcript.vtt', TRANSCRIPT], ['chapters.vtt', CHAPTERS], ['summary.md', SUMMARY], ['speakers.json', SPEAKERS]]) {
    expect((await put(name!, body!)).status).toBe(201);
  }
  const link = await request(svc.url).post(`/api/v1.0/recordings/${rec.id}/share-links/`).set(bearer(owner)).send({});
  const share = new URL(link.body.url as string).searchParams.get('share')!;
  pageUrl = `${nginx.url}/recordings/${rec.id}?share=${share}`;
  browser = await launching;
}, 90_000);

afterAll(async () => {
  // Closed even when the set-up failed after the launch began.
  await (await launching?.catch(() => undefined))?.close();
  await nginx?.stop();
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});

async function open(url: string, language = 'en'): Promise<{ page: Page; close: () => Promise<void> }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.setExtraHTTPHeaders({ 'Accept-Language': language });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => {
    const v = (globalThis as unknown as Win).document.getElementById('player') as Media | null;
    return v !== null && v.readyState >= 1;
  }, { timeout: 30_000 });
  return { page, close: () => ctx.close() };
}

/** Seeks the player and waits for the captions track to have caught up. */
async function activeCaption(page: Page, at: number): Promise<string | null> {
  return page.evaluate(async (t) => {
    const v = (globalThis as unknown as Win).document.getElementById('player') as Media;
    const track = Array.from(v.textTracks).find((x) => x.kind === 'captions')!;
    track.mode = 'showing';
    v.currentTime = t;
    await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
    for (let i = 0; i < 50 && (track.cues === null || track.cues.length === 0 || (track.activeCues?.length ?? 0) === 0); i++) await new Promise((r) => setTimeout(r, 100));
    const cue = track.activeCues?.[0] as { text: string } | undefined;
    return cue ? cue.text : null;
  }, at);
}

it('shows the transcript as captions: the cue active at 4 s is Bob\'s, at 2 s Alice\'s', async () => {
  const { page, close } = await open(pageUrl);
  try {
    expect(await activeCaption(page, 4)).toBe('<v Bob>Hi Alice');
    expect(await activeCaption(page, 2)).toBe('<v Alice>Hello there');
  } finally {
    await close();
  }
});

it('a click on a transcript cue seeks the player there and highlights it; chapters and speaker segments seek too', async () => {
  const { page, close } = await open(pageUrl);
  try {
    const speakers = await page.$$eval('#transcript .cue-speaker', (els) => els.map((el) => el.textContent));
    expect(speakers).toEqual(['Alice', 'Bob']);
    const cues = await page.$$('#transcript button.cue');
    await cues[1]!.click();
    await page.waitForFunction(() => Math.abs(((globalThis as unknown as Win).document.getElementById('player') as Media).currentTime - 3.5) < 0.05);
    expect(await page.$eval('#transcript button.cue.active .cue-text', (el) => el.textContent)).toBe('Hi Alice');
    // Keyboard: the cues are buttons.
    await cues[0]!.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => Math.abs(((globalThis as unknown as Win).document.getElementById('player') as Media).currentTime - 1) < 0.05);
    const chapter = await page.$$('.chapters button.seek');
    await chapter[1]!.click();
    await page.waitForFunction(() => Math.abs(((globalThis as unknown as Win).document.getElementById('player') as Media).currentTime - 3) < 0.05);
    const rows = await page.$$eval('#speakers .speaker-row', (els) => els.map((el) => el.querySelector('.speaker-name')!.textContent));
    expect(rows).toEqual(['Alice', 'Bob']);
    const placed = await page.$$eval('#speakers button.segment', (els) => els.map((el) => [(el as unknown as El).style.left, (el as unknown as El).style.width]));
    expect(placed).toEqual([['20%', '40%'], ['70%', '30%']]);
    const segments = await page.$$('#speakers button.segment');
    await segments[1]!.click();
    await page.waitForFunction(() => Math.abs(((globalThis as unknown as Win).document.getElementById('player') as Media).currentTime - 3.5) < 0.05);
  } finally {
    await close();
  }
});

it("renders summary.md without its <script>, its javascript: link or its raw HTML, and the page is axe-clean", async () => {
  const { page, close } = await open(pageUrl);
  try {
    expect(await page.$eval('#summary h1', (el) => el.textContent)).toBe('Summary');
    expect(await page.$$eval('#summary script, #summary img', (els) => els.length)).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as Win).__pwned)).toBeUndefined();
    const links = await page.$$eval('#summary a', (els) => els.map((a) => [a.getAttribute('href'), a.getAttribute('rel')]));
    expect(links).toEqual([['https://example.org/', 'noopener noreferrer nofollow']]);
    const text = await page.$eval('#summary', (el) => el.textContent!);
    expect(text).toContain('<script>window.__pwned = 1</script>');
    expect(text).toContain('[click me](javascript:window.__pwned=2)');
    expect(await seriousAxeViolations(page)).toEqual([]);
  } finally {
    await close();
  }
});

it('speaks each of the four languages in its chrome', async () => {
  const headings: Record<string, string[]> = {};
  for (const language of ['en', 'fr', 'de', 'nl']) {
    const { page, close } = await open(pageUrl, language);
    headings[language] = await page.$$eval('#transcript-heading, #chapters-heading, #speakers-heading, #summary-heading', (els) => els.map((el) => el.textContent!));
    await close();
  }
  expect(headings).toEqual({
    en: ['Transcript', 'Chapters', 'Who spoke when', 'Summary'],
    fr: ['Transcription', 'Chapitres', 'Qui a parlé quand', 'Résumé'],
    de: ['Transkript', 'Kapitel', 'Wer wann sprach', 'Zusammenfassung'],
    nl: ['Transcript', 'Hoofdstukken', 'Wie sprak wanneer', 'Samenvatting'],
  });
});

it('gives a viewer with a host-app token the captions from the transcript (no <track> can carry the token)', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  try {
    await page.goto(`${nginx.url}/recordings/${rec.id}#access_token=${tokenFor(owner)}`, { waitUntil: 'load' });
    await page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('#main[data-credential="bearer"] #player') !== null, { timeout: 30_000 });
    await page.waitForFunction(() => ((globalThis as unknown as Win).document.getElementById('player') as Media).readyState >= 1, { timeout: 30_000 });
    expect(await activeCaption(page, 4)).toBe('Bob: Hi Alice');
  } finally {
    await ctx.close();
  }
});
