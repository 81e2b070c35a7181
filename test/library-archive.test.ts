import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import request from 'supertest';
import yauzl from 'yauzl';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { startFakeLivekit } from './helpers/livekit-env';
import { startNginx, type TestNginx } from './helpers/nginx';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { s3Env, startS3Server, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { serviceProcess, type ServiceProcess } from './helpers/service-process';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN, bearer, type TestUser } from './helpers/service';

/**
 * POST /recordings/archive-link/ and its ZIP: three recordings of 200 MB each (sparse objects in
 * s3rver) streamed by the service as a separate process, whose peak RSS is read from
 * /proc/{pid}/status (VmHWM, reset through clear_refs before the download).
 */

const owner: TestUser = { sub: 'zip-owner', rooms: { 'zip-a': 'owner', 'zip-b': 'owner', 'zip-c': 'owner' } };
const stranger: TestUser = { sub: 'zip-stranger', rooms: { 'zip-x': 'owner' } };
const SIZE = 200 * 1024 * 1024;
let livekit: FakeLivekitServer;
let s3: TestS3;
let db: TestDatabase;
let svc: ServiceProcess;
let nginx: TestNginx;
let work: string;
const recs: SavedRecording[] = [];

const objectPath = (key: string) => join(s3.directory, s3.bucket, ...key.split('/').slice(0, -1), `${key.split('/').pop()}._S3rver_object`);

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  s3 = await startS3Server({ bucket: 'meet-media-storage' });
  db = await createTestDatabase();
  work = await mkdtemp(join(tmpdir(), 'rec-zip-'));
  svc = await serviceProcess({
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    ...fake.env,
    ...s3Env(s3),
    RECONCILE_INTERVAL_MS: '60000',
    LOG_LEVEL: 'warn',
  }, { readyTimeoutMs: 60_000 });
  await svc.start();
  nginx = await startNginx({ serviceUrl: svc.url, storageUrl: s3.endpointUrl });
  for (const room of ['zip-a', 'zip-b', 'zip-c']) {
    const rec = await savedRecording(svc.url, s3, owner, room, { bytes: Buffer.from(`head of ${room} `.repeat(64)), contentType: 'video/mp4' });
    // Sparse: 200 MB on the disk's books, a few KB on the disk.
    await truncate(objectPath(rec.key), SIZE);
    recs.push(rec);
  }
  await s3.putObject(`recordings/${recs[0]!.id}/artifacts/transcript.txt`, 'hello world', 'text/plain');
}, 120_000);
afterAll(async () => {
  await nginx?.stop();
  await svc?.stop();
  await livekit?.close();
  await s3?.close();
  await db?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((text) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)![1]) * 1024);
}

function download(url: string, file: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 60_000 }, (res) => {
      pipeline(res, createWriteStream(file)).then(() => resolve(res), reject);
    }).on('error', reject);
  });
}

async function digest(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** An archive entry: the SHA-256 of its bytes, whether its recorded CRC-32 is theirs (yauzl does not check it), small ones' text. */
interface ZipEntry {
  name: string;
  size: number;
  sha256: string;
  crcMatches: boolean;
  text?: string;
}

function zipEntries(file: string): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const found: ZipEntry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const hash = createHash('sha256');
          const small: Buffer[] = [];
          let crc = 0;
          stream.on('data', (c: Buffer) => {
            hash.update(c);
            crc = crc32(c, crc);
            if (entry.uncompressedSize < 4096) small.push(c);
          });
          stream.on('end', () => {
            found.push({ name: entry.fileName, size: entry.uncompressedSize, sha256: hash.digest('hex'), crcMatches: entry.crc32 === crc, text: small.length ? Buffer.concat(small).toString('utf8') : undefined });
            zip.readEntry();
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolve(found));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

it('streams a valid ZIP of 600 MB with flat memory, a recording deleted since the link in MISSING.txt', async () => {
  const link = await request(svc.url).post('/api/v1.0/recordings/archive-link/').set(bearer(owner)).send({ ids: recs.map((r) => r.id) });
  expect(link.status).toBe(200);
  expect(Date.parse(link.body.expires_at)).toBeGreaterThan(Date.now());
  const deleted = recs[2]!;
  expect((await request(svc.url).delete(`/api/v1.0/recordings/${deleted.id}/`).set(bearer(owner))).status).toBe(204);

  const pid = svc.pid!;
  const idle = await procStatus(pid, 'VmRSS');
  // Resets the peak (VmHWM) to the current RSS: Linux's clear_refs, value 5.
  await import('node:fs/promises').then((fs) => fs.writeFile(`/proc/${pid}/clear_refs`, '5'));
  const url = new URL(link.body.url, 'http://media.invalid');
  const file = join(work, 'archive.zip');
  // Through the project's nginx, as a browser gets it.
  const res = await download(`${nginx.url}${url.pathname}${url.search}`, file);
  const peak = await procStatus(pid, 'VmHWM');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('application/zip');
  expect(nginx.accessLog()).not.toContain('token=');
  expect(res.headers['content-disposition']).toMatch(/^attachment; filename="recordings \d{4}-\d\d-\d\d \d\d\.\d\d\.zip"$/);
  console.log(`archive: idle RSS ${(idle / 2 ** 20).toFixed(1)} MB, peak ${(peak / 2 ** 20).toFixed(1)} MB`);
  expect(peak - idle).toBeLessThan(80 * 2 ** 20);

  const entries = await zipEntries(file);
  const names = entries.map((e) => e.name).sort();
  const folder = (r: SavedRecording) => new RegExp(`^${r.room} \\d{4}-\\d\\d-\\d\\d \\d\\d\\.\\d\\d \\(${r.id.slice(0, 8)}\\)/`);
  expect(names).toHaveLength(4);
  // The CRC-32 in the archive is the one of the bytes (media streamed, texts appended whole).
  expect(entries.filter((e) => !e.crcMatches).map((e) => e.name)).toEqual([]);
  for (const rec of recs.slice(0, 2)) {
    const media = entries.find((e) => folder(rec).test(e.name) && e.name.endsWith('.mp4'))!;
    expect(media.size).toBe(SIZE);
    expect(media.sha256).toBe(await digest(createReadStream(objectPath(rec.key))));
  }
  expect(entries.find((e) => folder(recs[0]!).test(e.name) && e.name.endsWith('/artifacts/transcript.txt'))?.text).toBe('hello world');
  const missing = entries.find((e) => e.name === 'MISSING.txt');
  expect(missing?.text).toContain(deleted.id);
  expect(entries.some((e) => folder(deleted).test(e.name))).toBe(false);
}, 120_000);

it('stops reading from storage when the client goes away mid-ZIP, and serves the next one', async () => {
  const ids = recs.slice(0, 2).map((r) => r.id);
  const link = await request(svc.url).post('/api/v1.0/recordings/archive-link/').set(bearer(owner)).send({ ids });
  const url = new URL(link.body.url, 'http://media.invalid');
  await new Promise<void>((resolve, reject) => {
    const req = http.get(`${svc.url}${url.pathname}${url.search}`, (res) => {
      let seen = 0;
      res.on('data', (c: Buffer) => {
        seen += c.length;
        if (seen > 8 * 2 ** 20) {
          req.destroy();
          resolve();
        }
      });
    });
    req.on('error', () => undefined);
    setTimeout(() => reject(new Error('no bytes')), 20_000);
  });
  // The service is still whole: a new ZIP of the same recordings comes through complete.
  const again = await request(svc.url).post('/api/v1.0/recordings/archive-link/').set(bearer(owner)).send({ ids: [recs[1]!.id] });
  const next = new URL(again.body.url, 'http://media.invalid');
  const file = join(work, 'again.zip');
  const res = await download(`${svc.url}${next.pathname}${next.search}`, file);
  expect(res.statusCode).toBe(200);
  expect((await zipEntries(file)).map((e) => e.size)).toEqual([SIZE]);
}, 60_000);

it('refuses a link for recordings that are not the caller’s or not downloadable, and a bad token', async () => {
  const theirs = await request(svc.url).post('/api/v1.0/recordings/archive-link/').set(bearer(stranger)).send({ ids: [recs[0]!.id] });
  expect(theirs.status).toBe(400);
  expect(theirs.body.detail).toContain(recs[0]!.id);
  expect((await request(svc.url).post('/api/v1.0/recordings/archive-link/').set(bearer(owner)).send({ ids: [] })).status).toBe(400);
  expect((await request(svc.url).get('/api/v1.0/recordings/archive/?token=forged')).status).toBe(403);
  expect((await request(svc.url).get('/api/v1.0/recordings/archive/')).status).toBe(403);
  // A download link's token is not an archive token.
  const dl = await request(svc.url).post(`/api/v1.0/recordings/${recs[0]!.id}/download-link/`).set(bearer(owner)).send({});
  const token = new URL(dl.body.url, 'http://x').searchParams.get('token');
  expect((await request(svc.url).get(`/api/v1.0/recordings/archive/?token=${token}`)).status).toBe(403);
});
