import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import jwt, { Algorithm } from 'jsonwebtoken';
import { userFromClaims } from './claims';
import type { AuthUser } from './user';

export interface VerifierSettings {
  secret?: string;
  publicKey?: string;
  issuer?: string;
  audience?: string;
}

export type VerifyResult = { ok: true; user: AuthUser } | { ok: false; reason: string };

/**
 * Verifies user JWTs. The accepted algorithms follow from the configured key alone (HS256 for
 * a secret, RS256 or ES256 for a public key), so `alg: none` and algorithm confusion are refused.
 */
export class TokenVerifier {
  private readonly key: string | KeyObject;
  private readonly algorithms: Algorithm[];

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
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: this.algorithms,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: 5,
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : 'Error';
      return { ok: false, reason: name === 'TokenExpiredError' ? 'token expired' : 'invalid token' };
    }
    const user = userFromClaims(payload);
    if (!user) return { ok: false, reason: 'token claims are invalid (sub is required)' };
    return { ok: true, user };
  }
}

/** Reads `Authorization: Bearer <token>`; null when absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
