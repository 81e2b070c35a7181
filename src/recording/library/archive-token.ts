import { hkdfSync } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * Archive-link tokens: the `token` of the url `POST /recordings/archive-link/` answers. An HS256
 * JWT for exactly these recording ids and this caller, under its own audience so it can pass
 * neither for a user token nor for a download link. `rooms`: the rooms whose recordings the
 * caller takes as a member (their JWT showed a role there); checked again at download time.
 */
export const ARCHIVE_TOKEN_AUDIENCE = 'recording-archive';
const MAX_TOKEN_LENGTH = 16_384;

/** A key of its own, derived (HKDF-SHA256) from the download-link secret: never the key of another token. */
function archiveKey(downloadSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(downloadSecret, 'utf8'), Buffer.alloc(0), 'recording-archive-link/v1', 32));
}

export interface ArchiveGrant {
  userSub: string;
  ids: string[];
  memberRooms: string[];
}

export function signArchiveToken(secret: string, grant: ArchiveGrant, ttlSeconds: number, now = new Date()): { token: string; expiresAt: Date } {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + ttlSeconds;
  const token = jwt.sign({ ids: grant.ids, mr: grant.memberRooms, iat, exp }, archiveKey(secret), { algorithm: 'HS256', audience: ARCHIVE_TOKEN_AUDIENCE, subject: grant.userSub });
  return { token, expiresAt: new Date(exp * 1000) };
}

const isStringList = (v: unknown, max: number): v is string[] => Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 255);

/** The grant of a valid token; null when malformed, expired, for another audience or signed with another secret. */
export function verifyArchiveToken(token: unknown, secret: string): ArchiveGrant | null {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  try {
    const payload = jwt.verify(token, archiveKey(secret), { algorithms: ['HS256'], audience: ARCHIVE_TOKEN_AUDIENCE });
    if (typeof payload !== 'object' || payload === null) return null;
    const { sub, ids, mr, exp, aud } = payload as Record<string, unknown>;
    if (typeof exp !== 'number' || aud !== ARCHIVE_TOKEN_AUDIENCE || typeof sub !== 'string' || sub === '') return null;
    if (!isStringList(ids, 100) || ids.length === 0 || !isStringList(mr, 100)) return null;
    return { userSub: sub, ids, memberRooms: mr };
  } catch {
    return null;
  }
}
