import { randomBytes, randomUUID } from 'node:crypto';
import https from 'node:https';
import request from 'supertest';
import { eventually, stoppedRecording } from './helpers/flow';
import { startNginx, type TestNginx } from './helpers/nginx';
import { selfSignedCert, type SelfSignedCert } from './helpers/self-signed-cert';
import { bearer, type TestService, type TestUser } from './helpers/service';
import { startStack, type TestStack } from './helpers/stack';

/**
 * The real service behind the real nginx running nginx/recordings.conf, with a TLS listener
 * (a throwaway certificate) so `$scheme` is https, and TRUST_PROXY=1 as deployed behind it.
 * Clients connect from different loopback addresses (127.0.0.2, ...) to nginx on 127.0.0.1,
 * so nginx sees, and forwards, distinct client addresses.
 */

const LIMIT = 3;
const WEBHOOK_TOKEN = `jibri-webhook-${randomBytes(12).toString('hex')}`;
const REQUEST_TIMEOUT_MS = 10_000;
const owner: TestUser = { sub: 'proxy-owner', email: 'proxy-owner@example.org', rooms: { 'proxy-a': 'owner', 'proxy-b': 'owner' } };

let stack: TestStack;
let svc: TestService;
let cert: SelfSignedCert;
let nginx: TestNginx;

beforeAll(async () => {
  stack = await startStack({
    TRUST_PROXY: '1',
    PUBLIC_URL: 'https://meet.example.org',
    WEBHOOK_RATE_LIMIT_PER_MINUTE: String(LIMIT),
    JIBRI_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
  });
  svc = stack.svc;
  cert = await selfSignedCert();
  // No storage here: nothing in these tests is served from it (the port is never opened).
  nginx = await startNginx({ serviceUrl: svc.url, storageUrl: 'http://127.0.0.1:9', tls: cert });
});

afterAll(async () => {
  await nginx?.stop();
  await cert?.remove();
  await stack?.close();
});

interface Answer {
  status: number;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One HTTPS request to nginx, from the loopback address `from` (the certificate is trusted as a CA). */
function viaNginx(opts: { from: string; method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: nginx.port,
        localAddress: opts.from,
        ca: cert.certPem,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: opts.body !== undefined ? { 'Content-Type': 'application/json', ...opts.headers } : opts.headers,
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request ${opts.path} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

const storageHook = (from: string, headers: Record<string, string> = {}) =>
  viaNginx({ from, method: 'POST', path: '/api/v1.0/recordings/storage-hook/', headers: { Authorization: 'Bearer not-the-token', ...headers }, body: '{}' });

/** Waits until nginx has logged the request whose User-Agent is `marker`; returns the whole log. */
async function accessLogWith(marker: string): Promise<string> {
  await eventually(async () => nginx.accessLog().includes(marker), 5_000, `access log line for ${marker}`);
  return nginx.accessLog();
}

describe('TRUST_PROXY=1 behind nginx', () => {
  it('the harness can connect from another loopback address, and nginx forwards that address', async () => {
    const marker = `ua-${randomUUID()}`;
    expect((await viaNginx({ from: '127.0.0.9', path: '/health', headers: { 'User-Agent': marker } })).status).toBe(200);
    const line = (await accessLogWith(marker)).split('\n').find((l) => l.includes(marker))!;
    expect(line.startsWith('127.0.0.9 ')).toBe(true);
  });

  it('gives two client addresses separate webhook rate-limit buckets', async () => {
    const first: number[] = [];
    for (let i = 0; i <= LIMIT; i++) first.push((await storageHook('127.0.0.2')).status);
    expect(first).toEqual([...Array(LIMIT).fill(401), 429]);

    // Another client is not limited by the first one's requests.
    expect((await storageHook('127.0.0.3')).status).toBe(401);
  });

  it("does not let a client pick its bucket with its own X-Forwarded-For", async () => {
    const answers: number[] = [];
    for (let i = 0; i <= LIMIT; i++) answers.push((await storageHook('127.0.0.4', { 'X-Forwarded-For': `198.51.100.${i + 1}` })).status);
    expect(answers).toEqual([...Array(LIMIT).fill(401), 429]);

    // Claiming to be the limited client changes nothing for another one either.
    expect((await storageHook('127.0.0.5', { 'X-Forwarded-For': '127.0.0.4' })).status).toBe(401);
  });

  it('writes pagination links on PUBLIC_URL, whatever scheme the client claims', async () => {
    await stoppedRecording(svc.url, owner, 'proxy-a');
    await stoppedRecording(svc.url, owner, 'proxy-b');

    // A client's own X-Forwarded-Proto is replaced by nginx's $scheme.
    const res = await viaNginx({
      from: '127.0.0.10',
      path: '/api/v1.0/recordings/?page_size=1',
      headers: { ...bearer(owner), 'X-Forwarded-Proto': 'http' },
    });
    expect(res.status).toBe(200);
    const page = res.json();
    expect(page.count).toBe(2);
    const next = new URL(page.next);
    expect(next.origin).toBe('https://meet.example.org');
    expect(next.pathname).toBe('/api/v1.0/recordings/');
    expect(Object.fromEntries(next.searchParams)).toEqual({ page: '2', page_size: '1' });

    // Reached directly over http, the links are the same.
    const direct = await request(svc.url).get('/api/v1.0/recordings/?page_size=1').set(bearer(owner));
    expect(direct.body.next).toBe(page.next);
  });
});

describe("nginx's access log carries no token", () => {
  const status = (jibriId: string) => JSON.stringify({ jibriId, status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY' } } });

  it("passes Jibri's webhook with the token in the path to the service, and logs the path without it", async () => {
    const marker = `jibri-${randomUUID()}`;
    const headers = { 'User-Agent': marker };
    const ok = await viaNginx({ from: '127.0.0.6', method: 'POST', path: `/api/v1.0/rooms/webhooks-jibri/${WEBHOOK_TOKEN}/v1/status`, headers, body: status('jibri-elsewhere') });
    expect(ok.status).toBe(200);
    expect(ok.json().message).toMatch(/status ignored/i); // the service's answer: no Jibri pool here

    // The service routes paths case-insensitively; nginx's log redacts them alike.
    const upper = await viaNginx({ from: '127.0.0.7', method: 'POST', path: `/API/V1.0/ROOMS/WEBHOOKS-JIBRI/${WEBHOOK_TOKEN}/v1/status`, headers, body: status('jibri-elsewhere') });
    expect(upper.status).toBe(200);

    const wrong = await viaNginx({ from: '127.0.0.8', method: 'POST', path: `/api/v1.0/rooms/webhooks-jibri/${WEBHOOK_TOKEN}x/v1/status`, headers, body: status('jibri-elsewhere') });
    expect(wrong.status).toBe(401);
    expect(wrong.json().detail).toMatch(/token/i);

    await eventually(async () => nginx.accessLog().split(marker).length - 1 >= 3, 5_000, 'three webhook lines');
    const log = nginx.accessLog();
    expect(log).not.toContain(WEBHOOK_TOKEN);
    expect(log).not.toContain(WEBHOOK_TOKEN.slice(-12));
    const lines = log.split('\n').filter((l) => l.includes(marker));
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toContain('"POST /api/v1.0/rooms/webhooks-jibri/[redacted]"');
    expect(lines.map((l) => / (\d{3}) \d+ "/.exec(l)?.[1])).toEqual(['200', '200', '401']);
  });

  it('logs the path of a request without its query string, and no Referer', async () => {
    const downloadToken = randomBytes(16).toString('hex');
    const marker = `query-${randomUUID()}`;
    const headers = { 'User-Agent': marker, Referer: 'https://meet.example.org/room?share=secret-in-referer' };

    // Media requests are logged in their own format, media-auth's answer included, without the query string.
    const mediaId = randomUUID();
    const media = await viaNginx({ from: '127.0.0.11', path: `/media/recordings/${mediaId}.mp4?token=${downloadToken}`, headers });
    expect(media.status).toBe(403);
    const sharedMedia = await viaNginx({ from: '127.0.0.11', path: `/media/recordings/${mediaId}.mp4?share=${'s'.repeat(43)}`, headers });
    expect(sharedMedia.status).toBe(403);
    const page = await viaNginx({ from: '127.0.0.11', path: `/recordings/${mediaId}?share=secret123`, headers });
    expect(page.status).toBe(404);
    const shared = await viaNginx({ from: '127.0.0.11', path: '/api/v1.0/recordings/?share=secret123', headers });
    expect(shared.status).toBe(401);
    const withToken = await viaNginx({ from: '127.0.0.11', path: `/api/v1.0/recordings/?page=1&token=${downloadToken}`, headers });
    expect(withToken.status).toBe(401);

    await eventually(async () => nginx.accessLog().split(marker).length - 1 >= 5, 5_000, 'five lines');
    const log = nginx.accessLog();
    for (const secret of ['secret123', downloadToken, 'secret-in-referer', 'share=', 'token=', 's'.repeat(43)]) expect(log).not.toContain(secret);
    const lines = log.split('\n').filter((l) => l.includes(marker));
    expect(lines).toHaveLength(5);
    expect(lines.filter((l) => l.includes('"GET /api/v1.0/recordings/" 401 '))).toHaveLength(2);
    expect(lines.filter((l) => l.includes(`"GET /media/recordings/${mediaId}.mp4" 403 `) && l.includes(' auth=403 '))).toHaveLength(2);
    expect(lines.filter((l) => l.includes(`"GET /recordings/${mediaId}" 404 `))).toHaveLength(1);
  });
});

describe('probes through nginx', () => {
  it('answers 404 for /metrics and /ready, which the service itself serves to operators', async () => {
    for (const path of ['/metrics', '/metrics/', '/METRICS', '/metrics?x=1', '/ready', '/Ready/', '/%72eady']) {
      const res = await viaNginx({ from: '127.0.0.12', path });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.body).not.toContain('recorder_');
    }
    expect((await viaNginx({ from: '127.0.0.12', path: '/health' })).status).toBe(200);

    const metrics = await request(svc.url).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('recorder_');
    expect((await request(svc.url).get('/METRICS')).status).toBe(200); // why nginx matches case-insensitively
    // (503 here: the fake LiveKit's storage settings point at no storage; the answer is the service's.)
    const ready = await request(svc.url).get('/ready');
    expect(ready.body.checks).toMatchObject({ database: 'ok' });
  });

  it("answers 404 for media-auth's public path in any spelling; only nginx's own subrequest reaches it", async () => {
    const paths = ['/api/v1.0/recordings/media-auth/', '/api/v1.0/recordings/media-auth', '/Api/V1.0/Recordings/MEDIA-AUTH/', '/api/v1.0/recordings/%6Dedia-auth/', '/_recordings_media_auth'];
    for (const path of paths) {
      const res = await viaNginx({ from: '127.0.0.12', path, headers: { 'X-Original-URL': '/media/recordings/x.mp4' } });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    // The service itself answers there (401: no credentials), which is why nginx must not pass it on.
    expect((await request(svc.url).get('/API/V1.0/RECORDINGS/MEDIA-AUTH/').set('X-Original-URL', '/media/recordings/x.mp4')).status).toBe(401);
  });
});
