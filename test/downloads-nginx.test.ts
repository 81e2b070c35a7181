import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { signDownloadToken, verifyDownloadToken } from '../src/downloads/download-token';
import { parseMediaPath, readDownloadTokenParam } from '../src/downloads/media-path';
import { signS3GetHeaders } from '../src/downloads/s3-request-signer';
import { PROJECT_NGINX_CONF, TEST_MEDIA_AUTH_SECRET, projectConfigFor, startNginx, type TestNginx } from './helpers/nginx';
import { startS3Server, type TestS3 } from './helpers/s3';

/**
 * nginx/recordings.conf in a real nginx, between a stand-in for the service (written here,
 * answering media-auth with headers from signS3GetHeaders, or 401/403) and s3rver behind a
 * recording proxy that also checks each request's SigV4 signature with the AWS SDK signer
 * (s3rver itself does not). The real media-auth endpoint is tested with the service.
 */

const REQUEST_TIMEOUT_MS = 10000;
const MEDIA = { mediaUrlPrefix: '/media/', outputFolder: 'recordings' };
const TOKEN_SECRET = 'test-download-secret-0123456789';
const ID = '3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b';
const MISSING_ID = '00000000-1111-4222-8333-444444444444';
const KEY = `recordings/${ID}.mp4`;
const MEDIA_PATH = `/media/${KEY}`;
const BYTES = randomBytes(256 * 1024);

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw HTTP request: the path goes on the wire exactly as written (no URL normalisation). */
function rawRequest(
  baseUrl: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: opts.headers,
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request ${opts.path} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: http.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

let s3: TestS3;
let nginx: TestNginx;
let service: http.Server;
let storageSpy: http.Server;
const authSeen: Seen[] = [];
const apiSeen: Seen[] = [];
const storageSeen: (Seen & { signatureValid: boolean })[] = [];
let storageUrl: string;
let authFailsWith500 = false;

/** What the real media-auth endpoint does, reduced to the parts nginx depends on. */
function mediaAuth(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (authFailsWith500) {
    res.writeHead(500).end();
    return;
  }
  const originalUrl = String(req.headers['x-original-url'] ?? '');
  const media = parseMediaPath(originalUrl, MEDIA);
  const authorization = req.headers.authorization;
  const token = readDownloadTokenParam(originalUrl);
  if (!authorization && !token) {
    res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
    return;
  }
  const allowed =
    media !== null &&
    (authorization === 'Bearer good' || (token !== null && verifyDownloadToken(token, { secret: TOKEN_SECRET, key: media.key }) !== null));
  if (!allowed) {
    res.writeHead(403).end();
    return;
  }
  const signed = signS3GetHeaders({
    endpointUrl: storageUrl, // nginx reaches the storage through the spy: sign for the spy's host
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    bucket: s3.bucket,
    key: media.key,
  });
  res
    .writeHead(200, {
      Authorization: signed.authorization,
      'X-Amz-Date': signed.amzDate,
      'X-Amz-Content-SHA256': signed.contentSha256,
      'X-S3-Host': signed.host,
      'X-S3-Path': signed.path,
    })
    .end();
}

async function signatureValid(req: http.IncomingMessage): Promise<boolean> {
  const date = String(req.headers['x-amz-date'] ?? '');
  const iso = date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  if (iso === date || !req.url || req.url.includes('?')) return false;
  const signer = new SignatureV4({
    service: 's3',
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: req.url,
      query: {},
      headers: {
        host: String(req.headers.host),
        'x-amz-content-sha256': String(req.headers['x-amz-content-sha256']),
      },
    },
    { signingDate: new Date(iso) },
  );
  return signed.headers.authorization === req.headers.authorization;
}

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.putObject(KEY, BYTES, 'video/mp4');

  // Records what reaches the storage, checks the signature, then forwards to s3rver.
  storageSpy = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      storageSeen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, signatureValid: await signatureValid(req) });
      const upstream = http.request(
        { host: '127.0.0.1', port: s3.port, method: req.method, path: req.url, headers: req.headers, timeout: REQUEST_TIMEOUT_MS },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.on('error', () => res.destroy());
          res.on('error', () => up.destroy()); // nginx hangs up early after a HEAD
          up.pipe(res);
        },
      );
      upstream.on('timeout', () => upstream.destroy(new Error('s3rver timed out')));
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    })();
  });
  storageUrl = await listen(storageSpy);

  service = http.createServer((req, res) => {
    void readBody(req).then((body) => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      if (req.url === '/api/v1.0/recordings/media-auth/') {
        authSeen.push(seen);
        mediaAuth(req, res);
      } else {
        apiSeen.push(seen);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ path: req.url }));
      }
    });
  });
  const serviceUrl = await listen(service);
  nginx = await startNginx({ serviceUrl, storageUrl });
});

afterAll(async () => {
  await nginx?.stop();
  await close(service);
  await close(storageSpy);
  await s3?.close();
});

beforeEach(() => {
  authSeen.length = 0;
  apiSeen.length = 0;
  storageSeen.length = 0;
  authFailsWith500 = false;
});

describe('the nginx harness runs the project file', () => {
  const original = readFileSync(PROJECT_NGINX_CONF, 'utf8').split('\n');
  const changedLines = (tested: string[]) => {
    expect(tested).toHaveLength(original.length);
    return tested.filter((line, i) => line !== original[i]).map((l) => l.trim().replace(/\s+#.*$/, ''));
  };
  const addresses = { serviceAddress: '127.0.0.1:1111', storageAddress: '127.0.0.1:2222', listenPort: 3333, accessLogPath: '/tmp/t/access.log' };

  it('changes nothing but the two upstream addresses, the listen port, the access log files and the media-auth secret', () => {
    expect(changedLines(projectConfigFor(addresses).split('\n'))).toEqual([
      'server 127.0.0.1:1111;',
      'server 127.0.0.1:2222;',
      'listen 127.0.0.1:3333;',
      'access_log /tmp/t/access.log recordings_safe;',
      'access_log /tmp/t/access.log recordings_media;',
      'access_log /tmp/t/access.log recordings_media;',
      'access_log /tmp/t/access.log recordings_media;',
      'access_log /tmp/t/access.log recordings_media;',
      `proxy_set_header X-Media-Auth-Secret "${TEST_MEDIA_AUTH_SECRET}";`,
    ]);
  });

  it('with TLS, changes only the listen line further (ssl and the certificate)', () => {
    const tested = projectConfigFor({ ...addresses, tls: { certPath: '/tmp/t/cert.pem', keyPath: '/tmp/t/key.pem' } }).split('\n');
    expect(changedLines(tested)).toEqual([
      'server 127.0.0.1:1111;',
      'server 127.0.0.1:2222;',
      'listen 127.0.0.1:3333 ssl; ssl_certificate /tmp/t/cert.pem; ssl_certificate_key /tmp/t/key.pem;',
      'access_log /tmp/t/access.log recordings_safe;',
      'access_log /tmp/t/access.log recordings_media;',
      'access_log /tmp/t/access.log recordings_media;',
      'access_log /tmp/t/access.log recordings_media;',
      'access_log /tmp/t/access.log recordings_media;',
      `proxy_set_header X-Media-Auth-Secret "${TEST_MEDIA_AUTH_SECRET}";`,
    ]);
  });
});

describe('the s3rver harness', () => {
  it('stores, reads and reports objects', async () => {
    expect(await s3.hasObject(KEY)).toBe(true);
    expect(await s3.hasObject(`recordings/${MISSING_ID}.mp4`)).toBe(false);
    expect((await s3.getObject(KEY)).equals(BYTES)).toBe(true);
  });
});

describe('downloads through nginx/recordings.conf', () => {
  it('streams the whole object to an authorised client, as an attachment', async () => {
    const res = await rawRequest(nginx.url, {
      path: MEDIA_PATH,
      headers: { Authorization: 'Bearer good', Cookie: 'session=abc', 'X-Amz-Security-Token': 'client-junk' },
    });
    expect(res.status).toBe(200);
    expect(res.body.equals(BYTES)).toBe(true);
    expect(res.headers['content-disposition']).toBe('attachment');
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(Object.keys(res.headers).filter((h) => h.startsWith('x-amz-'))).toEqual([]);

    // The auth endpoint saw the original URL and the client's credentials, and no body.
    expect(authSeen).toHaveLength(1);
    expect(authSeen[0]!.method).toBe('GET');
    expect(authSeen[0]!.headers['x-original-url']).toBe(MEDIA_PATH);
    expect(authSeen[0]!.headers.authorization).toBe('Bearer good');
    expect(authSeen[0]!.headers['x-media-auth-secret']).toBe(TEST_MEDIA_AUTH_SECRET);
    expect(authSeen[0]!.body.length).toBe(0);

    // The storage saw only the signed request: no client credentials, cookies or extra x-amz headers.
    expect(storageSeen).toHaveLength(1);
    const stored = storageSeen[0]!;
    expect(stored.method).toBe('GET');
    expect(stored.url).toBe(`/${s3.bucket}/${KEY}`);
    expect(stored.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\//);
    expect(stored.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(stored.headers.host).toBe(new URL(storageUrl).host);
    expect(stored.headers.cookie).toBeUndefined();
    expect(stored.headers['x-amz-security-token']).toBeUndefined();
    expect(stored.signatureValid).toBe(true);
  });

  it('passes a Range request through and returns 206 with the right slice', async () => {
    const res = await rawRequest(nginx.url, { path: MEDIA_PATH, headers: { Authorization: 'Bearer good', Range: 'bytes=1000-1999' } });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 1000-1999/${BYTES.length}`);
    expect(res.body.equals(BYTES.subarray(1000, 2000))).toBe(true);
    expect(res.headers['content-disposition']).toBe('attachment');
    expect(storageSeen[0]!.headers.range).toBe('bytes=1000-1999');
    expect(storageSeen[0]!.signatureValid).toBe(true);

    // Open-ended range (s3rver does not implement suffix ranges such as bytes=-10).
    const from = BYTES.length - 10;
    const tail = await rawRequest(nginx.url, { path: MEDIA_PATH, headers: { Authorization: 'Bearer good', Range: `bytes=${from}-` } });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(BYTES.subarray(from))).toBe(true);
  });

  it('accepts a download-link token in the query string and never forwards it to the storage', async () => {
    const { token } = signDownloadToken({ secret: TOKEN_SECRET, recordingId: ID, key: KEY, userSub: 'u1', ttlSeconds: 60 });
    const res = await rawRequest(nginx.url, { path: `${MEDIA_PATH}?token=${token}` });
    expect(res.status).toBe(200);
    expect(res.body.equals(BYTES)).toBe(true);
    expect(authSeen[0]!.headers['x-original-url']).toBe(`${MEDIA_PATH}?token=${token}`);
    expect(authSeen[0]!.url).toBe('/api/v1.0/recordings/media-auth/');
    expect(storageSeen[0]!.url).toBe(`/${s3.bucket}/${KEY}`);
    expect(JSON.stringify(storageSeen[0]!.headers)).not.toContain(token);
  });

  it('answers HEAD with the headers of the signed GET and no body', async () => {
    const res = await rawRequest(nginx.url, { method: 'HEAD', path: MEDIA_PATH, headers: { Authorization: 'Bearer good' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(BYTES.length));
    expect(res.body.length).toBe(0);
    expect(storageSeen[0]!.method).toBe('GET');
    expect(storageSeen[0]!.signatureValid).toBe(true);
  });

  it('answers 404 to the public media-auth path however it is written, and never asks the service', async () => {
    const paths = [
      '/api/v1.0/recordings/media-auth/',
      '/api/v1.0/recordings/media-auth',
      '/API/V1.0/Recordings/Media-Auth/',
      '/api/v1.0/recordings//media-auth/',
      '/api/v1.0/recordings/media%2Dauth/',
      '/api/v1.0/recordings/media-auth/?x=1',
      '/_recordings_media_auth',
    ];
    for (const path of paths) {
      const res = await rawRequest(nginx.url, { path, headers: { Authorization: 'Bearer good', 'X-Original-URL': MEDIA_PATH } });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    expect(authSeen).toEqual([]);
    expect(apiSeen).toEqual([]);
  });

  it('passes 401 and 403 from the auth endpoint to the client and never reaches the storage', async () => {
    const anonymous = await rawRequest(nginx.url, { path: MEDIA_PATH });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');

    const denied = await rawRequest(nginx.url, { path: MEDIA_PATH, headers: { Authorization: 'Bearer bad' } });
    expect(denied.status).toBe(403);

    const wrongToken = signDownloadToken({ secret: TOKEN_SECRET, recordingId: MISSING_ID, key: `recordings/${MISSING_ID}.mp4`, userSub: 'u1', ttlSeconds: 60 });
    const otherFile = await rawRequest(nginx.url, { path: `${MEDIA_PATH}?token=${wrongToken.token}` });
    expect(otherFile.status).toBe(403);

    expect(authSeen).toHaveLength(3);
    expect(storageSeen).toHaveLength(0);
  });

  it('sends no request body to the auth endpoint, even when the client sends one', async () => {
    const res = await rawRequest(nginx.url, {
      path: MEDIA_PATH,
      headers: { Authorization: 'Bearer good', 'Content-Type': 'text/plain' },
      body: 'a body that must not travel',
    });
    expect(res.status).toBe(200);
    expect(authSeen[0]!.body.length).toBe(0);
    expect(authSeen[0]!.headers['content-length']).toBeUndefined();
    expect(authSeen[0]!.headers['transfer-encoding']).toBeUndefined();
    expect(storageSeen[0]!.body.length).toBe(0);
  });

  it('lets the auth endpoint refuse paths nginx normalises (traversal, encoded dots)', async () => {
    for (const path of [
      `/media/recordings/../recordings/${ID}.mp4`,
      `/media/recordings/%2e%2e/recordings/${ID}.mp4`,
      `/media/recordings/%33${ID.slice(1)}.mp4`,
      `/media//recordings/${ID}.mp4`,
    ]) {
      const res = await rawRequest(nginx.url, { path, headers: { Authorization: 'Bearer good' } });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    expect(storageSeen).toHaveLength(0);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await rawRequest(nginx.url, { method: 'DELETE', path: MEDIA_PATH, headers: { Authorization: 'Bearer good' } });
    expect(res.status).toBe(403);
    expect(storageSeen).toHaveLength(0);
  });

  it("hides the storage's error body (bucket and key) behind nginx's own 404", async () => {
    const res = await rawRequest(nginx.url, { path: `/media/recordings/${MISSING_ID}.mp4`, headers: { Authorization: 'Bearer good' } });
    expect(storageSeen).toHaveLength(1);
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain(s3.bucket);
    expect(res.body.toString()).not.toContain('NoSuchKey');
  });

  it('turns an auth endpoint failure into a 5xx, never a download', async () => {
    authFailsWith500 = true;
    const res = await rawRequest(nginx.url, { path: MEDIA_PATH, headers: { Authorization: 'Bearer good' } });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(storageSeen).toHaveLength(0);
  });

  it('proxies everything else to the service with its headers and body', async () => {
    const res = await rawRequest(nginx.url, {
      method: 'POST',
      path: '/api/v1.0/rooms/webhooks-livekit/?x=1',
      headers: { Authorization: 'Bearer good', 'Content-Type': 'application/json' },
      body: '{"event":"egress_ended"}',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ path: '/api/v1.0/rooms/webhooks-livekit/?x=1' });
    expect(apiSeen).toHaveLength(1);
    expect(apiSeen[0]!.headers.authorization).toBe('Bearer good');
    expect(apiSeen[0]!.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(apiSeen[0]!.body.toString()).toBe('{"event":"egress_ended"}');
    expect(authSeen).toHaveLength(0);
  });
});
