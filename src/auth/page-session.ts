import { createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AuthUser } from './user';

/**
 * Sign-in sessions of the recording page (OpenID Connect), kept entirely in cookies: an HS256
 * JWT (jsonwebtoken) signed with a key derived from the download-link key, so every instance
 * shares it without a setting of its own. Two kinds, each with its own audience:
 * - the session (`recorder_session`, 8 hours): the user's `sub` and profile claims, and the
 *   CSRF token the page's forms must send back;
 * - the login in progress (`recorder_oidc`, 10 minutes): PKCE verifier, state, nonce and where
 *   to go afterwards, between the redirect to the provider and its callback.
 */

export const SESSION_COOKIE = 'recorder_session';
export const LOGIN_COOKIE = 'recorder_oidc';
export const SESSION_TTL_SECONDS = 8 * 3600;
export const LOGIN_TTL_SECONDS = 600;
const SESSION_AUDIENCE = 'recorder-page-session';
const LOGIN_AUDIENCE = 'recorder-oidc-login';
const MAX_COOKIE_LENGTH = 4096;

/** A signed-in viewer: the user the session's `sub` names, with no room roles (rights come from recording accesses). */
export interface PageSession {
  user: AuthUser;
  /** Must come back in every state-changing form of the page. */
  csrf: string;
}

/** What the callback needs to finish a login. */
export interface LoginState {
  verifier: string;
  state: string;
  nonce: string;
  /** A path on this service (`/recordings/{id}`), checked before use. */
  next: string;
}

export interface KeySource {
  get(): Promise<string>;
}

/** A key for page sessions derived (HKDF-SHA256) from the download-link key, never that key itself. */
export function deriveSessionKey(downloadKey: string): KeyObject {
  const key = hkdfSync('sha256', Buffer.from(downloadKey, 'utf8'), Buffer.alloc(0), 'recorder-page-session/v1', 32);
  return createSecretKey(Buffer.from(key));
}

/** The value of one cookie in a `Cookie` header; null when absent, repeated or too long. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (typeof header !== 'string' || header.length > 16 * 1024) return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== null) return null; // two cookies of that name (e.g. one set for a parent domain): trust neither
    found = part.slice(eq + 1).trim();
  }
  return found !== null && found.length > 0 && found.length <= MAX_COOKIE_LENGTH ? found : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' && value.length <= 255 ? value : null;
}

export class PageSessions {
  private key: KeyObject | undefined;

  constructor(private readonly keySource: KeySource) {}

  private async signingKey(): Promise<KeyObject> {
    this.key ??= deriveSessionKey(await this.keySource.get());
    return this.key;
  }

  async issueSession(user: Pick<AuthUser, 'sub' | 'name' | 'locale' | 'zoneinfo'>): Promise<string> {
    const claims = { name: user.name ?? undefined, locale: user.locale ?? undefined, zoneinfo: user.zoneinfo ?? undefined, csrf: randomBytes(24).toString('base64url') };
    return jwt.sign(claims, await this.signingKey(), { algorithm: 'HS256', audience: SESSION_AUDIENCE, subject: user.sub, expiresIn: SESSION_TTL_SECONDS });
  }

  /** The session in a `Cookie` header, or null when there is none or it is not valid (forged, expired, another kind). */
  async readSession(cookieHeader: string | undefined): Promise<PageSession | null> {
    const payload = await this.verify(readCookie(cookieHeader, SESSION_COOKIE), SESSION_AUDIENCE);
    const sub = text(payload?.sub);
    const csrf = text(payload?.csrf);
    if (!payload || !sub || !csrf) return null;
    return {
      user: { sub, email: null, name: text(payload.name), locale: text(payload.locale), zoneinfo: text(payload.zoneinfo), rooms: {} },
      csrf,
    };
  }

  /** For media-auth: the session's user, if any. */
  async subFromCookie(cookieHeader: string | undefined): Promise<string | null> {
    if (!cookieHeader || !cookieHeader.includes(SESSION_COOKIE)) return null;
    return (await this.readSession(cookieHeader))?.user.sub ?? null;
  }

  async issueLoginState(state: LoginState): Promise<string> {
    const { verifier, state: s, nonce, next } = state;
    return jwt.sign({ v: verifier, s, n: nonce, next }, await this.signingKey(), { algorithm: 'HS256', audience: LOGIN_AUDIENCE, expiresIn: LOGIN_TTL_SECONDS });
  }

  async readLoginState(cookieHeader: string | undefined): Promise<LoginState | null> {
    const payload = await this.verify(readCookie(cookieHeader, LOGIN_COOKIE), LOGIN_AUDIENCE);
    if (!payload) return null;
    const verifier = text(payload.v);
    const state = text(payload.s);
    const nonce = text(payload.n);
    const next = text(payload.next);
    return verifier && state && nonce && next ? { verifier, state, nonce, next } : null;
  }

  private async verify(token: string | null, audience: string): Promise<Record<string, unknown> | null> {
    if (!token) return null;
    try {
      const payload = jwt.verify(token, await this.signingKey(), { algorithms: ['HS256'], audience });
      if (typeof payload !== 'object' || payload === null || typeof payload.exp !== 'number') return null;
      return payload as Record<string, unknown>;
    } catch {
      return null;
    }
  }
}

/** Constant-time comparison of a form's CSRF field with the session's. */
export function csrfMatches(session: PageSession, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const given = Buffer.from(submitted, 'utf8');
  const expected = Buffer.from(session.csrf, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
