import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { VerifiedTokenMemo } from '../auth/verified-token-memo';

/**
 * Short-lived download-link tokens: the `token` query parameter of a link returned by
 * `POST /api/v1.0/recordings/{id}/download-link/`. An HS256 JWT bound to one recording, its
 * exact object key and the user who asked for it, with a dedicated audience so it can never
 * pass for a user token (and a user token never for it).
 */

export const DOWNLOAD_TOKEN_AUDIENCE = 'recording-download';
const MAX_TOKEN_LENGTH = 4096;
const MAX_TTL_SECONDS = 7 * 24 * 3600;

/**
 * A key for download tokens derived (HKDF-SHA256) from another secret, e.g. AUTH_JWT_SECRET,
 * so that a download token is never signed with the key that signs user JWTs: a verifier of
 * user JWTs that does not check the audience would otherwise accept it as a login.
 */
export function deriveDownloadTokenSecret(masterSecret: string): string {
  if (typeof masterSecret !== 'string' || masterSecret.length < 16) {
    throw new Error('download token: master secret must be at least 16 characters');
  }
  const key = hkdfSync('sha256', Buffer.from(masterSecret, 'utf8'), Buffer.alloc(0), 'recording-download-link/v1', 32);
  return Buffer.from(key).toString('base64url');
}

export interface SignDownloadTokenInput {
  secret: string;
  recordingId: string;
  /** The object key the link opens, `{folder}/{uuid}.{ext}`. */
  key: string;
  /** `sub` of the user who asked for the link. */
  userSub: string;
  ttlSeconds: number;
  /** Issue time; defaults to now. */
  now?: Date;
}

export interface VerifiedDownloadToken {
  recordingId: string;
  userSub: string;
}

export function signDownloadToken(input: SignDownloadTokenInput): { token: string; expiresAt: Date } {
  const { secret, recordingId, key, userSub, ttlSeconds } = input;
  if (typeof secret !== 'string' || secret.length < 16) throw new Error('download token: secret too short');
  if (!recordingId || !key || !userSub) throw new Error('download token: recordingId, key and userSub are required');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new Error('download token: ttlSeconds must be an integer between 1 and 604800');
  }
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const exp = iat + ttlSeconds;
  const token = jwt.sign({ rid: recordingId, key, iat, exp }, secret, {
    algorithm: 'HS256',
    audience: DOWNLOAD_TOKEN_AUDIENCE,
    subject: userSub,
  });
  return { token, expiresAt: new Date(exp * 1000) };
}

/**
 * The recording and user a token was issued for, or null when the token is malformed,
 * not HS256, expired, signed with another secret, for another audience or for another key.
 */
export function verifyDownloadToken(
  token: string,
  opts: { secret: string; key: string; now?: Date },
): VerifiedDownloadToken | null {
  try {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    if (typeof opts?.secret !== 'string' || opts.secret.length === 0) return null;
    if (typeof opts.key !== 'string' || opts.key.length === 0) return null;
    if (opts.now) return withoutExp(verifyAt(token, opts));
    // The same link token comes with each Range request of a player: checked once, then
    // recalled until its expiry (for the same secret and key only).
    const digest = verified.digest(token);
    const known = verified.recall(digest);
    if (known) return known.secret === opts.secret && known.key === opts.key ? { recordingId: known.recordingId, userSub: known.userSub } : null;
    const result = verifyAt(token, opts);
    if (result) verified.remember(digest, { ...result, secret: opts.secret, key: opts.key }, result.exp * 1000);
    return withoutExp(result);
  } catch {
    return null;
  }
}

/** Download tokens that passed, by digest (see VerifiedTokenMemo); an entry is about 300 bytes. */
const verified = new VerifiedTokenMemo<VerifiedDownloadToken & { secret: string; key: string }>({ maxEntries: 10_000, maxAgeMs: 30_000 });

const withoutExp = (v: (VerifiedDownloadToken & { exp: number }) | null): VerifiedDownloadToken | null => v && { recordingId: v.recordingId, userSub: v.userSub };

/** The checks themselves (jsonwebtoken); throws on a bad signature, audience or expiry. */
function verifyAt(token: string, opts: { secret: string; key: string; now?: Date }): (VerifiedDownloadToken & { exp: number }) | null {
  const payload = jwt.verify(token, secretKey(opts.secret), {
    algorithms: ['HS256'],
    audience: DOWNLOAD_TOKEN_AUDIENCE,
    clockTimestamp: opts.now ? Math.floor(opts.now.getTime() / 1000) : undefined,
  });
  if (typeof payload !== 'object' || payload === null) return null;
  const { rid, key, sub, exp } = payload as Record<string, unknown>;
  // jsonwebtoken only checks exp when present: a token without one is refused here.
  if (typeof exp !== 'number') return null;
  if (typeof rid !== 'string' || rid === '' || typeof sub !== 'string' || sub === '') return null;
  if (key !== opts.key) return null;
  return { recordingId: rid, userSub: sub, exp };
}

/** Secret strings as KeyObjects, built once: jsonwebtoken then skips probing the string as a PEM key. */
const keyCache = new Map<string, KeyObject>();
function secretKey(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    if (keyCache.size > 16) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}
