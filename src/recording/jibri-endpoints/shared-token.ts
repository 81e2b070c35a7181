import { sameSecret } from '../../storage/events/storage-hook';

/** What the Jibri endpoints answer; the routers turn it into the HTTP response. */
export interface EndpointAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
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
