import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './helpers/flow';
import { killAllServiceProcesses, serviceProcess, type ServiceProcess } from './helpers/service-process';

/**
 * `npm start` with nothing configured does the whole job: the printed curls start and stop a
 * recording of demo-room on the sandbox worker, the file lands in the embedded store, its event
 * saves the recording by the storage hook, the email is captured at /dev/mail and its link
 * opens the page, and the service itself serves the media (Range included) to ffprobe.
 */

const FFPROBE = process.env.TEST_FFPROBE_BIN || 'ffprobe';
const run = promisify(execFile);

afterAll(() => killAllServiceProcesses());

let svc: ServiceProcess;
let dataDir: string;
let token: string;
let startCurl: string;
let stopCurl: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'rec-devmode-e2e-'));
  svc = await serviceProcess({ DATA_DIR: dataDir }, { readyTimeoutMs: 90_000 });
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

it('with participant_tracks "audio": two playable OGG track files saved beside the composite', async () => {
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
}, 90_000);
