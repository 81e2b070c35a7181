import jwt from 'jsonwebtoken';
import {
  DOWNLOAD_TOKEN_AUDIENCE,
  deriveDownloadTokenSecret,
  SHARE_MEDIA_TOKEN_AUDIENCE,
  signDownloadToken,
  signShareMediaToken,
  verifyDownloadToken,
  verifyShareMediaToken,
} from '../src/downloads/download-token';

const secret = 'download-secret-0123456789abcdef';
const recordingId = '3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b';
const key = `recordings/${recordingId}.mp4`;
const userSub = 'user-42';

describe('download-link tokens', () => {
  it('verifies a fresh token for the same key and returns the recording and user', () => {
    const now = new Date('2024-05-17T08:00:00Z');
    const { token, expiresAt } = signDownloadToken({ secret, recordingId, key, userSub, ttlSeconds: 600, now });
    expect(expiresAt.toISOString()).toBe('2024-05-17T08:10:00.000Z');
    expect(verifyDownloadToken(token, { secret, key, now: new Date('2024-05-17T08:09:59Z') })).toEqual({ recordingId, userSub, memberRoom: null });

    const claims = jwt.decode(token, { complete: true });
    expect(claims?.header.alg).toBe('HS256');
    expect(claims?.payload).toMatchObject({ aud: DOWNLOAD_TOKEN_AUDIENCE, sub: userSub, rid: recordingId, key });
  });

  it('verifies against the real clock by default', () => {
    const { token, expiresAt } = signDownloadToken({ secret, recordingId, key, userSub, ttlSeconds: 60 });
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(verifyDownloadToken(token, { secret, key })).toEqual({ recordingId, userSub, memberRoom: null });
  });

  it('refuses an expired token', () => {
    const now = new Date('2024-05-17T08:00:00Z');
    const { token } = signDownloadToken({ secret, recordingId, key, userSub, ttlSeconds: 600, now });
    expect(verifyDownloadToken(token, { secret, key, now: new Date('2024-05-17T08:10:01Z') })).toBeNull();
    expect(verifyDownloadToken(token, { secret, key })).toBeNull(); // issued in 2024
  });

  it('refuses a token for another key (other recording or other extension)', () => {
    const { token } = signDownloadToken({ secret, recordingId, key, userSub, ttlSeconds: 600 });
    expect(verifyDownloadToken(token, { secret, key: `recordings/${recordingId}.ogg` })).toBeNull();
    expect(verifyDownloadToken(token, { secret, key: 'recordings/00000000-0000-0000-0000-000000000000.mp4' })).toBeNull();
    expect(verifyDownloadToken(token, { secret, key: '' })).toBeNull();
  });

  it('refuses a token signed with another secret', () => {
    const { token } = signDownloadToken({ secret: 'another-secret-0123456789abcdef', recordingId, key, userSub, ttlSeconds: 600 });
    expect(verifyDownloadToken(token, { secret, key })).toBeNull();
  });

  it('refuses alg none, other algorithms, other audiences and missing claims', () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const claims = { rid: recordingId, key, sub: userSub, aud: DOWNLOAD_TOKEN_AUDIENCE, exp };
    const none = jwt.sign(claims, null, { algorithm: 'none' });
    expect(verifyDownloadToken(none, { secret, key })).toBeNull();
    // Hand-made alg:none with an empty signature, as an attacker would write it.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    expect(verifyDownloadToken(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, { secret, key })).toBeNull();
    expect(verifyDownloadToken(jwt.sign(claims, secret, { algorithm: 'HS512' }), { secret, key })).toBeNull();

    expect(verifyDownloadToken(jwt.sign({ ...claims, aud: 'api' }, secret), { secret, key })).toBeNull();
    const { exp: _exp, ...noExp } = claims;
    expect(verifyDownloadToken(jwt.sign(noExp, secret), { secret, key })).toBeNull();
    const { rid: _rid, ...noRid } = claims;
    expect(verifyDownloadToken(jwt.sign(noRid, secret), { secret, key })).toBeNull();
    const { sub: _sub, ...noSub } = claims;
    expect(verifyDownloadToken(jwt.sign(noSub, secret), { secret, key })).toBeNull();
    // The control: the same claims, properly signed, pass.
    expect(verifyDownloadToken(jwt.sign(claims, secret), { secret, key })).toEqual({ recordingId, userSub, memberRoom: null });
  });

  it('returns null on junk instead of throwing', () => {
    const { token } = signDownloadToken({ secret, recordingId, key, userSub, ttlSeconds: 600 });
    const junk: unknown[] = [
      '',
      'junk',
      'a.b.c',
      '...',
      `${token}x`,
      token.split('.').slice(0, 2).join('.'),
      token.replace(/\.[^.]+$/, '.'),
      'x'.repeat(10000),
      undefined,
      null,
      42,
      {},
    ];
    for (const value of junk) {
      expect(verifyDownloadToken(value as string, { secret, key })).toBeNull();
    }
    expect(verifyDownloadToken(token, { secret: '', key })).toBeNull();
    expect(verifyDownloadToken(token, undefined as never)).toBeNull();
  });

  it('refuses bad signing input', () => {
    expect(() => signDownloadToken({ secret: 'short', recordingId, key, userSub, ttlSeconds: 600 })).toThrow();
    expect(() => signDownloadToken({ secret, recordingId, key, userSub, ttlSeconds: 0 })).toThrow();
    expect(() => signDownloadToken({ secret, recordingId, key, userSub, ttlSeconds: 1.5 })).toThrow();
    expect(() => signDownloadToken({ secret, recordingId: '', key, userSub, ttlSeconds: 600 })).toThrow();
  });

  it('derives a stable, distinct secret from the user-JWT secret', () => {
    const master = 'user-jwt-secret-0123456789abcdef';
    const derived = deriveDownloadTokenSecret(master);
    expect(derived).toBe(deriveDownloadTokenSecret(master));
    expect(derived).not.toBe(master);
    expect(derived).not.toBe(deriveDownloadTokenSecret(`${master}x`));
    // A token made with the derived secret does not verify with the master secret, and back.
    const { token } = signDownloadToken({ secret: derived, recordingId, key, userSub, ttlSeconds: 600 });
    expect(verifyDownloadToken(token, { secret: derived, key })).not.toBeNull();
    expect(verifyDownloadToken(token, { secret: master, key })).toBeNull();
    expect(() => deriveDownloadTokenSecret('short')).toThrow();
  });
});

describe('share-media tokens', () => {
  const shareLinkId = '0b6f4a2e-1c3d-4e5f-8a9b-7c6d5e4f3a2b';

  it("name the recording and the share link, for that key only, until they expire", () => {
    const now = new Date('2024-05-17T08:00:00Z');
    const { token, expiresAt } = signShareMediaToken({ secret, recordingId, key, shareLinkId, ttlSeconds: 600, now });
    expect(expiresAt.toISOString()).toBe('2024-05-17T08:10:00.000Z');
    expect(verifyShareMediaToken(token, { secret, key, now: new Date('2024-05-17T08:09:59Z') })).toEqual({ recordingId, shareLinkId });
    expect(verifyShareMediaToken(token, { secret, key, now: new Date('2024-05-17T08:10:01Z') })).toBeNull();
    const fresh = signShareMediaToken({ secret, recordingId, key, shareLinkId, ttlSeconds: 600 }).token;
    expect(verifyShareMediaToken(fresh, { secret, key })).toEqual({ recordingId, shareLinkId });
    expect(verifyShareMediaToken(fresh, { secret, key: `recordings/${recordingId}.ogg` })).toBeNull();
    expect(verifyShareMediaToken(fresh, { secret: 'another-secret-0123456789abcdef', key })).toBeNull();
  });

  it('never pass for a download link, nor a download link for them (also once remembered)', () => {
    const shared = signShareMediaToken({ secret, recordingId, key, shareLinkId, ttlSeconds: 600 }).token;
    const link = signDownloadToken({ secret, recordingId, key, userSub, ttlSeconds: 600 }).token;
    for (let round = 0; round < 2; round++) {
      expect(verifyShareMediaToken(shared, { secret, key })).not.toBeNull();
      expect(verifyDownloadToken(link, { secret, key })).not.toBeNull();
      expect(verifyDownloadToken(shared, { secret, key })).toBeNull();
      expect(verifyShareMediaToken(link, { secret, key })).toBeNull();
    }
    expect(SHARE_MEDIA_TOKEN_AUDIENCE).not.toBe(DOWNLOAD_TOKEN_AUDIENCE);
    // A token listing both audiences is neither.
    const both = jwt.sign({ rid: recordingId, key, sub: shareLinkId, aud: [SHARE_MEDIA_TOKEN_AUDIENCE, DOWNLOAD_TOKEN_AUDIENCE], exp: Math.floor(Date.now() / 1000) + 60 }, secret);
    expect(verifyShareMediaToken(both, { secret, key })).toBeNull();
    expect(verifyDownloadToken(both, { secret, key })).toBeNull();
  });

  it('refuse to be signed without a share link id', () => {
    expect(() => signShareMediaToken({ secret, recordingId, key, shareLinkId: '', ttlSeconds: 600 })).toThrow();
  });
});
