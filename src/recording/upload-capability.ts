import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A Jibri recording's upload capability: 256 random bits, base64url (43 characters), made when
 * its Jibri is started and handed to that Jibri only. The service keeps its SHA-256 alone, so
 * the database does not hold anything that opens an upload.
 */
export interface UploadCapability {
  capability: string;
  hash: Buffer;
}

/** What a presented capability must look like before it is hashed at all. */
const CAPABILITY_FORM = /^[A-Za-z0-9_-]{43}$/;

export function hashUploadCapability(capability: string): Buffer {
  return createHash('sha256').update(capability, 'utf8').digest();
}

export function newUploadCapability(): UploadCapability {
  const capability = randomBytes(32).toString('base64url');
  return { capability, hash: hashUploadCapability(capability) };
}

/** True when `presented` is the capability whose hash is `storedHash` (constant time over the hashes). */
export function capabilityMatches(presented: string | undefined, storedHash: Buffer | null): boolean {
  if (!storedHash || storedHash.length !== 32 || !presented || !CAPABILITY_FORM.test(presented)) return false;
  return timingSafeEqual(hashUploadCapability(presented), storedHash);
}
