import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import * as Minio from 'minio';
import { Client } from 'pg';
import request from 'supertest';
import { LIFECYCLE_RULE_ID, applyRecordingLifecycle } from '../src/storage/bucket-lifecycle';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { startFakeLivekit } from './helpers/livekit-env';
import { TEST_MEDIA_AUTH_SECRET, startNginx, type TestNginx } from './helpers/nginx';
import { createTestDatabase } from './helpers/pg';
import { serviceEntryArgs } from './helpers/service-process';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { testAudioOgg } from './helpers/media';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN, bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { storeEvent } from './helpers/minio-events';
import { seedRoom, startWithTracks } from './helpers/tracks';

/**
 * Downloads end to end: the real service, the project's nginx/recordings.conf in a real nginx,
 * and s3rver. nginx reaches s3rver through a pass-through proxy that records each request and
 * checks its SigV4 signature with the AWS SDK's signer (s3rver checks none). Recordings are made
 * through the API (fake LiveKit), stored in s3rver and marked saved by a MinIO event.
 */

const REQUEST_TIMEOUT_MS = 15000;
const owner: TestUser = { sub: 'e2e-owner', email: 'owner@example.org', rooms: { main: 'owner', side: 'owner', speakers: 'owner' } };
const stranger: TestUser = { sub: 'e2e-stranger', rooms: { main: 'member' } };

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  signatureValid: boolean;
}

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let s3: TestS3;
let livekit: FakeLivekitServer;
let svc: TestService;
let nginx: TestNginx;
let storageProxy: http.Server;
let pg: Client;
const storageSeen: Seen[] = [];

function rawGet(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  const url = new URL(baseUrl);
  return new Promise((resolveRaw, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: 'GET', path, headers, agent: false, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolveRaw({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The signature a second, independent SigV4 implementation computes for the same request and date. */
async function expectedAuthorization(opts: { method: string; host: string; path: string; amzDate: string; contentSha256: string }): Promise<string> {
  const iso = opts.amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  if (iso === opts.amzDate) throw new Error(`not an X-Amz-Date: ${opts.amzDate}`);
  const signer = new SignatureV4({
    service: 's3',
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false, // S3 signs the path as sent (already encoded once)
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: opts.method,
      protocol: 'http:',
      hostname: opts.host.split(':')[0]!,
      path: opts.path,
      query: {},
      headers: { host: opts.host, 'x-amz-content-sha256': opts.contentSha256 },
    },
    { signingDate: new Date(iso) },
  );
  return String(signed.headers.authorization);
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** Forwards to s3rver untouched, after noting the request and whether its signature holds. */
function startStorageProxy(): Promise<string> {
  storageProxy = http.createServer((req, res) => {
    void (async () => {
      const signatureValid =
        typeof req.headers.authorization === 'string' &&
        req.headers.authorization ===
          (await expectedAuthorization({
            method: req.method ?? '',
            host: String(req.headers.host),
            path: req.url ?? '',
            amzDate: String(req.headers['x-amz-date'] ?? ''),
            contentSha256: String(req.headers['x-amz-content-sha256'] ?? ''),
          }).catch(() => ''));
      storageSeen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, signatureValid });
      const upstream = http.request(
        { host: '127.0.0.1', port: s3.port, method: req.method, path: req.url, headers: req.headers, timeout: REQUEST_TIMEOUT_MS },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.on('error', () => res.destroy());
          res.on('error', () => up.destroy());
          up.pipe(res);
        },
      );
      upstream.on('timeout', () => upstream.destroy(new Error('s3rver timed out')));
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    })();
  });
  return listen(storageProxy);
}

interface Stored {
  id: string;
  key: string;
  path: string;
  bytes: Buffer;
}

/** A recording through the API, its file in s3rver, saved by a MinIO event. */
async function storedRecording(room: string, size: number, mode = 'screen_recording'): Promise<Stored> {
  const start = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode });
  expect(start.status).toBe(201);
  await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).expect(200);
  const key = start.body.key as string;
  const contentType = key.endsWith('.ogg') ? 'audio/ogg' : 'video/mp4';
  const bytes = randomBytes(size);
  await s3.putObject(key, bytes, contentType);
  expect(await storeEvent(svc.url, s3.bucket, key, { size, contentType })).toBe('Event processed.');
  return { id: start.body.id as string, key, path: `/media/${key}`, bytes };
}

let video: Stored;
let other: Stored;

beforeAll(async () => {
  s3 = await startS3Server();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService({
    ...fake.env,
    ...s3Env(s3),
    RECORDING_EXPIRATION_DAYS: '30',
    // s3rver implements no lifecycle API: start-up must survive the refusal.
    RECORDING_APPLY_BUCKET_LIFECYCLE: 'true',
    RECORDING_ALLOW_PERMANENT: 'true',
    // What the harness's nginx sends: every download below passes the service's check.
    MEDIA_AUTH_SECRET: TEST_MEDIA_AUTH_SECRET,
  });
  pg = new Client({ connectionString: svc.db.url });
  await pg.connect();
  const storageUrl = await startStorageProxy();
  nginx = await startNginx({ serviceUrl: svc.url, storageUrl });

  video = await storedRecording('main', 3 * 1024 * 1024 + 17);
  other = await storedRecording('side', 64 * 1024, 'transcript');
});

afterAll(async () => {
  await nginx?.stop();
  if (storageProxy) {
    storageProxy.closeAllConnections();
    await new Promise<void>((r) => storageProxy.close(() => r()));
  }
  await pg?.end();
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});

beforeEach(() => {
  storageSeen.length = 0;
});

describe('downloads through the real nginx', () => {
  it('gives the owner the same bytes, as an attachment, from a correctly signed storage request', async () => {
    const res = await rawGet(nginx.url, video.path, bearer(owner));
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(video.bytes.length);
    expect(res.body.equals(video.bytes)).toBe(true);
    // A readable file name: room, date and time of the recording (DEFAULT_TIMEZONE).
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="main \d{4}-\d{2}-\d{2} \d{2}\.\d{2}\.mp4"$/);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(storageSeen).toHaveLength(1);
    expect(storageSeen[0]).toMatchObject({ method: 'GET', url: `/${s3.bucket}/${video.key}`, signatureValid: true });
    expect(storageSeen[0]!.headers.host).toBe(new URL(s3.endpointUrl).host);
  });

  it('answers a Range request with 206 and exactly that slice', async () => {
    const from = 1024 * 1024;
    const to = 2 * 1024 * 1024 - 1;
    const res = await rawGet(nginx.url, video.path, { ...bearer(owner), Range: `bytes=${from}-${to}` });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${from}-${to}/${video.bytes.length}`);
    expect(res.body.equals(video.bytes.subarray(from, to + 1))).toBe(true);
    expect(storageSeen[0]!.headers.range).toBe(`bytes=${from}-${to}`);
    expect(storageSeen[0]!.signatureValid).toBe(true);
  });

  it('401 without credentials, 403 for another user; the storage is never asked', async () => {
    const anonymous = await rawGet(nginx.url, video.path);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    const denied = await rawGet(nginx.url, video.path, bearer(stranger));
    expect(denied.status).toBe(403);
    const traversal = await rawGet(nginx.url, `/media/recordings/../recordings/${video.id}.mp4`, bearer(owner));
    expect(traversal.status).toBe(403);
    expect(storageSeen).toHaveLength(0);
  });

  it('media-auth: 404 at its public path through nginx; the service itself refuses a caller without the secret', async () => {
    const asked = { 'X-Original-URL': video.path, ...bearer(owner) };
    expect((await rawGet(nginx.url, '/api/v1.0/recordings/media-auth/', asked)).status).toBe(404);
    const direct = await rawGet(svc.url, '/api/v1.0/recordings/media-auth/', asked);
    expect(direct.status).toBe(403);
    expect(direct.headers.authorization).toBeUndefined();
    expect((await rawGet(svc.url, '/api/v1.0/recordings/media-auth/', { ...asked, 'X-Media-Auth-Secret': TEST_MEDIA_AUTH_SECRET })).status).toBe(200);
    expect(storageSeen).toHaveLength(0);
  });

  it('a download link works in a plain HTTP client without any header; its token opens no other file', async () => {
    const link = await request(nginx.url).post(`/api/v1.0/recordings/${video.id}/download-link/`).set(bearer(owner));
    expect(link.status).toBe(200);
    const url = link.body.url as string;
    expect(url).toMatch(new RegExp(`^/media/${video.key}\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    expect(Date.parse(link.body.expires_at as string)).toBeGreaterThan(Date.now());

    const res = await fetch(`${nginx.url}${url}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(video.bytes)).toBe(true);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="main [\d. -]+\.mp4"$/);
    // The token stays at nginx: the storage request carries no query string.
    expect(storageSeen.at(-1)!.url).toBe(`/${s3.bucket}/${video.key}`);

    const token = new URL(url, nginx.url).searchParams.get('token')!;
    const misused = await fetch(`${nginx.url}${other.path}?token=${token}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    expect(misused.status).toBe(403);
    await misused.arrayBuffer();
  });

  it("signs what media-auth returns exactly as an independent SigV4 implementation does", async () => {
    const res = await rawGet(svc.url, '/api/v1.0/recordings/media-auth/', { 'X-Original-URL': video.path, 'X-Media-Auth-Secret': TEST_MEDIA_AUTH_SECRET, ...bearer(owner) });
    expect(res.status).toBe(200);
    const host = String(res.headers['x-s3-host']);
    const path = String(res.headers['x-s3-path']);
    expect(host).toBe(new URL(s3.endpointUrl).host);
    expect(path).toBe(`/${s3.bucket}/${video.key}`);
    expect(res.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    const amzDate = String(res.headers['x-amz-date']);
    const expected = await expectedAuthorization({ method: 'GET', host, path, amzDate, contentSha256: 'UNSIGNED-PAYLOAD' });
    expect(res.headers.authorization).toBe(expected);
    // The comparison can fail: the same request for another key signs differently.
    const otherKey = await expectedAuthorization({ method: 'GET', host, path: `/${s3.bucket}/${other.key}`, amzDate, contentSha256: 'UNSIGNED-PAYLOAD' });
    expect(otherKey).not.toBe(expected);
  });
});

describe("a participant's track file through the real nginx", () => {
  it('a real Opus/OGG stored as a track downloads byte-identical, by bearer and by its download link', async () => {
    const ogg = await testAudioOgg();
    const { tracks } = seedRoom(livekit, 'speakers', [{ identity: 'ada', name: 'Ada' }]);
    const start = await startWithTracks(svc.url, owner, 'speakers');
    expect(start.status).toBe(201);
    const id = start.body.id as string;
    await request(svc.url).post('/api/v1.0/rooms/speakers/stop-recording/').set(bearer(owner)).expect(200);
    const key = `recordings/${id}/${tracks.ada!}.ogg`;
    expect(livekit.requestsFor('StartTrackEgress').some((r) => JSON.stringify(r.body).includes(key))).toBe(true);
    await s3.putObject(key, ogg.bytes, ogg.contentType);
    expect(await storeEvent(svc.url, s3.bucket, start.body.key as string)).toBe('Event processed.');
    expect(await storeEvent(svc.url, s3.bucket, key, { size: ogg.bytes.length, multipart: true })).toBe('Event processed.');

    const byBearer = await rawGet(nginx.url, `/media/${key}`, bearer(owner));
    expect(byBearer.status).toBe(200);
    expect(byBearer.headers['content-type']).toBe('audio/ogg');
    expect(byBearer.body.equals(ogg.bytes)).toBe(true);
    expect(storageSeen.at(-1)).toMatchObject({ method: 'GET', url: `/${s3.bucket}/${key}`, signatureValid: true });

    const link = await request(nginx.url).post(`/api/v1.0/recordings/${id}/download-link/`).set(bearer(owner)).send({ key });
    expect(link.status).toBe(200);
    const res = await fetch(`${nginx.url}${link.body.url as string}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(ogg.bytes)).toBe(true);

    // The track's link opens nothing else; another user gets nothing.
    const token = new URL(link.body.url as string, nginx.url).searchParams.get('token')!;
    expect((await rawGet(nginx.url, `/media/${start.body.key as string}?token=${token}`)).status).toBe(403);
    expect((await rawGet(nginx.url, `/media/${key}`, bearer(stranger))).status).toBe(403);
  });
});

describe('expiration', () => {
  it('shows expired_at = created_at + RECORDING_EXPIRATION_DAYS and is_expired in retrieve and list', async () => {
    const fresh = await request(svc.url).get(`/api/v1.0/recordings/${video.id}/`).set(bearer(owner));
    expect(fresh.status).toBe(200);
    expect(fresh.body.is_expired).toBe(false);
    expect(Date.parse(fresh.body.expired_at) - Date.parse(fresh.body.created_at)).toBe(30 * 24 * 3600 * 1000);

    const old = await storedRecording('main', 1024);
    await pg.query("UPDATE recordings SET created_at = now() - interval '31 days' WHERE id = $1", [old.id]);
    const retrieved = await request(svc.url).get(`/api/v1.0/recordings/${old.id}`).set(bearer(owner));
    expect(retrieved.body.is_expired).toBe(true);
    expect(Date.parse(retrieved.body.expired_at)).toBeLessThan(Date.now());
    expect(Date.parse(retrieved.body.expired_at) - Date.parse(retrieved.body.created_at)).toBe(30 * 24 * 3600 * 1000);

    const list = await request(svc.url).get('/api/v1.0/recordings/?page_size=100').set(bearer(owner));
    const byId = new Map<string, { is_expired: boolean; expired_at: string | null }>(
      (list.body.results as { id: string; is_expired: boolean; expired_at: string | null }[]).map((r) => [r.id, r]),
    );
    expect(byId.get(old.id)).toMatchObject({ is_expired: true, expired_at: retrieved.body.expired_at });
    expect(byId.get(video.id)).toMatchObject({ is_expired: false, expired_at: fresh.body.expired_at });

    // Expired: no download, no link.
    expect((await rawGet(nginx.url, old.path, bearer(owner))).status).toBe(403);
    expect((await request(svc.url).post(`/api/v1.0/recordings/${old.id}/download-link/`).set(bearer(owner))).status).toBe(403);
    expect(storageSeen).toHaveLength(0);
  });

  it('has no expiry for a recording started with options.permanent', async () => {
    const start = await request(svc.url)
      .post('/api/v1.0/rooms/side/start-recording/')
      .set(bearer(owner))
      .send({ mode: 'screen_recording', options: { permanent: true } });
    expect(start.status).toBe(201);
    expect(start.body).toMatchObject({ expired_at: null, is_expired: false });
    await request(svc.url).post('/api/v1.0/rooms/side/stop-recording/').set(bearer(owner)).expect(200);
    await pg.query("UPDATE recordings SET created_at = now() - interval '400 days' WHERE id = $1", [start.body.id]);
    const res = await request(svc.url).get(`/api/v1.0/recordings/${start.body.id}/`).set(bearer(owner));
    expect(res.body).toMatchObject({ expired_at: null, is_expired: false });
  });
});

describe('deletion', () => {
  const rows = async (id: string) =>
    (await pg.query('SELECT (SELECT count(*) FROM recordings WHERE id = $1)::int AS r, (SELECT count(*) FROM recording_accesses WHERE recording_id = $1)::int AS a', [id])).rows[0] as { r: number; a: number };

  it('removes the object from the S3 server and the rows; its download link then gets 403', async () => {
    const doomed = await storedRecording('main', 4096);
    const link = await request(svc.url).post(`/api/v1.0/recordings/${doomed.id}/download-link/`).set(bearer(owner));
    expect((await rawGet(nginx.url, link.body.url as string)).status).toBe(200);

    expect((await request(nginx.url).delete(`/api/v1.0/recordings/${doomed.id}/`).set(bearer(stranger))).status).toBe(404);
    expect(await s3.hasObject(doomed.key)).toBe(true);

    const res = await request(nginx.url).delete(`/api/v1.0/recordings/${doomed.id}/`).set(bearer(owner));
    expect(res.status).toBe(204);
    expect(await s3.hasObject(doomed.key)).toBe(false);
    expect(await rows(doomed.id)).toEqual({ r: 0, a: 0 });
    expect((await request(svc.url).get(`/api/v1.0/recordings/${doomed.id}/`).set(bearer(owner))).status).toBe(404);
    storageSeen.length = 0;
    expect((await rawGet(nginx.url, link.body.url as string)).status).toBe(403);
    expect((await rawGet(nginx.url, doomed.path, bearer(owner))).status).toBe(403);
    expect(storageSeen).toHaveLength(0);
    expect((await request(svc.url).delete(`/api/v1.0/recordings/${doomed.id}/`).set(bearer(owner))).status).toBe(404);
  });

  it('403 before the recording reaches a final status, and the object stays', async () => {
    const start = await request(svc.url).post('/api/v1.0/rooms/main/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    const key = start.body.key as string;
    await s3.putObject(key, 'partial upload', 'video/mp4');
    const whileActive = await request(svc.url).delete(`/api/v1.0/recordings/${start.body.id}/`).set(bearer(owner));
    expect(whileActive.status).toBe(403);
    expect(whileActive.body.detail).toMatch(/active/);
    await request(svc.url).post('/api/v1.0/rooms/main/stop-recording/').set(bearer(owner)).expect(200);
    expect((await request(svc.url).delete(`/api/v1.0/recordings/${start.body.id}/`).set(bearer(owner))).status).toBe(403);
    expect(await s3.hasObject(key)).toBe(true);
    expect(await rows(start.body.id)).toEqual({ r: 1, a: 1 });
  });

  it('deletes a recording that never produced a file (failed_to_start)', async () => {
    const start = await request(svc.url).post('/api/v1.0/rooms/side/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    await request(svc.url).post('/api/v1.0/rooms/side/stop-recording/').set(bearer(owner)).expect(200);
    await pg.query("UPDATE recordings SET status = 'failed_to_start' WHERE id = $1", [start.body.id]);
    expect((await request(svc.url).delete(`/api/v1.0/recordings/${start.body.id}`).set(bearer(owner))).status).toBe(204);
    expect(await rows(start.body.id)).toEqual({ r: 0, a: 0 });
  });
});

describe('bucket lifecycle', () => {
  it('the service above started and serves although s3rver refused the lifecycle rule', async () => {
    expect((await request(svc.url).get('/health')).status).toBe(200);
    expect((await request(svc.url).get('/ready')).body).toMatchObject({ checks: { database: 'ok', storage: 'ok' } });
    const outcome = await applyRecordingLifecycle({ client: s3.client, bucket: s3.bucket }, { outputFolder: 'recordings', expirationDays: 30, timeoutMs: 5000 });
    expect(outcome).toMatchObject({ result: 'refused', stage: 'read' });
    expect(outcome.result === 'refused' && outcome.reason).toMatch(/NotImplemented/);
  });

  it('says so in one clear warning line at start-up (real process)', async () => {
    const db = await createTestDatabase();
    const root = resolve(__dirname, '..');
    const child = spawn(process.execPath, serviceEntryArgs(), {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
        ...s3Env(s3),
        RECORDING_EXPIRATION_DAYS: '7',
        RECORDING_APPLY_BUCKET_LIFECYCLE: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 20000;
      // The warning comes from start-up work that runs before the "listening" line: wait for both.
      while (Date.now() < deadline && !(/bucket lifecycle/.test(out) && /orchestrator listening/.test(out)) && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const warning = lines.filter((l) => typeof l.msg === 'string' && /lifecycle/.test(l.msg));
      expect(warning).toHaveLength(1);
      expect(warning[0]).toMatchObject({ level: 40, stage: 'read', bucket: s3.bucket });
      expect(warning[0]!.msg).toMatch(/storage refused the bucket lifecycle rule: objects under recordings\/ will NOT be deleted after 7 days/);
      expect(String(warning[0]!.reason)).toMatch(/NotImplemented/);
      const listening = lines.find((l) => l.msg === 'recording orchestrator listening');
      expect(child.exitCode).toBeNull();
      const health = await fetch(`http://127.0.0.1:${String(listening!.port)}/health`, { signal: AbortSignal.timeout(5000) });
      expect(health.status).toBe(200);
      expect(out).not.toContain(TEST_JWT_SECRET);
      expect(out).not.toContain(TEST_STORAGE_TOKEN);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await db.drop();
    }
  }, 40000);

  it('writes the expiry rule next to the rules already on the bucket, and leaves them alone when it cannot read them', async () => {
    // A storage that implements the lifecycle API (as MinIO does), reduced to GET/PUT ?lifecycle.
    let stored: string | null =
      '<LifecycleConfiguration><Rule><ID>operator-rule</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>';
    const puts: string[] = [];
    let failReads = false;
    const lifecycleStorage = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname !== '/lc-bucket' || !url.searchParams.has('lifecycle')) return void res.writeHead(400).end();
        if (req.method === 'GET') {
          if (failReads) return void res.writeHead(403, { 'Content-Type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>');
          if (stored === null) {
            return void res
              .writeHead(404, { 'Content-Type': 'application/xml' })
              .end('<Error><Code>NoSuchLifecycleConfiguration</Code><Message>none</Message></Error>');
          }
          return void res.writeHead(200, { 'Content-Type': 'application/xml' }).end(stored);
        }
        if (req.method === 'PUT') {
          stored = Buffer.concat(chunks).toString();
          puts.push(stored);
          return void res.writeHead(200).end();
        }
        res.writeHead(405).end();
      });
    });
    const base = new URL(await listen(lifecycleStorage));
    try {
      const client = new Minio.Client({
        endPoint: base.hostname,
        port: Number(base.port),
        useSSL: false,
        accessKey: 'key',
        secretKey: 'secret-key',
        region: 'us-east-1',
        pathStyle: true,
      });
      const target = { client, bucket: 'lc-bucket' };
      const settings = { outputFolder: 'recordings', expirationDays: 30, timeoutMs: 5000 };

      expect(await applyRecordingLifecycle(target, settings)).toEqual({ result: 'applied', keptRules: 1, untaggedRules: [] });
      expect(puts).toHaveLength(1);
      expect(puts[0]).toContain('<ID>operator-rule</ID>');
      expect(puts[0]).toContain('<Prefix>tmp/</Prefix>');
      // Only tagged files expire: permanent recordings' files never carry the tag.
      expect(puts[0]).toContain(
        `<Rule><ID>${LIFECYCLE_RULE_ID}</ID><Status>Enabled</Status>` +
          '<Filter><And><Prefix>recordings/</Prefix><Tag><Key>recording-retention</Key><Value>expire</Value></Tag></And></Filter>' +
          '<Expiration><Days>30</Days></Expiration></Rule>',
      );

      // Already in place (as the storage gives it back): nothing written again. A new number of days replaces our rule only.
      expect(await applyRecordingLifecycle(target, settings)).toEqual({ result: 'unchanged', untaggedRules: [] });
      expect(puts).toHaveLength(1);
      expect(await applyRecordingLifecycle(target, { ...settings, expirationDays: 10 })).toEqual({ result: 'applied', keptRules: 1, untaggedRules: [] });
      expect(puts[1]!.match(/<Rule>/g)).toHaveLength(2);
      expect(puts[1]).toContain('<Days>10</Days>');

      // The rule an earlier version installed (the whole folder) is replaced, by its ID.
      stored = `<LifecycleConfiguration><Rule><ID>${LIFECYCLE_RULE_ID}</ID><Status>Enabled</Status><Filter><Prefix>recordings/</Prefix></Filter><Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>`;
      expect(await applyRecordingLifecycle(target, settings)).toEqual({ result: 'applied', keptRules: 0, untaggedRules: [] });
      expect(puts[2]).toContain('<And><Prefix>recordings/</Prefix><Tag><Key>recording-retention</Key>');

      // An operator's rule that expires the whole bucket is kept, and named for the warning.
      stored = '<LifecycleConfiguration><Rule><ID>everything</ID><Status>Enabled</Status><Filter><Prefix></Prefix></Filter><Expiration><Days>90</Days></Expiration></Rule></LifecycleConfiguration>';
      expect(await applyRecordingLifecycle(target, settings)).toEqual({ result: 'applied', keptRules: 1, untaggedRules: ['everything'] });
      expect(puts[3]).toContain('<ID>everything</ID>');

      stored = null;
      expect(await applyRecordingLifecycle(target, settings)).toEqual({ result: 'applied', keptRules: 0, untaggedRules: [] });

      failReads = true;
      const refused = await applyRecordingLifecycle(target, settings);
      expect(refused).toMatchObject({ result: 'refused', stage: 'read' });
      expect(puts).toHaveLength(5);
    } finally {
      lifecycleStorage.closeAllConnections();
      await new Promise<void>((r) => lifecycleStorage.close(() => r()));
    }
  });
});
