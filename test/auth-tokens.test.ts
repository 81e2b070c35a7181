import jwt from 'jsonwebtoken';
import request from 'supertest';
import { TokenVerifier } from '../src/auth/token-verifier';
import { DOWNLOAD_TOKEN_AUDIENCE, signDownloadToken } from '../src/downloads/download-token';
import { TEST_JWT_SECRET, startTestService, tokenFor, type TestService, type TestUser } from './helpers/service';

/**
 * User JWTs through the real service (GET /api/v1.0/recordings/ behind `authenticate`): what
 * jsonwebtoken alone lets through — no `exp`, a future `iat`, a download-link token signed
 * with the user-token secret — is refused with 401.
 */

const user: TestUser = { sub: 'token-user', rooms: { lobby: 'owner' } };
const RECORDING_ID = '00000000-1111-4222-8333-444444444444';

let svc: TestService;
let withAudience: TestService;

beforeAll(async () => {
  [svc, withAudience] = await Promise.all([startTestService(), startTestService({ AUTH_JWT_AUDIENCE: 'recorder' })]);
});
afterAll(async () => {
  await svc?.close();
  await withAudience?.close();
});

const now = () => Math.floor(Date.now() / 1000);

function list(token: string, base = svc.url) {
  return request(base).get('/api/v1.0/recordings/').set('Authorization', `Bearer ${token}`);
}

/** Signed with the service's own secret, claims exactly as given (no exp or iat added). */
function raw(claims: Record<string, unknown>, options: jwt.SignOptions = {}): string {
  // jsonwebtoken keeps a given iat, and adds one unless noTimestamp (which also drops a given one).
  return jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', noTimestamp: !('iat' in claims), ...options });
}

/** A download-link token as the service mints them, but signed with AUTH_JWT_SECRET itself. */
function downloadTokenWithUserSecret(): string {
  return signDownloadToken({ secret: TEST_JWT_SECRET, recordingId: RECORDING_ID, key: `recordings/${RECORDING_ID}.mp4`, userSub: user.sub, ttlSeconds: 600 }).token;
}

it('accepts a well-formed token (the refusals below are about one claim each)', async () => {
  expect((await list(tokenFor(user))).status).toBe(200);
  expect((await list(raw({ ...user, iat: now(), exp: now() + 600 }))).status).toBe(200);
  // Within the clock tolerance: an issuer whose clock is a second or two ahead.
  expect((await list(raw({ ...user, iat: now() + 2, nbf: now() + 2, exp: now() + 600 }))).status).toBe(200);
  expect((await list(tokenFor(user, { audience: 'recorder' }), withAudience.url)).status).toBe(200);
});

it('refuses a token without exp, like an expired one', async () => {
  for (const token of [raw({ ...user }), raw({ ...user, iat: now() }), jwt.sign({ ...user }, TEST_JWT_SECRET, { algorithm: 'HS256' })]) {
    const res = await list(token);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(res.body.detail).toMatch(/no expiry/);
  }
  expect((await list(raw({ ...user, aud: 'recorder' }), withAudience.url)).status).toBe(401);
});

it('refuses a token issued in the future (iat) or not valid yet (nbf)', async () => {
  const futureIat = await list(raw({ ...user, iat: now() + 3600, exp: now() + 7200 }));
  expect(futureIat.status).toBe(401);
  expect(futureIat.body.detail).toMatch(/issued in the future/);
  expect((await list(raw({ ...user, iat: now() + 60, exp: now() + 600 }))).status).toBe(401);
  expect((await list(raw({ ...user, nbf: now() + 3600, exp: now() + 7200 }))).status).toBe(401);
  expect((await list(raw({ ...user, iat: now(), nbf: now() + 60, exp: now() + 600 }))).status).toBe(401);
});

it('never takes a download-link token for a login, even signed with AUTH_JWT_SECRET', async () => {
  const link = downloadTokenWithUserSecret();
  const res = await list(link);
  expect(res.status).toBe(401);
  expect(res.body.detail).toMatch(/not a user token/);
  // With AUTH_JWT_AUDIENCE set: a token for both audiences passes jsonwebtoken's check, not ours.
  const both = raw({ sub: user.sub, rid: RECORDING_ID, iat: now(), exp: now() + 600 }, { audience: ['recorder', DOWNLOAD_TOKEN_AUDIENCE] });
  expect((await list(both, withAudience.url)).status).toBe(401);
  expect((await list(link, withAudience.url)).status).toBe(401);
});

it("media-auth's subject() accepts and refuses exactly what verify() does, asked again too, and forgets a token at its expiry", async () => {
  const verifier = new TokenVerifier({ secret: TEST_JWT_SECRET });
  const tokens = [
    tokenFor(user),
    raw({ ...user, iat: now() + 2, nbf: now() + 2, exp: now() + 600 }),
    raw({ ...user }),
    raw({ ...user, iat: now() + 3600, exp: now() + 7200 }),
    raw({ ...user, nbf: now() + 3600, exp: now() + 7200 }),
    raw({ ...user, exp: now() - 60 }),
    raw({ rooms: {}, exp: now() + 600 }),
    downloadTokenWithUserSecret(),
    tokenFor(user, {}, 'another-secret-0123456789abcdef'),
    jwt.sign({ ...user }, TEST_JWT_SECRET, { algorithm: 'HS384', expiresIn: 600 }),
  ];
  for (let round = 0; round < 2; round++) {
    for (const token of tokens) {
      const verified = verifier.verify(token);
      expect({ token, sub: verifier.subject(token) }).toEqual({ token, sub: verified.ok ? verified.user.sub : null });
    }
  }
  expect(tokens.filter((t) => verifier.subject(t) !== null)).toHaveLength(2);

  // Expired 3 s ago: still accepted, within the 5 s clock tolerance, for 1 to 2 more seconds.
  const closing = raw({ ...user, exp: now() - 3 });
  expect(verifier.subject(closing)).toBe(user.sub);
  // Deliberate: the real clock moves past the tolerance.
  await new Promise((r) => setTimeout(r, 2100));
  expect(verifier.verify(closing)).toMatchObject({ ok: false, reason: 'token expired' });
  expect(verifier.subject(closing)).toBeNull();
});
