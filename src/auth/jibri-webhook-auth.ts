import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { bearerOf, presentsToken } from './shared-secret';

/** Jibri's `jibri.jwt-info` as the service checks it (config/jibri.ts). */
export interface JibriWebhookJwtSettings {
  publicKey: string;
  issuer: string;
  audience: string;
}

export interface JibriWebhookAuthSettings {
  /** JIBRI_WEBHOOK_TOKEN: one static secret for the whole pool (not bound to an instance). */
  token?: string;
  /** JIBRI_WEBHOOK_TOKENS: one secret per JIBRI_URLS entry, same order; each speaks only for its instance. */
  instanceTokens?: string[];
  jwt?: JibriWebhookJwtSettings;
}

/** Why a webhook request was refused; `wrong_jibri`: the credential names another Jibri than the body. */
export type WebhookRefusal = 'not_configured' | 'bad_token' | 'bad_jwt' | 'wrong_jibri';

/**
 * Whom an accepted credential speaks for: the jibriIds a JWT names (its `kid` and `sub`), the
 * JIBRI_URLS index of a per-instance token, or nobody in particular (the pool-wide token).
 */
export interface WebhookCredential {
  jibriIds?: string[];
  instanceIndex?: number;
}

export type WebhookCheck = { refusal: WebhookRefusal } | { refusal: null; credential: WebhookCredential };

/**
 * Who may post Jibri status webhooks. With `jibri.jwt-info` set, Jibri signs each request with
 * an RS256 JWT (header kid, claims iss, aud, exp; jicoco's RefreshingJwt) sent as
 * `Authorization: Bearer`; with JIBRI_WEBHOOK_PUBLIC_KEY set, that JWT is required and checked
 * (RS256 only, issuer, audience, expiry), and its `kid` (or `sub`) must be the `jibriId` it
 * reports for (checked with the body, see events/jibri-status.ts). When a path token is set
 * too, it is required as well (the header then holds the JWT). Without the key, the token alone
 * decides, as a path segment or bearer header: a per-instance token binds the report to its
 * instance, the pool-wide one binds it to none.
 */
export class JibriWebhookAuth {
  private readonly key: KeyObject | undefined;

  constructor(private readonly settings: JibriWebhookAuthSettings) {
    // Parsed once: jsonwebtoken then does not read a PEM string on every request.
    this.key = settings.jwt ? createPublicKey(settings.jwt.publicKey) : undefined;
  }

  check(authorization: string | undefined, pathToken: string | undefined): WebhookCheck {
    const { token, instanceTokens = [], jwt: jwtSettings } = this.settings;
    const hasTokens = !!token || instanceTokens.length > 0;
    if (!hasTokens && !jwtSettings) return { refusal: 'not_configured' };
    if (jwtSettings) {
      const jibriIds = this.jwtNames(bearerOf(authorization), jwtSettings);
      if (!jibriIds) return { refusal: 'bad_jwt' };
      if (!hasTokens) return { refusal: null, credential: { jibriIds } };
      const byToken = this.tokenCredential(pathToken);
      return byToken ? { refusal: null, credential: { ...byToken, jibriIds } } : { refusal: 'bad_token' };
    }
    const byToken = this.tokenCredential(bearerOf(authorization), pathToken);
    return byToken ? { refusal: null, credential: byToken } : { refusal: 'bad_token' };
  }

  /** The credential a presented token gives, or null when none matches. */
  private tokenCredential(...given: (string | undefined)[]): WebhookCredential | null {
    const { token, instanceTokens = [] } = this.settings;
    let found: WebhookCredential | null = null;
    // Every configured token is compared, so the time taken does not tell which one matched.
    instanceTokens.forEach((expected, instanceIndex) => {
      if (presentsToken(expected, ...given)) found = { instanceIndex };
    });
    if (presentsToken(token, ...given)) found ??= {};
    return found;
  }

  /** The `kid` and `sub` of a valid JWT (possibly none), or null when the JWT is not valid. */
  private jwtNames(token: string | undefined, expected: JibriWebhookJwtSettings): string[] | null {
    if (!token || !this.key) return null;
    try {
      const { header, payload } = jwt.verify(token, this.key, { algorithms: ['RS256'], issuer: expected.issuer, audience: expected.audience, complete: true });
      // Jibri always sets exp; jsonwebtoken accepts a token without one, which would never expire.
      if (typeof payload !== 'object' || payload === null || typeof payload.exp !== 'number') return null;
      return [header.kid, payload.sub].filter((name): name is string => typeof name === 'string' && name !== '');
    } catch {
      return null;
    }
  }
}
