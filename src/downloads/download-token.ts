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
  /** Issued to a member of this room (no access of their own): media-auth checks the room still lets its members. */
  memberRoom?: string;
  ttlSeconds: number;
  /** Issue time; defaults to now. */
  now?: Date;
}

export interface VerifiedDownloadToken {
  recordingId: string;
  userSub: string;
  /** Set when issued to a room member (see SignDownloadTokenInput). */
  memberRoom: string | null;
}

export function signDownloadToken(input: SignDownloadTokenInput): { token: string; expiresAt: Date } {
  if (!input.userSub) throw new Error('download token: recordingId, key and userSub are required');
  return signFor(input, input.userSub, DOWNLOAD_TOKEN_AUDIENCE, input.memberRoom);
}

function signFor(input: Omit<SignDownloadTokenInput, 'userSub'>, subject: string, audience: string, memberRoom?: string): { token: string; expiresAt: Date } {
  const { secret, recordingId, key, ttlSeconds } = input;
  if (typeof secret !== 'string' || secret.length < 16) throw new Error('download token: secret too short');
  if (!recordingId || !key) throw new Error('download token: recordingId, key and userSub are required');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new Error('download token: ttlSeconds must be an integer between 1 and 604800');
  }
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const exp = iat + ttlSeconds;
  const token = jwt.sign({ rid: recordingId, key, iat, exp, ...(memberRoom ? { mr: memberRoom } : {}) }, secret, { algorithm: 'HS256', audience, subject });
  return { token, expiresAt: new Date(exp * 1000) };
}

/** What a token is checked against: the secret, the object key asked for, the time. */
type VerifyOptions = { secret: string; key: string; now?: Date };

/**
 * The recording and user a token was issued for, or null when the token is malformed,
 * not HS256, expired, signed with another secret, for another audience or for another key.
 */
export function verifyDownloadToken(token: string, opts: VerifyOptions): VerifiedDownloadToken | null {
  const found = verifyMemoized(token, opts, DOWNLOAD_TOKEN_AUDIENCE);
  return found && { recordingId: found.recordingId, userSub: found.holder, memberRoom: found.memberRoom };
}

/**
 * Share-media tokens: what the recording page puts in a share viewer's media URLs instead of
 * the share link's own token, so that the long-lived share token never travels in a media
 * URL (nor lands in a proxy's access or error log). Bound to one recording, one object key
 * and the share link it was issued for (by id, in `sub`), under their own audience: one can
 * never pass for a download link or a user token. media-auth checks the link itself on every
 * request, so revoking it stops the token at once.
 */
export const SHARE_MEDIA_TOKEN_AUDIENCE = 'recording-share-media';

export interface VerifiedShareMediaToken {
  recordingId: string;
  shareLinkId: string;
}

export function signShareMediaToken(input: Omit<SignDownloadTokenInput, 'userSub'> & { shareLinkId: string }): { token: string; expiresAt: Date } {
  if (!input.shareLinkId) throw new Error('share media token: shareLinkId is required');
  return signFor(input, input.shareLinkId, SHARE_MEDIA_TOKEN_AUDIENCE);
}

/** The recording and share link a share-media token names, or null (same refusals as verifyDownloadToken). */
export function verifyShareMediaToken(token: string, opts: VerifyOptions): VerifiedShareMediaToken | null {
  const found = verifyMemoized(token, opts, SHARE_MEDIA_TOKEN_AUDIENCE);
  return found && { recordingId: found.recordingId, shareLinkId: found.holder };
}

/** A verified token of either audience: `holder` is its `sub` (a user's sub, or a share link id). */
interface VerifiedHolder {
  recordingId: string;
  holder: string;
  memberRoom: string | null;
}

function verifyMemoized(token: string, opts: { secret: string; key: string; now?: Date }, audience: string): VerifiedHolder | null {
  try {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    if (typeof opts?.secret !== 'string' || opts.secret.length === 0) return null;
    if (typeof opts.key !== 'string' || opts.key.length === 0) return null;
    if (opts.now) return withoutExp(verifyAt(token, opts, audience));
    // The same link token comes with each Range request of a player: checked once, then
    // recalled until its expiry (for the same secret, key and audience only).
    const digest = verified.digest(token);
    const known = verified.recall(digest);
    if (known) return known.secret === opts.secret && known.key === opts.key && known.audience === audience ? withoutExp(known) : null;
    const result = verifyAt(token, opts, audience);
    if (result) verified.remember(digest, { ...result, secret: opts.secret, key: opts.key, audience }, result.exp * 1000);
    return withoutExp(result);
  } catch {
    return null;
  }
}

/** Tokens that passed, by digest (see VerifiedTokenMemo); an entry is about 300 bytes. */
const verified = new VerifiedTokenMemo<VerifiedHolder & { exp: number; secret: string; key: string; audience: string }>({ maxEntries: 10_000, maxAgeMs: 30_000 });

const withoutExp = (v: (VerifiedHolder & { exp: number }) | null): VerifiedHolder | null => v && { recordingId: v.recordingId, holder: v.holder, memberRoom: v.memberRoom };

/** The checks themselves (jsonwebtoken); throws on a bad signature, audience or expiry. */
function verifyAt(token: string, opts: { secret: string; key: string; now?: Date }, audience: string): (VerifiedHolder & { exp: number }) | null {
  const payload = jwt.verify(token, secretKey(opts.secret), {
    algorithms: ['HS256'],
    audience,
    clockTimestamp: opts.now ? Math.floor(opts.now.getTime() / 1000) : undefined,
  });
  if (typeof payload !== 'object' || payload === null) return null;
  const { rid, key, sub, exp, aud, mr } = payload as Record<string, unknown>;
  // jsonwebtoken only checks exp when present: a token without one is refused here.
  if (typeof exp !== 'number') return null;
  // Exactly this audience (jsonwebtoken also accepts a list that merely contains it).
  if (aud !== audience) return null;
  if (typeof rid !== 'string' || rid === '' || typeof sub !== 'string' || sub === '') return null;
  if (key !== opts.key) return null;
  return { recordingId: rid, holder: sub, exp, memberRoom: typeof mr === 'string' && mr !== '' ? mr : null };
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
