import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares secrets in constant time (hashing first makes the lengths equal). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header (any non-space characters), or undefined. */
export function bearerOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

/**
 * True when one of the presented tokens equals the configured one (constant-time compare).
 * An unset setting authorises nobody.
 */
export function presentsToken(expected: string | undefined, ...given: (string | undefined)[]): boolean {
  if (!expected) return false;
  let ok = false;
  // Compare every candidate, so the time taken does not tell which one matched.
  for (const token of given) if (token !== undefined && sameSecret(token, expected)) ok = true;
  return ok;
}
