import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import aws4 from 'aws4';
import * as Minio from 'minio';
import request from 'supertest';
import { isLoopbackAddress } from '../src/api/routes/dev-pages';
import { devSecret } from '../src/config/dev-mode';
import { eventually, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { testVideoMp4, type TestMediaFile } from './helpers/media';
import { startS3Server, type TestS3 } from './helpers/s3';
import { startTestService, tokenFor, type TestService, type TestUser } from './helpers/service';
import type { FakeLivekitServer } from './fakes/livekit-server';

/** Development mode: no JWT key, no storage token; LiveKit is the fake, storage and SMTP are left unset. */
function devEnv(dataDir: string, livekitEnv: Record<string, string>): Record<string, string | undefined> {
  return {
    AUTH_JWT_SECRET: undefined,
    RECORDING_STORAGE_EVENT_TOKEN: undefined,
    DATA_DIR: dataDir,
    LIVEKIT_API_URL: livekitEnv.LIVEKIT_API_URL,
    LIVEKIT_API_KEY: livekitEnv.LIVEKIT_API_KEY,
    LIVEKIT_API_SECRET: livekitEnv.LIVEKIT_API_SECRET,
    WORKER_TIMEOUT_MS: livekitEnv.WORKER_TIMEOUT_MS,
    LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent',
  };
}

/** One of this machine's own addresses that is not loopback, if it has one. */
const OUTSIDE_ADDRESS = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

/** A GET to the service from `localAddress` (the socket's source address); its status. */
function statusFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { localAddress, headers, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

type Storage = NonNullable<TestService['config']['storage']>;

/** One SigV4-signed (aws4) call to the store; its status and body. */
async function s3Call(storage: Storage, method: string, pathAndQuery: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; etag: string | null }> {
  const url = new URL(storage.endpointUrl);
  const signed = aws4.sign(
    { host: url.host, method, path: pathAndQuery, service: 's3', region: storage.region, headers: { ...headers }, body },
    { accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey },
  );
  const answer = await fetch(`${storage.endpointUrl}${pathAndQuery}`, { method, headers: signed.headers as Record<string, string>, body, signal: AbortSignal.timeout(10_000) });
  return { status: answer.status, text: await answer.text(), etag: answer.headers.get('etag') };
}

/** Initiate, upload each part, complete: the S3 multipart upload; the object's ETag. */
async function multipartUpload(storage: Storage, key: string, parts: Buffer[], contentType: string): Promise<string> {
  const object = `/${storage.bucket}/${key}`;
  const initiated = await s3Call(storage, 'POST', `${object}?uploads`, undefined, { 'Content-Type': contentType });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated.text)?.[1];
  if (!uploadId) throw new Error(`no upload id: ${initiated.status} ${initiated.text}`);
  const etags: string[] = [];
  for (const [i, part] of parts.entries()) {
    const put = await s3Call(storage, 'PUT', `${object}?partNumber=${i + 1}&uploadId=${encodeURIComponent(uploadId)}`, part);
    if (put.status !== 200 || !put.etag) throw new Error(`part ${i + 1}: ${put.status} ${put.text}`);
    etags.push(put.etag);
  }
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const done = await s3Call(storage, 'POST', `${object}?uploadId=${encodeURIComponent(uploadId)}`, xml, { 'Content-Type': 'application/xml' });
  const etag = /<ETag>([^<]+)<\/ETag>/.exec(done.text)?.[1];
  if (done.status !== 200 || !etag) throw new Error(`complete: ${done.status} ${done.text}`);
  return etag.replace(/&quot;/g, '"');
}

/** A supertest parser that keeps the body as bytes. */
const binary = ((res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}) as unknown as Extract<Parameters<request.Test['parse']>[0], (res: never, done: never) => void>;

const owner: TestUser = { sub: 'dev-owner', email: 'owner@example.org', locale: 'en', zoneinfo: 'UTC', rooms: { 'demo-room': 'owner', 'big-room': 'owner' } };
const stranger: TestUser = { sub: 'someone-else', rooms: {} };

describe('development mode: embedded storage, captured email, media without nginx', () => {
  let dataDir: string;
  let livekit: FakeLivekitServer;
  let service: TestService;
  let video: TestMediaFile;
  let secret: string;
  let recordingId: string;
  let key: string;
  const auth = (user: TestUser) => ({ Authorization: `Bearer ${tokenFor(user, {}, secret)}` });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rec-devmode-'));
    const lk = await startFakeLivekit();
    livekit = lk.livekit;
    [service, video] = await Promise.all([startTestService(devEnv(dataDir, lk.env)), testVideoMp4()]);
    secret = devSecret(dataDir);
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await livekit?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a file put in the embedded store saves its recording through the storage hook, and the owner email is captured', async () => {
    const storage = service.running.parts.api.config.storage!;
    expect(storage.endpointUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const start = await request(service.url).post('/api/v1.0/rooms/demo-room/start-recording/').set(auth(owner)).send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    recordingId = start.body.id as string;
    key = start.body.key as string;
    expect((await request(service.url).post('/api/v1.0/rooms/demo-room/stop-recording/').set(auth(owner)).send()).status).toBe(200);

    // What LiveKit Egress would do: a plain S3 PUT to the configured storage.
    const url = new URL(storage.endpointUrl);
    const client = new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: storage.accessKeyId, secretKey: storage.secretAccessKey, region: storage.region, pathStyle: true });
    await client.putObject(storage.bucket, key, video.bytes, video.bytes.length, { 'Content-Type': 'video/mp4' });
    await eventually(async () => (await statusOf(service.db.url, recordingId)) === 'notification_succeeded', 15_000, 'recording saved and its email sent');

    const list = await request(service.url).get('/dev/mail');
    expect(list.status).toBe(200);
    expect(list.headers['content-security-policy']).toContain("script-src 'self'");
    expect(list.text).toContain('owner@example.org');
    expect(list.text).toMatch(/<a href="\/dev\/mail\/1">[^<]+<\/a>/);

    const one = await request(service.url).get('/dev/mail/1');
    expect(one.status).toBe(200);
    expect(one.text).toContain('<iframe sandbox="" src="/dev/mail/1/html"');
    expect(one.text).toContain(recordingId);
    const html = await request(service.url).get('/dev/mail/1/html');
    expect(html.status).toBe(200);
    expect(html.headers['content-security-policy']).toMatch(/default-src 'none';.*sandbox/);
    expect(html.text).toContain('<html');
    expect((await request(service.url).get('/dev/mail/2')).status).toBe(404);
    expect((await request(service.url).get('/dev/mail/0')).status).toBe(404);
  }, 30_000);

  it('serves MEDIA_URL_PREFIX after the media-auth decision: 200, 206 and 416 with a credential, 401 and 403 without', async () => {
    const media = `/media/${key}`;
    const whole = await request(service.url).get(media).set(auth(owner)).buffer(true).parse(binary);
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers['content-disposition']).toMatch(/^attachment; filename=/);
    expect(Buffer.compare(whole.body as Buffer, video.bytes)).toBe(0);

    const part = await request(service.url).get(media).set(auth(owner)).set('Range', 'bytes=100-199');
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${video.bytes.length}`);
    expect(part.headers['content-length']).toBe('100');

    // s3rver answers bytes=0-0 with the whole file: the route still sends one byte.
    const first = await request(service.url).get(media).set(auth(owner)).set('Range', 'bytes=0-0').buffer(true).parse(binary);
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-0/${video.bytes.length}`);
    expect([...(first.body as Buffer)]).toEqual([video.bytes[0]]);

    const tail = await request(service.url).get(media).set(auth(owner)).set('Range', 'bytes=-10');
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes ${video.bytes.length - 10}-${video.bytes.length - 1}/${video.bytes.length}`);

    const beyond = await request(service.url).get(media).set(auth(owner)).set('Range', `bytes=${video.bytes.length + 5}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${video.bytes.length}`);

    // A download link (?token=) is a credential too; the same rules as nginx's media-auth.
    const link = await request(service.url).post(`/api/v1.0/recordings/${recordingId}/download-link/`).set(auth(owner));
    expect(link.status).toBe(200);
    const byLink = await request(service.url).get(link.body.url as string).set('Range', 'bytes=0-9');
    expect(byLink.status).toBe(206);

    // A share link's token, then the same link revoked.
    const shared = await request(service.url).post(`/api/v1.0/recordings/${recordingId}/share-links/`).set(auth(owner)).send({});
    expect(shared.status).toBe(201);
    const shareToken = new URL(shared.body.url as string).searchParams.get('share')!;
    expect((await request(service.url).get(`${media}?share=${shareToken}`).set('Range', 'bytes=0-0')).status).toBe(206);
    expect((await request(service.url).delete(`/api/v1.0/recordings/${recordingId}/share-links/${shared.body.id as string}/`).set(auth(owner))).status).toBe(204);
    await eventually(async () => (await request(service.url).get(`${media}?share=${shareToken}`).set('Range', 'bytes=0-0')).status === 403, 5_000, 'revoked share refused');

    const head = await request(service.url).head(media).set(auth(owner));
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(video.bytes.length));

    expect((await request(service.url).get(media)).status).toBe(401);
    expect((await request(service.url).get(media).set(auth(stranger))).status).toBe(403);
    expect((await request(service.url).get(`${media}?token=not-a-token`)).status).toBe(403);
    expect((await request(service.url).get(media).set('Authorization', `Bearer ${tokenFor(owner)}`)).status).toBe(403);
  }, 30_000);

  it('a multipart upload saves its recording too (MinIO names it CompleteMultipartUpload)', async () => {
    const storage = service.running.parts.api.config.storage!;
    const start = await request(service.url).post('/api/v1.0/rooms/big-room/start-recording/').set(auth(owner)).send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    // As LiveKit Egress's S3 uploader does it (minio-js would first list uploads, which s3rver lacks).
    const etag = await multipartUpload(storage, start.body.key as string, [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.alloc(1024, 2)], 'video/mp4');
    expect(etag).toMatch(/^"[0-9a-f]{32}(-2)?"$/);
    await eventually(async () => ['saved', 'notification_succeeded'].includes((await statusOf(service.db.url, start.body.id as string)) ?? ''), 15_000, 'saved after a multipart upload');
  }, 30_000);

  (OUTSIDE_ADDRESS ? it : it.skip)('answers the pages to this machine only; media keeps its own rules from anywhere', async () => {
    for (const p of ['/', '/dev/mail', '/dev/mail/1', '/dev/mail/1/html', '/dev/api', '/dev/assets/landing.js']) {
      expect([p, await statusFrom(OUTSIDE_ADDRESS!, `${service.url}${p}`)]).toEqual([p, 403]);
      expect([p, await statusFrom('127.0.0.1', `${service.url}${p}`)]).toEqual([p, 200]);
    }
    expect(await statusFrom(OUTSIDE_ADDRESS!, `${service.url}/media/${key}`, auth(owner))).toBe(200);
  });

  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of [undefined, '', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'fe80::1', '::', '0.0.0.0']) expect(isLoopbackAddress(a)).toBe(false);
  });

  it('answers the start page with the owner token, and the API reference from local files', async () => {
    const page = await request(service.url).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('id="token"');
    const asset = await request(service.url).get('/dev/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await request(service.url).get('/dev/assets/package.json')).status).toBe(404);
    expect((await request(service.url).get('/dev/api')).text).toContain('/dev/assets/swagger-ui-bundle.js');
  });
});

describe('outside development mode', () => {
  const devPaths = ['/dev/mail', '/dev/mail/1', '/dev/api', '/dev/assets/landing.js'];

  it.each([
    ['with AUTH_JWT_SECRET set', {}],
    ['with NODE_ENV=production', { NODE_ENV: 'production' }],
  ])('%s: no start page, no captured email, no media route, no embedded parts', async (_what, env) => {
    const service = await startTestService(env);
    try {
      expect(service.running.parts.api.config.storage).toBeUndefined();
      expect(service.running.parts.api.config.email.smtp).toBeNull();
      const root = await request(service.url).get('/');
      expect(root.status).toBe(404);
      expect(root.body.detail).toContain('/api/v1.0/');
      for (const p of devPaths) expect((await request(service.url).get(p)).status).toBe(404);
      expect((await request(service.url).get('/media/recordings/3f2b8c1e-7d4a-4c0b-9a55-2e1f6b7c9d10.mp4')).status).toBe(404);
    } finally {
      await service.close();
    }
  }, 30_000);

  it('in development mode with AWS_S3_* configured: the configured storage, no media route', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rec-devmode-s3-'));
    let s3: TestS3 | undefined;
    let service: TestService | undefined;
    try {
      s3 = await startS3Server();
      service = await startTestService({
        AUTH_JWT_SECRET: undefined,
        DATA_DIR: dataDir,
        AWS_S3_ENDPOINT_URL: s3.endpointUrl,
        AWS_S3_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_STORAGE_BUCKET_NAME: s3.bucket,
      });
      expect(service.running.parts.api.config.storage?.endpointUrl).toBe(s3.endpointUrl);
      expect((await request(service.url).get('/media/recordings/3f2b8c1e-7d4a-4c0b-9a55-2e1f6b7c9d10.mp4').set('Authorization', 'Bearer x')).status).toBe(404);
      expect((await request(service.url).get('/')).status).toBe(200);
    } finally {
      await service?.close();
      await s3?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
