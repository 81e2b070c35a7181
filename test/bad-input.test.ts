import { brotliCompressSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import request from 'supertest';
import { bearer, startTestService, type TestService } from './helpers/service';

/**
 * Input the service cannot read is the caller's mistake: a 4xx, never a 500. Each family has a
 * regression test for the cases that once answered 500 and a small fuzz run over its neighbours.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(() => svc?.close());

const owner = { sub: 'bad-input-owner', email: 'owner@example.com', name: 'Owner', rooms: { r1: 'owner' } };
const FUZZ_RUNS = 100;

/** POSTs these exact bytes (supertest would serialise a Buffer sent as JSON). */
async function postBytes(path: string, headers: Record<string, string>, body: Uint8Array): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: compare the text.
  }
  return { status: res.status, body: parsed };
}

describe('malformed percent-escapes in path parameters', () => {
  it.each(['/recordings/%ff', '/api/v1.0/recordings/%ff/', '/api/v1.0/rooms/%C0%80/', '/api/v1.0/rooms/%C0%80/start-recording/'])('GET %s answers 400', async (path) => {
    const res = await request(svc.url).get(path).set(bearer(owner));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Malformed percent-escape in the URL path.' });
  });

  it('fuzz: no path with arbitrary escapes answers 5xx', async () => {
    const escape = fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`);
    const segment = fc.array(fc.oneof(escape, fc.constantFrom('a', '1', '-', '%', '%f', '%zz')), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
    const template = fc.constantFrom('/recordings/#', '/api/v1.0/recordings/#/', '/api/v1.0/rooms/#/', '/api/v1.0/rooms/#/start-recording/', '/api/v1.0/recordings/#/share-links/');
    await fc.assert(
      fc.asyncProperty(template, segment, fc.boolean(), async (path, seg, post) => {
        const url = path.replace('#', seg);
        const res = post ? await request(svc.url).post(url).set(bearer(owner)).send({}) : await request(svc.url).get(url).set(bearer(owner));
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('corrupt Content-Encoding bodies', () => {
  // Every route that reads a body, with no credentials: the body is refused before authentication.
  const BODY_ROUTES: [string, string][] = [
    ['/api/v1.0/rooms/r1/start-recording/', 'application/json'],
    ['/api/v1.0/recordings/storage-hook', 'application/json'],
    ['/api/v1.0/rooms/webhooks-livekit', 'application/webhook+json'],
    ['/api/v1.0/recordings/00000000-0000-4000-8000-000000000000/upload-url', 'application/json'],
    ['/api/v1.0/rooms/webhooks-jibri/v1/status', 'application/json'],
    ['/recordings/00000000-0000-4000-8000-000000000000/delete', 'application/x-www-form-urlencoded'],
    ['/auth/logout', 'application/x-www-form-urlencoded'],
  ];
  const corrupt: [string, Buffer][] = [
    ['gzip', Buffer.from('not compressed at all')],
    ['gzip', gzipSync('{"a":1}').subarray(0, 8)],
    ['br', Buffer.from('not compressed at all')],
    ['deflate', Buffer.from('not compressed at all')],
  ];

  it.each(BODY_ROUTES)('POST %s with a corrupt compressed body answers 400', async (path, type) => {
    for (const [encoding, body] of corrupt) {
      const res = await postBytes(path, { 'Content-Type': type, 'Content-Encoding': encoding }, body);
      expect({ encoding, status: res.status, body: res.body }).toEqual({ encoding, status: 400, body: { detail: 'The request body could not be decoded (corrupt Content-Encoding).' } });
    }
  });

  it('still reads a well-formed compressed body', async () => {
    for (const [encoding, body] of [['gzip', gzipSync('{"mode": 7}')], ['br', brotliCompressSync('{"mode": 7}')]] as const) {
      const res = await postBytes('/api/v1.0/rooms/r1/start-recording/', { ...bearer(owner), 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body);
      expect(res.status).toBe(400);
      expect((res.body as { detail: string }).detail).toMatch(/^Invalid request body: mode/);
    }
  });

  it('fuzz: arbitrary bytes under any encoding never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BODY_ROUTES), fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-gzip'), fc.uint8Array({ maxLength: 64 }), async ([path, type], encoding, bytes) => {
        const res = await postBytes(path, { 'Content-Type': type, 'Content-Encoding': encoding }, bytes);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
