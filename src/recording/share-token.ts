import { hash, randomBytes } from 'node:crypto';

/**
 * Share-link tokens: 32 random bytes from the operating system's CSPRNG (256 bits), written as
 * base64url (43 characters). Only the SHA-256 of a token is stored: a token is a random value,
 * not a password, so one fast hash is enough to make the stored column useless to a reader of
 * the database while media-auth finds a link with one index lookup.
 */

const TOKEN_BYTES = 32;
/** Exactly what newShareToken() produces; anything else is refused before hashing. */
export const SHARE_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newShareToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The stored form of a token (32 bytes). */
export function shareTokenHash(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}

export function isShareTokenShape(value: unknown): value is string {
  return typeof value === 'string' && SHARE_TOKEN_SHAPE.test(value);
}
