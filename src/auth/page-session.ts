import { createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { PageSessionStore } from './page-session-store';
import type { AuthUser } from './user';

/**
 * Sign-in sessions of the recording page (OpenID Connect).
 * - The session (8 hours at most, ended sooner by PAGE_SESSION_IDLE_MINUTES without a request,
 *   or by signing out) lives server-side in page_sessions; its cookie holds only a random id
 *   (256 bits) whose SHA-256 is the row's key. The row holds the user's `sub`, profile claims
 *   and the CSRF token the page's forms must send back.
 * - The login in progress (10 minutes): PKCE verifier, state, nonce and where to go afterwards,
 *   between the redirect to the provider and its callback, in a cookie: an HS256 JWT
 *   (jsonwebtoken) signed with a key derived from the download-link key.
 * Behind https the cookies carry the `__Host-` prefix (Secure, Path=/, no Domain: no other host
 * or path can set or shadow them); over plain http (development) browsers refuse that prefix.
 */

export const SESSION_COOKIE = 'recorder_session';
export const LOGIN_COOKIE = 'recorder_oidc';
const HOST_PREFIX = '__Host-';
export const SESSION_TTL_SECONDS = 8 * 3600;
export const LOGIN_TTL_SECONDS = 600;
const LOGIN_AUDIENCE = 'recorder-oidc-login';
const MAX_COOKIE_LENGTH = 4096;
/** A session id as the cookie carries it: 32 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** The cookie's name: `__Host-`-prefixed when the service is reached over https. */
export function cookieName(base: typeof SESSION_COOKIE | typeof LOGIN_COOKIE, secure: boolean): string {
  return secure ? `${HOST_PREFIX}${base}` : base;
}

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

/** The key that signs the login-in-progress cookie, derived (HKDF-SHA256) from the download-link key, never that key itself. */
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

  /** The cookies' names (`__Host-`-prefixed when the public URL is https). */
  readonly sessionCookie: string;
  readonly loginCookie: string;

  constructor(
    private readonly keySource: KeySource,
    private readonly store: PageSessionStore,
    readonly secure: boolean,
  ) {
    this.sessionCookie = cookieName(SESSION_COOKIE, secure);
    this.loginCookie = cookieName(LOGIN_COOKIE, secure);
  }

  private async signingKey(): Promise<KeyObject> {
    this.key ??= deriveSessionKey(await this.keySource.get());
    return this.key;
  }

  /** A new server-side session; returns the cookie value (the session id). */
  async issueSession(user: Pick<AuthUser, 'sub' | 'name' | 'locale' | 'zoneinfo'>): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const row = { sub: user.sub, name: text(user.name), locale: text(user.locale), zoneinfo: text(user.zoneinfo), csrf: randomBytes(24).toString('base64url') };
    await this.store.insert(id, row, SESSION_TTL_SECONDS);
    return id;
  }

  /** The live session the `Cookie` header names, or null (none, unknown, signed out, expired or idle too long). */
  async readSession(cookieHeader: string | undefined): Promise<PageSession | null> {
    const id = readCookie(cookieHeader, this.sessionCookie);
    if (!id || !SESSION_ID.test(id)) return null;
    const row = await this.store.read(id);
    if (!row) return null;
    return { user: { sub: row.sub, email: null, name: row.name, locale: row.locale, zoneinfo: row.zoneinfo, rooms: {} }, csrf: row.csrf };
  }

  /** Signing out: the session the cookie names ends for every copy of that cookie. */
  async endSession(cookieHeader: string | undefined): Promise<void> {
    const id = readCookie(cookieHeader, this.sessionCookie);
    if (id && SESSION_ID.test(id)) await this.store.remove(id);
  }

  /** Deletes ended sessions (a recurring job). */
  prune(): Promise<number> {
    return this.store.prune();
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
    const payload = await this.verify(readCookie(cookieHeader, this.loginCookie), LOGIN_AUDIENCE);
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
