import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import { launchBrowser, seriousAxeViolations } from './helpers/browser';
import { eventually } from './helpers/flow';
import { killAllServiceProcesses, serviceProcess, type ServiceProcess } from './helpers/service-process';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

/**
 * `npm start` with nothing configured does the whole job: the printed curls start and stop a
 * recording of demo-room on the sandbox worker, the file lands in the embedded store, its event
 * saves the recording by the storage hook, the email is captured at /dev/mail and its link
 * opens the page, and the service itself serves the media (Range included) to ffprobe.
 */

const FFPROBE = process.env.TEST_FFPROBE_BIN || 'ffprobe';
/** The README's pictures, taken by this test: UPDATE_DOCS_IMAGES=1 writes them, otherwise they must be there. */
const IMAGES = path.resolve(__dirname, '..', 'docs', 'images');

async function picture(page: Page, name: string): Promise<void> {
  const shot = Buffer.from(await page.screenshot({ type: 'png', fullPage: true }));
  expect(shot.subarray(1, 4).toString()).toBe('PNG');
  const file = path.join(IMAGES, name);
  if (process.env.UPDATE_DOCS_IMAGES === '1') {
    mkdirSync(IMAGES, { recursive: true });
    writeFileSync(file, shot);
  }
  expect(existsSync(file) && readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
}
const run = promisify(execFile);

afterAll(() => killAllServiceProcesses());

let svc: ServiceProcess;
let receiver: TestWebhookReceiver;
let dataDir: string;
let token: string;
let startCurl: string;
let stopCurl: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'rec-devmode-e2e-'));
  // Nothing configured but a webhook endpoint, to see recording.ready list every file.
  receiver = await startWebhookReceiver();
  svc = await serviceProcess({ DATA_DIR: dataDir, WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: receiver.secret }, { readyTimeoutMs: 90_000 });
  await svc.start();
  await eventually(async () => svc.output().includes('stop it:'), 10_000, 'development notes');
  const out = svc.output();
  token = /owner token for room "demo-room" \(valid 30 days\): (\S+)/.exec(out)![1]!;
  const curls = [...out.matchAll(/^\s*(curl -i -X POST .*)$/gm)].map((m) => m[1]!);
  startCurl = curls.find((c) => c.includes('/start-recording/'))!;
  stopCurl = curls.find((c) => c.includes('/stop-recording/'))!;
}, 120_000);

afterAll(async () => {
  await svc?.stop();
  await receiver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const api = (p: string, init: RequestInit = {}) =>
  fetch(`${svc.url}${p}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers }, signal: AbortSignal.timeout(15_000) });

const shell = (command: string) => execFileSync('sh', ['-c', command], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] });

interface FileJson { key: string; kind: string; size: number | null; status: string; content_type: string }
interface RecordingJson { id: string; status: string; files: FileJson[] }

async function recording(id: string): Promise<RecordingJson> {
  return (await (await api(`/api/v1.0/recordings/${id}/`)).json()) as RecordingJson;
}

/** Duration and codecs of a URL as ffprobe reads it over HTTP, with extra request headers. */
async function probeUrl(url: string, headers = ''): Promise<{ duration: number; codecs: string[] }> {
  const args = ['-v', 'error', ...(headers ? ['-headers', headers] : []), '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', url];
  const { stdout } = await run(FFPROBE, args, { timeout: 30_000 });
  const parsed = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_name: string }[] };
  return { duration: Number(parsed.format.duration), codecs: parsed.streams.map((s) => s.codec_name) };
}

/** Starts (with the printed curl, or the API with a body), waits, stops; the recorded seconds as the client saw them. */
async function record(seconds: number, body?: object): Promise<{ id: string; elapsed: number }> {
  let id: string;
  const began = Date.now();
  if (body) {
    const res = await api('/api/v1.0/rooms/demo-room/start-recording/', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    id = ((await res.json()) as RecordingJson).id;
  } else {
    const answer = shell(startCurl);
    expect(answer).toMatch(/^HTTP\/1\.1 201/);
    id = /"id":"([0-9a-f-]{36})"/.exec(answer)![1]!;
  }
  await new Promise((r) => setTimeout(r, seconds * 1000)); // the recording runs for this long on purpose
  const stopped = shell(stopCurl);
  expect(stopped).toMatch(/^HTTP\/1\.1 200/);
  return { id, elapsed: (Date.now() - began) / 1000 };
}

it('the printed curls record demo-room; within 30 s it is saved and notified, played through the media route and mailed', async () => {
  const { id, elapsed } = await record(3);
  await eventually(async () => (await recording(id)).status === 'notification_succeeded', 30_000, 'saved and notified');
  const saved = await recording(id);
  expect(saved.files[0]!.status).toBe('saved');
  expect(saved.files[0]!.size).toBeGreaterThan(0);

  const mediaUrl = `${svc.url}/media/${saved.files[0]!.key}`;
  const withBearer = await probeUrl(mediaUrl, `Authorization: Bearer ${token}\r\n`);
  expect(withBearer.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));
  expect(Math.abs(withBearer.duration - elapsed)).toBeLessThanOrEqual(1);
  const link = (await (await api(`/api/v1.0/recordings/${id}/download-link/`, { method: 'POST' })).json()) as { url: string };
  expect((await probeUrl(`${svc.url}${link.url}`)).duration).toBeCloseTo(withBearer.duration, 1);
  const range = await fetch(`${svc.url}${link.url}`, { headers: { Range: 'bytes=0-99' }, signal: AbortSignal.timeout(10_000) });
  expect(range.status).toBe(206);
  expect((await range.arrayBuffer()).byteLength).toBe(100);
  expect((await fetch(mediaUrl, { signal: AbortSignal.timeout(10_000) })).status).toBe(401);

  // One captured email, whose link opens the recording's page.
  const list = await (await fetch(`${svc.url}/dev/mail`, { signal: AbortSignal.timeout(10_000) })).text();
  const messages = [...list.matchAll(/href="(\/dev\/mail\/\d+)"/g)].map((m) => m[1]!);
  expect(messages).toHaveLength(1);
  const mail = await (await fetch(`${svc.url}${messages[0]}`, { signal: AbortSignal.timeout(10_000) })).text();
  const pageLink = new RegExp(`https?://[^\\s"<]+/recordings/${id}`).exec(mail)?.[0];
  expect(pageLink).toBeDefined();
  // What the page's script does with the host app's #access_token: fetch the page with it as a bearer.
  const page = await fetch(`${svc.url}${new URL(pageLink!).pathname}`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('demo-room');
}, 90_000);

it('with participant_tracks "audio": two playable OGG track files saved beside the composite, all three in recording.ready', async () => {
  const { id } = await record(3, { mode: 'screen_recording', options: { participant_tracks: 'audio' } });
  await eventually(async () => (await recording(id)).status === 'notification_succeeded', 30_000, 'saved and notified');
  const { files } = await recording(id);
  const tracks = files.filter((f) => f.kind === 'track');
  expect(tracks).toHaveLength(2);
  for (const track of tracks) {
    expect(track.status).toBe('saved');
    expect(track.key).toMatch(/\.ogg$/);
    const probed = await probeUrl(`${svc.url}/media/${track.key}`, `Authorization: Bearer ${token}\r\n`);
    expect(probed.codecs).toEqual(['opus']);
    expect(probed.duration).toBeGreaterThan(1);
  }
  await eventually(async () => receiver.deliveries.some((d) => d.type === 'recording.ready' && d.body.data.id === id), 30_000, 'recording.ready');
  const ready = receiver.deliveries.find((d) => d.type === 'recording.ready' && d.body.data.id === id)!;
  const listed = (ready.body.data.files as { key: string }[]).map((f) => f.key).sort();
  expect(listed).toEqual(files.map((f) => f.key).sort());
  expect(listed).toHaveLength(3);
}, 90_000);

/** Waits until the element's text matches `pattern`. */
async function waitForText(page: Page, selector: string, pattern: RegExp): Promise<void> {
  await page.waitForFunction(
    (sel: string, source: string) => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
      return new RegExp(source).test(doc.querySelector(sel)?.textContent ?? '');
    },
    { timeout: 15_000 },
    selector,
    pattern.source,
  );
}

it('in Chromium: Start and Stop on the start page, the captured email\'s link opens the page, and its video plays past 1 s', async () => {
  const browser = await launchBrowser();
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${svc.url}/`, { waitUntil: 'load' });
    await waitForText(page, '#room-status', /Not recording\./);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const mailsBefore = [...(await (await fetch(`${svc.url}/dev/mail`)).text()).matchAll(/href="\/dev\/mail\/\d+"/g)].length;
    await page.click('#start');
    await waitForText(page, '#action-result', /^Start: 201/);
    await waitForText(page, '#room-status', /Recording \S+ is active\./);
    await picture(page, 'dev-start-page.png');
    await new Promise((r) => setTimeout(r, 2500)); // let the sandbox record for a while
    await page.click('#stop');
    await waitForText(page, '#action-result', /^Stop: 200/);

    // The mailbox gets the new message once the recording is saved; open it as a reader would.
    await eventually(async () => [...(await (await fetch(`${svc.url}/dev/mail`)).text()).matchAll(/href="\/dev\/mail\/\d+"/g)].length > mailsBefore, 30_000, 'the email');
    await page.goto(`${svc.url}/dev/mail`, { waitUntil: 'load' });
    const newest = await page.$$eval('a[href^="/dev/mail/"]', (links) => links.map((a) => a.getAttribute('href') ?? '').sort((a, b) => Number(b.split('/').pop()) - Number(a.split('/').pop()))[0]!);
    await page.goto(`${svc.url}${newest}`, { waitUntil: 'load' });
    await page.waitForSelector('iframe');
    await new Promise((r) => setTimeout(r, 500)); // the frame's content paints
    await picture(page, 'dev-mail.png');
    const text = (await page.$eval('pre', (el) => el.textContent)) ?? '';
    const link = /https?:\/\/\S+\/recordings\/[0-9a-f-]{36}/.exec(text)![0];
    // The host app opens the page with its user's token in the fragment; here, the printed owner token.
    await page.goto(`${svc.url}${new URL(link).pathname}#access_token=${token}`, { waitUntil: 'load' });
    await page.waitForSelector('#player', { timeout: 20_000 });
    const played = await page.evaluate(async () => {
      const v = (globalThis as unknown as { document: { getElementById(id: string): { muted: boolean; currentTime: number; play(): Promise<void> } } }).document.getElementById('player');
      v.muted = true;
      await v.play();
      const until = Date.now() + 15_000;
      while (v.currentTime < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      return v.currentTime;
    });
    expect(played).toBeGreaterThanOrEqual(1);
  } finally {
    await ctx.close();
    await browser.close();
  }
}, 120_000);
