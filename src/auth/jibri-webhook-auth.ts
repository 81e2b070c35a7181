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
  /** JIBRI_WEBHOOK_TOKEN: a static secret in the subscriber URL or a bearer header. */
  token?: string;
  jwt?: JibriWebhookJwtSettings;
}

/** Why a webhook request was refused. */
export type WebhookRefusal = 'not_configured' | 'bad_token' | 'bad_jwt';

/**
 * Who may post Jibri status webhooks. With `jibri.jwt-info` set, Jibri signs each request with
 * an RS256 JWT (header kid, claims iss, aud, exp; jicoco's RefreshingJwt) sent as
 * `Authorization: Bearer`; with JIBRI_WEBHOOK_PUBLIC_KEY set, that JWT is required and checked
 * (RS256 only, issuer, audience, expiry). When JIBRI_WEBHOOK_TOKEN is set too, the path token is
 * required as well (the header then holds the JWT). Without the key, the token alone decides,
 * as a path segment or bearer header.
 */
export class JibriWebhookAuth {
  private readonly key: KeyObject | undefined;

  constructor(private readonly settings: JibriWebhookAuthSettings) {
    // Parsed once: jsonwebtoken then does not read a PEM string on every request.
    this.key = settings.jwt ? createPublicKey(settings.jwt.publicKey) : undefined;
  }

  /** Null when the request is authorised. */
  check(authorization: string | undefined, pathToken: string | undefined): WebhookRefusal | null {
    const { token, jwt: jwtSettings } = this.settings;
    if (!token && !jwtSettings) return 'not_configured';
    if (jwtSettings) {
      if (!this.validJwt(bearerOf(authorization), jwtSettings)) return 'bad_jwt';
      return !token || presentsToken(token, pathToken) ? null : 'bad_token';
    }
    return presentsToken(token, bearerOf(authorization), pathToken) ? null : 'bad_token';
  }

  private validJwt(token: string | undefined, expected: JibriWebhookJwtSettings): boolean {
    if (!token || !this.key) return false;
    try {
      const payload = jwt.verify(token, this.key, { algorithms: ['RS256'], issuer: expected.issuer, audience: expected.audience });
      // Jibri always sets exp; jsonwebtoken accepts a token without one, which would never expire.
      return typeof payload === 'object' && payload !== null && typeof payload.exp === 'number';
    } catch {
      return false;
    }
  }
}
