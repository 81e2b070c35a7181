import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import jwt, { Algorithm } from 'jsonwebtoken';
import { DOWNLOAD_TOKEN_AUDIENCE } from '../downloads/download-token';
import { ARTIFACT_TOKEN_AUDIENCE } from '../recording/artifacts/artifact-token';
import { subjectFromClaims, userFromClaims } from './claims';
import type { AuthUser } from './user';
import { VerifiedTokenMemo } from './verified-token-memo';

export interface VerifierSettings {
  secret?: string;
  publicKey?: string;
  issuer?: string;
  audience?: string;
}

export type VerifyResult = { ok: true; user: AuthUser } | { ok: false; reason: string };

/** Seconds of clock difference with the issuer that are forgiven (exp, nbf, iat). */
const CLOCK_TOLERANCE_S = 5;
/** Bound of the subject memo (media-auth's hot path); an entry is about 150 bytes. */
const SUBJECT_MEMO_ENTRIES = 10_000;
const SUBJECT_MEMO_MAX_AGE_MS = 30_000;

/**
 * What jsonwebtoken leaves unchecked: `exp` is only checked when present and a future `iat` is
 * accepted. A user token must expire, must not claim to be issued later than now, and must not
 * be a download-link or artifact token (which also have a `sub`), whatever AUTH_JWT_AUDIENCE is.
 */
function payloadProblem(payload: unknown, now: number): string | null {
  if (typeof payload !== 'object' || payload === null) return 'invalid token';
  const { exp, iat, aud } = payload as Record<string, unknown>;
  if (typeof exp !== 'number') return 'token has no expiry (exp)';
  if (iat !== undefined && typeof iat !== 'number') return 'invalid iat';
  if (typeof iat === 'number' && iat > now + CLOCK_TOLERANCE_S) return 'token issued in the future (iat)';
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (audiences.includes(DOWNLOAD_TOKEN_AUDIENCE) || audiences.includes(ARTIFACT_TOKEN_AUDIENCE)) return 'not a user token';
  return null;
}

/**
 * Verifies user JWTs. The accepted algorithms follow from the configured key alone (HS256 for
 * a secret, RS256 or ES256 for a public key), so `alg: none` and algorithm confusion are refused.
 */
export class TokenVerifier {
  private readonly key: string | KeyObject;
  private readonly algorithms: Algorithm[];
  private readonly subjects = new VerifiedTokenMemo<string>({ maxEntries: SUBJECT_MEMO_ENTRIES, maxAgeMs: SUBJECT_MEMO_MAX_AGE_MS });

  constructor(private readonly settings: VerifierSettings) {
    if (settings.secret) {
      // A KeyObject: jsonwebtoken then skips trying to read the string as a PEM key on every call.
      this.key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
      this.algorithms = ['HS256'];
    } else if (settings.publicKey) {
      const key = createPublicKey(settings.publicKey);
      this.key = key;
      const type = key.asymmetricKeyType;
      if (type === 'rsa') this.algorithms = ['RS256'];
      else if (type === 'ec') this.algorithms = ['ES256'];
      else throw new Error(`AUTH_JWT_PUBLIC_KEY: unsupported key type ${String(type)} (use RSA or EC P-256)`);
    } else {
      throw new Error('no JWT key configured');
    }
  }

  verify(token: string): VerifyResult {
    const checked = this.check(token);
    if (!checked.ok) return checked;
    const user = userFromClaims(checked.payload);
    if (!user) return { ok: false, reason: 'token claims are invalid (sub is required)' };
    return { ok: true, user };
  }

  /**
   * Only the `sub` of a valid user token (null when `verify` would refuse it), for media-auth:
   * the same checks, without reading the other claims, and remembered per token until its
   * expiry (at most 30 s), since a player presents the same token with every Range request.
   */
  subject(token: string): string | null {
    const digest = this.subjects.digest(token);
    const known = this.subjects.recall(digest);
    if (known !== undefined) return known;
    const checked = this.check(token);
    if (!checked.ok) return null;
    const sub = subjectFromClaims(checked.payload);
    if (sub === null) return null;
    const exp = (checked.payload as { exp: number }).exp;
    this.subjects.remember(digest, sub, (exp + CLOCK_TOLERANCE_S) * 1000);
    return sub;
  }

  /** Signature, algorithm, issuer, audience and the time claims; the payload when all hold. */
  private check(token: string): { ok: true; payload: unknown } | { ok: false; reason: string } {
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: this.algorithms,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : 'Error';
      return { ok: false, reason: name === 'TokenExpiredError' ? 'token expired' : 'invalid token' };
    }
    const problem = payloadProblem(payload, Math.floor(Date.now() / 1000));
    if (problem) return { ok: false, reason: problem };
    return { ok: true, payload };
  }
}

/** Reads `Authorization: Bearer <token>`; null when absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
