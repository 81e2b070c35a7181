import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import request from 'supertest';
import { loadConfig } from '../src/config/config';
import { DOWNLOAD_SECRET_NAME } from '../src/downloads/download-secret';
import { deriveDownloadTokenSecret, signDownloadToken } from '../src/downloads/download-token';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { startFakeLivekit } from './helpers/livekit-env';
import { createTestDatabase } from './helpers/pg';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN, bearer, startTestService, tokenFor, type TestService, type TestUser } from './helpers/service';
import { storeEvent } from './helpers/minio-events';
import { seedRoom, startWithTracks } from './helpers/tracks';

/**
 * GET /api/v1.0/recordings/media-auth/ on the real service (real PostgreSQL, recordings made
 * through the API and the fake LiveKit), asked directly the way nginx asks it: X-Original-URL
 * plus the client's Authorization header and the MEDIA_AUTH_SECRET nginx adds (X-Media-Auth-Secret).
 * Also POST /recordings/{id}/download-link/.
 */

const REQUEST_TIMEOUT_MS = 10000;
const DOWNLOAD_BASE = 'https://meet.example.org/recordings';
const MEDIA_AUTH = '/api/v1.0/recordings/media-auth/';
const LINK_SECRET = deriveDownloadTokenSecret(TEST_JWT_SECRET);
const UNKNOWN_ID = '00000000-1111-4222-8333-444444444444';
const PROXY_SECRET = 'media-auth-secret-of-this-test-0123456789';

const owner: TestUser = { sub: 'owner-1', email: 'owner@example.org', rooms: { alpha: 'owner', beta: 'owner', gamma: 'owner', speakers: 'owner', panel: 'owner' } };
const admin: TestUser = { sub: 'admin-1', rooms: { alpha: 'administrator' } };
const stranger: TestUser = { sub: 'stranger-1', rooms: { alpha: 'member', other: 'owner' } };

let svc: TestService;
let livekit: FakeLivekitServer;
let s3: TestS3;
let pg: Client;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
}

/** A request to the service with exactly these header values (no normalisation). */
function ask(headers: Record<string, string>, path = MEDIA_AUTH, base = svc.url): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: 'GET', path, headers, agent, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('media-auth request timed out')));
    req.on('error', reject);
    req.end();
  });
}

function mediaAuth(originalUrl: string | undefined, extra: Record<string, string> = {}, base?: string): Promise<Answer> {
  const fromNginx = { 'X-Media-Auth-Secret': PROXY_SECRET, ...(originalUrl === undefined ? {} : { 'X-Original-URL': originalUrl }) };
  return ask({ ...fromNginx, ...extra }, MEDIA_AUTH, base);
}

interface Made {
  id: string;
  key: string;
  path: string;
}

/** A recording created and stopped through the API (status `stopped`). */
async function makeRecording(room: string, mode = 'screen_recording', options?: Record<string, unknown>): Promise<Made> {
  const start = await request(svc.url)
    .post(`/api/v1.0/rooms/${room}/start-recording/`)
    .set(bearer(owner))
    .send(options ? { mode, options } : { mode });
  expect(start.status).toBe(201);
  await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).expect(200);
  const key = start.body.key as string;
  return { id: start.body.id as string, key, path: `/media/${key}` };
}

/** Saved the way production does it: a MinIO event on the storage hook. */
async function markSavedByEvent(made: Made): Promise<void> {
  expect(await storeEvent(svc.url, s3.bucket, made.key)).toBe('Event processed.');
}

async function sql(text: string, params: unknown[] = []): Promise<void> {
  await pg.query(text, params);
}

async function savedRecording(room: string, mode = 'screen_recording', options?: Record<string, unknown>): Promise<Made> {
  const made = await makeRecording(room, mode, options);
  await sql("UPDATE recordings SET status = 'saved' WHERE id = $1", [made.id]);
  return made;
}

let saved: Made;
let audio: Made;

beforeAll(async () => {
  s3 = await startS3Server();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService({
    ...fake.env,
    ...s3Env(s3),
    RECORDING_EXPIRATION_DAYS: '30',
    RECORDING_DOWNLOAD_BASE_URL: DOWNLOAD_BASE,
    RECORDING_ALLOW_PERMANENT: 'true',
    // These tests change rows behind the service's back (SQL) and expect the very next decision
    // to see it: the rules are tested here uncached; test/media-auth-cache.test.ts tests the cache.
    MEDIA_AUTH_CACHE_MS: '0',
    MEDIA_AUTH_SECRET: PROXY_SECRET,
  });
  pg = new Client({ connectionString: svc.db.url });
  await pg.connect();

  saved = await makeRecording('alpha');
  await markSavedByEvent(saved);
  audio = await makeRecording('beta', 'transcript');
  await markSavedByEvent(audio);
});

afterAll(async () => {
  agent.destroy();
  await pg?.end();
  await svc?.close();
  await livekit?.close();
  await s3?.close();
});

describe('media-auth grants', () => {
  it('answers 200 to the owner with SigV4 headers for GET /{bucket}/{key} and the host to send them to', async () => {
    const res = await mediaAuth(saved.path, bearer(owner));
    expect(res.status).toBe(200);
    expect(res.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(res.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(res.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(res.headers['x-s3-host']).toBe(new URL(s3.endpointUrl).host);
    expect(res.headers['x-s3-path']).toBe(`/${s3.bucket}/${saved.key}`);
  });

  it('answers 200 to an administrator of the recording, and on the path without trailing slash', async () => {
    await sql("INSERT INTO recording_accesses (id, recording_id, user_sub, role) VALUES (gen_random_uuid(), $1, $2, 'administrator')", [
      saved.id,
      admin.sub,
    ]);
    expect((await mediaAuth(saved.path, bearer(admin))).status).toBe(200);
    expect((await ask({ 'X-Original-URL': saved.path, 'X-Media-Auth-Secret': PROXY_SECRET, ...bearer(owner) }, MEDIA_AUTH.slice(0, -1))).status).toBe(200);
  });

  it('grants audio recordings as .ogg and keeps granting after the notification was sent', async () => {
    expect((await mediaAuth(audio.path, bearer(owner))).status).toBe(200);
    await sql("UPDATE recordings SET status = 'notification_succeeded' WHERE id = $1", [audio.id]);
    const res = await mediaAuth(audio.path, bearer(owner));
    expect(res.status).toBe(200);
    expect(res.headers['x-s3-path']).toBe(`/${s3.bucket}/recordings/${audio.id}.ogg`);
  });

  it('ignores a query string other than the token', async () => {
    expect((await mediaAuth(`${saved.path}?download=1`, bearer(owner))).status).toBe(200);
  });
});

describe('media-auth refusals', () => {
  it('403 to a caller without nginx\'s X-Media-Auth-Secret, or with a wrong one, whatever its credentials', async () => {
    const granted = { 'X-Original-URL': saved.path, ...bearer(owner) };
    const { token } = signDownloadToken({ secret: LINK_SECRET, recordingId: saved.id, key: saved.key, userSub: owner.sub, ttlSeconds: 60 });
    const attempts: Record<string, string>[] = [
      granted,
      { ...granted, 'X-Media-Auth-Secret': '' },
      { ...granted, 'X-Media-Auth-Secret': `${PROXY_SECRET}x` },
      { ...granted, 'X-Media-Auth-Secret': PROXY_SECRET.slice(0, -1) },
      { 'X-Original-URL': `${saved.path}?token=${token}` },
    ];
    for (const headers of attempts) {
      const res = await ask(headers);
      expect(res.status).toBe(403);
      expect(res.headers.authorization).toBeUndefined();
      expect(res.headers['x-s3-host']).toBeUndefined();
    }
    expect((await ask({ ...granted, 'X-Media-Auth-Secret': PROXY_SECRET })).status).toBe(200);
  });

  it('401 without any credentials (no bearer, no token), with WWW-Authenticate', async () => {
    const res = await mediaAuth(saved.path);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers.authorization).toBeUndefined();
    expect((await mediaAuth(saved.path, { Authorization: '' })).status).toBe(401);
    expect((await mediaAuth(undefined)).status).toBe(401);
    expect((await mediaAuth('/media/../../etc/passwd')).status).toBe(401);
  });

  it('403 to another user, a room member, and for bad or unusable credentials', async () => {
    const refused = [
      bearer(stranger),
      { Authorization: `Bearer ${tokenFor(owner, { expiresIn: -60 })}` },
      { Authorization: `Bearer ${tokenFor(owner, {}, 'another-secret-0123456789abcdef')}` },
      { Authorization: `Bearer ${jwt.sign({ ...owner }, '', { algorithm: 'none' })}` },
      { Authorization: 'Basic b3duZXI6cGFzc3dvcmQ=' },
      { Authorization: 'Bearer' },
      { Authorization: 'Bearer not.a.jwt' },
      // A download token is not a user token (it is signed with a derived key, for another audience).
      { Authorization: `Bearer ${signDownloadToken({ secret: LINK_SECRET, recordingId: saved.id, key: saved.key, userSub: owner.sub, ttlSeconds: 60 }).token}` },
      // ... not even when signed with the user-token secret itself (its audience gives it away).
      { Authorization: `Bearer ${signDownloadToken({ secret: TEST_JWT_SECRET, recordingId: saved.id, key: saved.key, userSub: owner.sub, ttlSeconds: 60 }).token}` },
      // A user token must expire.
      { Authorization: `Bearer ${jwt.sign({ ...owner }, TEST_JWT_SECRET, { algorithm: 'HS256' })}` },
    ];
    for (const headers of refused) {
      const res = await mediaAuth(saved.path, headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      expect(res.headers.authorization).toBeUndefined();
    }
  });

  it('403 for every path that is not exactly {prefix}{folder}/{uuid}.{ext}: traversal, encodings, extra segments', async () => {
    const id = saved.id;
    const paths = [
      `/media/recordings/../recordings/${id}.mp4`,
      `/media/recordings/./${id}.mp4`,
      `/media/recordings/%2e%2e/recordings/${id}.mp4`,
      `/media/recordings/%2E%2E%2Frecordings%2F${id}.mp4`,
      `/media/recordings%2F${id}.mp4`,
      `/media/recordings/${id}%2emp4`,
      `/media/recordings/%${id.charCodeAt(0).toString(16)}${id.slice(1)}.mp4`,
      `/media//recordings/${id}.mp4`,
      `/media/recordings//${id}.mp4`,
      `//media/recordings/${id}.mp4`,
      `/media/recordings/${id}.mp4/`,
      `/media/recordings/${id}.mp4/extra`,
      `/media/recordings/${id}.mp4;jsessionid=1`,
      `/media/recordings/${id}.mp4%00`,
      `/media/recordings/${id}.mp4%20`,
      `/media/recordings/${id}.mp4.`,
      `/media/recordings/sub/${id}.mp4`,
      `/media/other/${id}.mp4`,
      `/media/${id}.mp4`,
      `/media\\recordings\\${id}.mp4`,
      `/media/recordings\\${id}.mp4`,
      `/media/recordings/${id.toUpperCase()}.mp4`,
      `/media/recordings/${id}.MP4`,
      `/media/recordings/${id}.mkv`,
      `/media/recordings/${id}`,
      `/media/recordings/{${id}}.mp4`,
      `/Media/recordings/${id}.mp4`,
      `/recordings/${id}.mp4`,
      `/api/v1.0/recordings/${id}/`,
      `http://evil.example/media/recordings/${id}.mp4`,
      `/media/recordings/${id}.mp4#frag`,
      `media/recordings/${id}.mp4`,
      '',
    ];
    for (const path of paths) {
      const res = await mediaAuth(path, bearer(owner));
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    // No X-Original-URL at all, with credentials.
    expect((await mediaAuth(undefined, bearer(owner))).status).toBe(403);
  });

  it('403, not 404, for an unknown recording id', async () => {
    const res = await mediaAuth(`/media/recordings/${UNKNOWN_ID}.mp4`, bearer(owner));
    expect(res.status).toBe(403);
  });

  it('403 while the recording is not saved, whatever its status', async () => {
    const made = await makeRecording('gamma');
    for (const status of ['initiated', 'active', 'stopped', 'failed_to_start', 'failed_to_stop', 'aborted']) {
      await sql('UPDATE recordings SET status = $2 WHERE id = $1', [made.id, status]);
      const res = await mediaAuth(made.path, bearer(owner));
      expect({ status, code: res.status }).toEqual({ status, code: 403 });
    }
    await sql("UPDATE recordings SET status = 'saved' WHERE id = $1", [made.id]);
    expect((await mediaAuth(made.path, bearer(owner))).status).toBe(200);
  });

  it('403 for the wrong extension (an MP4 recording asked as .ogg and the reverse)', async () => {
    expect((await mediaAuth(`/media/recordings/${saved.id}.ogg`, bearer(owner))).status).toBe(403);
    expect((await mediaAuth(`/media/recordings/${audio.id}.mp4`, bearer(owner))).status).toBe(403);
  });

  it('403 once expired (creation moved back past RECORDING_EXPIRATION_DAYS), never for a permanent recording', async () => {
    const made = await savedRecording('gamma');
    await sql("UPDATE recordings SET created_at = now() - interval '29 days' WHERE id = $1", [made.id]);
    expect((await mediaAuth(made.path, bearer(owner))).status).toBe(200);
    await sql("UPDATE recordings SET created_at = now() - interval '30 days 1 minute' WHERE id = $1", [made.id]);
    expect((await mediaAuth(made.path, bearer(owner))).status).toBe(403);

    const permanent = await savedRecording('gamma', 'screen_recording', { permanent: true });
    await sql("UPDATE recordings SET created_at = now() - interval '400 days' WHERE id = $1", [permanent.id]);
    expect((await mediaAuth(permanent.path, bearer(owner))).status).toBe(200);
  });

  it('follows PATCH is_permanent: an expired recording made permanent is served again, and refused once made non-permanent', async () => {
    const made = await savedRecording('gamma');
    await sql("UPDATE recordings SET created_at = now() - interval '31 days' WHERE id = $1", [made.id]);
    expect((await mediaAuth(made.path, bearer(owner))).status).toBe(403);
    const patch = (isPermanent: boolean) =>
      request(svc.url).patch(`/api/v1.0/recordings/${made.id}/`).set(bearer(owner)).send({ is_permanent: isPermanent });
    expect((await patch(true)).body).toMatchObject({ is_permanent: true, expired_at: null, is_expired: false });
    expect((await mediaAuth(made.path, bearer(owner))).status).toBe(200);
    expect((await patch(false)).body).toMatchObject({ is_permanent: false, is_expired: true });
    expect((await mediaAuth(made.path, bearer(owner))).status).toBe(403);
  });

  it('403 after the recording is deleted, by bearer and by download link', async () => {
    const made = await savedRecording('gamma');
    await s3.putObject(made.key, 'bytes', 'video/mp4');
    const link = await request(svc.url).post(`/api/v1.0/recordings/${made.id}/download-link/`).set(bearer(owner));
    expect(link.status).toBe(200);
    const linkPath = (link.body.url as string).slice(new URL(DOWNLOAD_BASE).origin.length);
    expect((await mediaAuth(linkPath)).status).toBe(200);

    await request(svc.url).delete(`/api/v1.0/recordings/${made.id}/`).set(bearer(owner)).expect(204);
    expect((await mediaAuth(made.path, bearer(owner))).status).toBe(403);
    expect((await mediaAuth(linkPath)).status).toBe(403);
  });
});

describe('download-link tokens at media-auth', () => {
  const linkFor = (made: Made, over: Partial<Parameters<typeof signDownloadToken>[0]> = {}) =>
    signDownloadToken({ secret: LINK_SECRET, recordingId: made.id, key: made.key, userSub: owner.sub, ttlSeconds: 60, ...over }).token;

  it('a valid token for exactly that file is enough, without any header', async () => {
    const res = await mediaAuth(`${saved.path}?token=${linkFor(saved)}`);
    expect(res.status).toBe(200);
    expect(res.headers['x-s3-path']).toBe(`/${s3.bucket}/${saved.key}`);
  });

  it('403 for a token for another file, expired, wrongly signed, of a user without access, or malformed', async () => {
    const other = `/media/recordings/${audio.id}.ogg`;
    const cases: [string, string][] = [
      ['token for another file', `${other}?token=${linkFor(saved)}`],
      ['same key, other recording id', `${saved.path}?token=${linkFor(saved, { recordingId: audio.id })}`],
      ['other key, same id', `${saved.path}?token=${linkFor(saved, { key: `recordings/${saved.id}.ogg` })}`],
      ['expired', `${saved.path}?token=${linkFor(saved, { now: new Date(Date.now() - 3600_000) })}`],
      ['wrong secret', `${saved.path}?token=${linkFor(saved, { secret: 'another-download-secret-0123456789' })}`],
      ['user without access', `${saved.path}?token=${linkFor(saved, { userSub: stranger.sub })}`],
      ['user JWT as token', `${saved.path}?token=${tokenFor(owner)}`],
      ['garbage', `${saved.path}?token=abc`],
      ['empty', `${saved.path}?token=`],
      ['two tokens', `${saved.path}?token=${linkFor(saved)}&token=${linkFor(saved)}`],
      ['tampered', `${saved.path}?token=${linkFor(saved).slice(0, -2)}xx`],
      ['percent-encoded', `${saved.path}?token=${encodeURIComponent(linkFor(saved)).replace(/\./g, '%2E')}`],
    ];
    for (const [what, url] of cases) {
      const res = await mediaAuth(url);
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
    }
  });

  it('a bearer of another user does not spoil a valid link, and a valid bearer does not need one', async () => {
    expect((await mediaAuth(`${saved.path}?token=${linkFor(saved)}`, bearer(stranger))).status).toBe(200);
    expect((await mediaAuth(`${saved.path}?token=abc`, bearer(owner))).status).toBe(200);
  });
});

describe('POST /recordings/{id}/download-link/', () => {
  it('gives the owner an absolute link on the public origin, valid DOWNLOAD_LINK_TTL_SECONDS (default 600)', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await request(svc.url).post(`/api/v1.0/recordings/${saved.id}/download-link/`).set(bearer(owner));
    const after = Math.ceil(Date.now() / 1000);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const url = new URL(res.body.url as string);
    expect(`${url.origin}${url.pathname}`).toBe(`https://meet.example.org/media/${saved.key}`);
    const token = url.searchParams.get('token')!;
    const claims = jwt.verify(token, LINK_SECRET, { audience: 'recording-download' }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: owner.sub, rid: saved.id, key: saved.key });
    const expiresAt = Date.parse(res.body.expires_at as string) / 1000;
    expect(expiresAt).toBe(claims.exp);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600);
    expect(expiresAt).toBeLessThanOrEqual(after + 600);
    expect((await mediaAuth(`${url.pathname}${url.search}`)).status).toBe(200);
  });

  it('404 for anyone but its owners/admins and for unknown ids; 401 without a token', async () => {
    expect((await request(svc.url).post(`/api/v1.0/recordings/${saved.id}/download-link/`).set(bearer(stranger))).status).toBe(404);
    expect((await request(svc.url).post(`/api/v1.0/recordings/${UNKNOWN_ID}/download-link/`).set(bearer(owner))).status).toBe(404);
    expect((await request(svc.url).post('/api/v1.0/recordings/not-a-uuid/download-link/').set(bearer(owner))).status).toBe(404);
    expect((await request(svc.url).post(`/api/v1.0/recordings/${saved.id}/download-link/`)).status).toBe(401);
  });

  it('403 with a clear detail while not saved, and once expired', async () => {
    const made = await makeRecording('gamma');
    const notSaved = await request(svc.url).post(`/api/v1.0/recordings/${made.id}/download-link`).set(bearer(owner));
    expect(notSaved.status).toBe(403);
    expect(notSaved.body.detail).toMatch(/status is "stopped"/);

    await sql("UPDATE recordings SET status = 'saved', created_at = now() - interval '31 days' WHERE id = $1", [made.id]);
    const expired = await request(svc.url).post(`/api/v1.0/recordings/${made.id}/download-link`).set(bearer(owner));
    expect(expired.status).toBe(403);
    expect(expired.body.detail).toMatch(/expired/);
  });
});

describe('media-auth answers only 200, 401 or 403', () => {
  const allowed = new Set([200, 401, 403]);
  const urlChar = fc.constantFrom(
    ...'abcdefxyz0123456789-_./\\%?&=#;:@!$\'()*+,~ '.split(''),
    '%2e',
    '%2F',
    '%00',
    '..',
    '//',
    '\u00e9',
    '\u00ff',
    '\t',
  );
  const pieces = (): fc.Arbitrary<string> =>
    fc.oneof(
      fc.constantFrom('/media/', '/media/recordings/', `/media/recordings/${saved.id}`, '.mp4', '.ogg', '?token=', '&token=', 'recordings/'),
      fc.uuid(),
      fc.array(urlChar, { maxLength: 12 }).map((a) => a.join('')),
    );
  const originalUrl = (): fc.Arbitrary<string> =>
    fc.oneof(
      fc.array(pieces(), { minLength: 1, maxLength: 8 }).map((a) => a.join('')),
      fc.string({ maxLength: 200 }).map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')),
      fc.constant(saved.path),
    );

  it('for 500 random X-Original-URL values, with the owner bearer, none, or random Authorization headers', async () => {
    const ownerHeaders = bearer(owner);
    const authorization = fc.oneof(
      fc.constant<Record<string, string>>({}),
      fc.constant<Record<string, string>>(ownerHeaders),
      fc.string({ maxLength: 120 }).map((s) => ({ Authorization: s.replace(/[^\t\x20-\x7e]/g, '') })),
      fc.string({ maxLength: 120 }).map((s) => ({ Authorization: `Bearer ${s.replace(/[^\x21-\x7e]/g, '')}` })),
      fc.base64String({ maxLength: 200 }).map((s) => ({ Authorization: `Bearer ${s}.${s}.${s}` })),
    );
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(originalUrl(), authorization, async (url, headers) => {
        const res = await mediaAuth(url, headers);
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        if (!allowed.has(res.status)) return false;
        // Only the exact media path of the saved recording, by its owner, ever opens. (HTTP
        // parsers drop spaces and tabs around a header value, so the service never sees them.)
        const received = url.replace(/^[ \t]+|[ \t]+$/g, '');
        if (res.status === 200) return received.split('?')[0] === saved.path && headers.Authorization === ownerHeaders.Authorization;
        return res.headers.authorization === undefined;
      }),
      { numRuns: 500 },
    );
    expect([...seen.keys()].every((s) => allowed.has(s))).toBe(true);
    expect(seen.get(401)).toBeGreaterThan(0);
    expect(seen.get(403)).toBeGreaterThan(0);
  });

  it('counts each decision in recorder_media_auth_decisions_total by status and reason', async () => {
    const metrics = await request(svc.url).get('/metrics');
    expect(metrics.status).toBe(200);
    for (const [status, reason] of [
      ['200', 'granted'],
      ['401', 'no_credentials'],
      ['403', 'bad_path'],
      ['403', 'bad_credentials'],
      ['403', 'unknown_recording'],
      ['403', 'no_right'],
      ['403', 'not_saved'],
      ['403', 'wrong_extension'],
      ['403', 'expired'],
    ]) {
      expect(metrics.text).toMatch(new RegExp(`recorder_media_auth_decisions_total\\{status="${status}",reason="${reason}"\\} [1-9]`));
    }
  });

  it('403 (never a 5xx) when the database query fails', async () => {
    await sql('ALTER TABLE recording_accesses RENAME TO recording_accesses_away');
    try {
      const res = await mediaAuth(saved.path, bearer(owner));
      expect(res.status).toBe(403);
      expect((await mediaAuth(saved.path)).status).toBe(401);
    } finally {
      await sql('ALTER TABLE recording_accesses_away RENAME TO recording_accesses');
    }
    expect((await mediaAuth(saved.path, bearer(owner))).status).toBe(200);
    const metrics = await request(svc.url).get('/metrics');
    expect(metrics.text).toMatch(/recorder_media_auth_decisions_total\{status="403",reason="error"\} [1-9]/);
  });

  it('the same for a body, another method or a JSON content type sent straight to the endpoint', async () => {
    const res = await request(svc.url)
      .post(MEDIA_AUTH)
      .set('X-Original-URL', saved.path)
      .set('X-Media-Auth-Secret', PROXY_SECRET)
      .set(bearer(owner))
      .set('Content-Type', 'application/json')
      .send('{not json');
    expect(res.status).toBe(200);
    const bad = await request(svc.url)
      .get(MEDIA_AUTH)
      .set('X-Original-URL', saved.path)
      .set('X-Media-Auth-Secret', PROXY_SECRET)
      .set('Content-Type', 'application/json')
      .send('{');
    expect(bad.status).toBe(401);
  });
});

describe('the key that signs download links', () => {
  const storageEnv = {
    AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_S3_ACCESS_KEY_ID: 'minio-access',
    AWS_S3_SECRET_ACCESS_KEY: 'minio-secret-key',
    AWS_STORAGE_BUCKET_NAME: 'meet-media-storage',
  };

  async function savedRow(dbUrl: string, userSub: string): Promise<Made> {
    const id = randomUUID();
    const c = new Client({ connectionString: dbUrl });
    await c.connect();
    try {
      await c.query("INSERT INTO recordings (id, room, mode, status, worker_kind) VALUES ($1, 'k', 'screen_recording', 'saved', 'livekit-video')", [id]);
      await c.query("INSERT INTO recording_accesses (id, recording_id, user_sub, role) VALUES (gen_random_uuid(), $1, $2, 'owner')", [id, userSub]);
    } finally {
      await c.end();
    }
    const key = `recordings/${id}.mp4`;
    return { id, key, path: `/media/${key}` };
  }

  it('with public-key auth: generated once, kept in service_secrets, the same for every instance', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const env = {
      ...storageEnv,
      AUTH_JWT_SECRET: undefined,
      AUTH_JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    const db = await createTestDatabase();
    // Two instances starting together race for the first insert.
    const [a, b] = await Promise.all([startTestService(env, db), startTestService(env, db)]);
    try {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      const stored = (await c.query('SELECT value FROM service_secrets WHERE name = $1', [DOWNLOAD_SECRET_NAME])).rows as { value: string }[];
      await c.end();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.value.length).toBeGreaterThanOrEqual(32);

      const made = await savedRow(db.url, 'rsa-user');
      const userToken = jwt.sign({ sub: 'rsa-user' }, privateKey, { algorithm: 'RS256', expiresIn: '5m' });
      const link = await request(a.url).post(`/api/v1.0/recordings/${made.id}/download-link/`).set('Authorization', `Bearer ${userToken}`);
      expect(link.status).toBe(200);
      expect(link.body.url).toMatch(new RegExp(`^/media/${made.key}\\?token=`));
      // Issued by one instance, honoured by the other; signed with the stored key.
      expect((await mediaAuth(link.body.url as string, {}, b.url)).status).toBe(200);
      const token = new URL(link.body.url as string, 'http://x').searchParams.get('token')!;
      expect(() => jwt.verify(token, stored[0]!.value, { audience: 'recording-download' })).not.toThrow();
      expect((await mediaAuth(made.path, { Authorization: `Bearer ${userToken}` }, b.url)).status).toBe(200);
    } finally {
      await a.close({ keepDatabase: true });
      await b.close();
    }
  });

  it('DOWNLOAD_LINK_SECRET, when set, is the key (and must be long enough)', async () => {
    const dedicated = 'dedicated-download-link-secret-0123456789';
    const other = await startTestService({ ...storageEnv, DOWNLOAD_LINK_SECRET: dedicated });
    try {
      const made = await savedRow(other.db.url, owner.sub);
      const sign = (secret: string) => signDownloadToken({ secret, recordingId: made.id, key: made.key, userSub: owner.sub, ttlSeconds: 60 }).token;
      expect((await mediaAuth(`${made.path}?token=${sign(dedicated)}`, {}, other.url)).status).toBe(200);
      expect((await mediaAuth(`${made.path}?token=${sign(LINK_SECRET)}`, {}, other.url)).status).toBe(403);
    } finally {
      await other.close();
    }
    expect(() => loadConfig({ AUTH_JWT_SECRET: TEST_JWT_SECRET, RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN, DOWNLOAD_LINK_SECRET: 'short' })).toThrow(/^DOWNLOAD_LINK_SECRET: /);
  });
});

describe("media-auth for a participant's track file", () => {
  interface WithTracks {
    id: string;
    composite: string;
    /** Track keys by participant identity. */
    tracks: Record<string, string>;
  }
  let first: WithTracks;
  let second: WithTracks;

  /** A recording with participant tracks, stopped, and its files saved by MinIO events (all but `missing`). */
  async function recordingWithTracks(room: string, people: string[], missing?: string): Promise<WithTracks> {
    const seeded = seedRoom(livekit, room, people.map((identity) => ({ identity })));
    const start = await startWithTracks(svc.url, owner, room);
    expect(start.status).toBe(201);
    await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).expect(200);
    const id = start.body.id as string;
    const tracks = Object.fromEntries(people.map((p) => [p, `recordings/${id}/${seeded.tracks[p]!}.ogg`]));
    for (const key of [start.body.key as string, ...Object.entries(tracks).filter(([p]) => p !== missing).map(([, k]) => k)]) {
      expect(await storeEvent(svc.url, s3.bucket, key)).toBe('Event processed.');
    }
    return { id, composite: start.body.key as string, tracks };
  }

  /** The Authorization an independent SigV4 implementation (the AWS SDK's signer) computes for GET {path} at that date. */
  async function referenceAuthorization(path: string, amzDate: string): Promise<string> {
    const signer = new SignatureV4({
      service: 's3',
      region: s3.region,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    const host = new URL(s3.endpointUrl).host;
    const iso = amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
    const signed = await signer.sign(
      { method: 'GET', protocol: 'http:', hostname: s3.host, port: s3.port, path, query: {}, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
      { signingDate: new Date(iso) },
    );
    return String(signed.headers.authorization);
  }

  const link = (made: WithTracks, key: string, userSub = owner.sub) =>
    signDownloadToken({ secret: LINK_SECRET, recordingId: made.id, key, userSub, ttlSeconds: 60 }).token;

  beforeAll(async () => {
    first = await recordingWithTracks('speakers', ['ana', 'ben'], 'ben');
    second = await recordingWithTracks('panel', ['cleo']);
  });

  it('200 to the owner with a valid SigV4 for exactly that key', async () => {
    const key = first.tracks.ana!;
    const res = await mediaAuth(`/media/${key}`, bearer(owner));
    expect(res.status).toBe(200);
    expect(res.headers['x-s3-path']).toBe(`/${s3.bucket}/${key}`);
    expect(res.headers['x-s3-host']).toBe(new URL(s3.endpointUrl).host);
    expect(res.headers.authorization).toBe(await referenceAuthorization(`/${s3.bucket}/${key}`, String(res.headers['x-amz-date'])));
  });

  it('200 with a download link for that file, made by the API or signed for its key', async () => {
    const key = first.tracks.ana!;
    const made = await request(svc.url).post(`/api/v1.0/recordings/${first.id}/download-link/`).set(bearer(owner)).send({ key });
    expect(made.status).toBe(200);
    const url = new URL(made.body.url as string);
    expect(url.pathname).toBe(`/media/${key}`);
    expect((await mediaAuth(`${url.pathname}${url.search}`)).status).toBe(200);
    expect((await mediaAuth(`/media/${key}?token=${link(first, key)}`)).status).toBe(200);
  });

  it("403 for another recording's token, a token for another file of the same recording, and a user without access", async () => {
    const key = first.tracks.ana!;
    const cases: [string, string, Record<string, string>?][] = [
      ["another recording's track token", `/media/${key}?token=${link(second, second.tracks.cleo!)}`],
      ["another recording's token naming this key", `/media/${key}?token=${signDownloadToken({ secret: LINK_SECRET, recordingId: second.id, key, userSub: owner.sub, ttlSeconds: 60 }).token}`],
      ['the composite token on a track', `/media/${key}?token=${link(first, first.composite)}`],
      ['a track token on the composite', `/media/${first.composite}?token=${link(first, key)}`],
      ['a track token on another track', `/media/${first.tracks.ben!}?token=${link(first, key)}`],
      ['a token of a user without access', `/media/${key}?token=${link(first, key, stranger.sub)}`],
      ['another user', `/media/${key}`, bearer(stranger)],
    ];
    for (const [what, url, headers] of cases) {
      const res = await mediaAuth(url, headers ?? {});
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
    }
  });

  it('403 for a traversal between the two path shapes, a wrong extension, a track of another recording, and a track not landed', async () => {
    const ana = first.tracks.ana!.split('/').at(-1)!.replace('.ogg', '');
    const cleo = second.tracks.cleo!.split('/').at(-1)!.replace('.ogg', '');
    const cases: [string, string][] = [
      ['track folder up to the composite', `/media/recordings/${first.id}/../${first.id}.mp4`],
      ['composite name down to a track', `/media/recordings/${first.id}.mp4/../${first.id}/${ana}.ogg`],
      ['other recording folder through a traversal', `/media/recordings/${second.id}/../${first.id}/${ana}.ogg`],
      ['encoded traversal', `/media/recordings/${first.id}/%2e%2e/${first.id}.mp4`],
      ['encoded slash', `/media/recordings/${first.id}%2F${ana}.ogg`],
      ['track as mp4', `/media/recordings/${first.id}/${ana}.mp4`],
      ['track without extension', `/media/recordings/${first.id}/${ana}`],
      ['track with a double extension', `/media/recordings/${first.id}/${ana}.ogg.mp4`],
      ['composite as a track folder file', `/media/recordings/${first.id}/${first.id}.mp4`],
      ["another recording's track under this recording", `/media/recordings/${first.id}/${cleo}.ogg`],
      ['a track id this recording never had', `/media/recordings/${first.id}/TR_neverpublished.ogg`],
      ['a track that never landed', `/media/${first.tracks.ben!}`],
    ];
    for (const [what, url] of cases) {
      const res = await mediaAuth(url, bearer(owner));
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
      expect(res.headers.authorization).toBeUndefined();
    }
  });

  it('403 for the track once the recording is deleted', async () => {
    const key = second.tracks.cleo!;
    expect((await mediaAuth(`/media/${key}`, bearer(owner))).status).toBe(200);
    await request(svc.url).delete(`/api/v1.0/recordings/${second.id}/`).set(bearer(owner)).expect(204);
    expect((await mediaAuth(`/media/${key}`, bearer(owner))).status).toBe(403);
    expect((await mediaAuth(`/media/${key}?token=${link(second, key)}`)).status).toBe(403);
  });
});
