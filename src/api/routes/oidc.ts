import express, { Router, type CookieOptions, type Request, type Response } from 'express';
import { OidcRejectedError, OidcUnavailableError } from '../../auth/oidc-sign-in';
import { csrfMatches, LOGIN_TTL_SECONDS, SESSION_COOKIE, SESSION_TTL_SECONDS } from '../../auth/page-session';
import { childLogger } from '../../logging/logger';
import { UUID_PATTERN } from '../../util/uuid';
import type { ApiDeps } from '../api-deps';
import { pageContext, readSession, sendMessage } from '../page-context';
import { pageHeaders } from '../page-headers';

const log = childLogger('oidc');
/** Where a sign-in may lead back to: a recording page or the library of this service, nothing else (no open redirect). */
const NEXT = new RegExp(`^/recordings(?:/${UUID_PATTERN})?$`);
const LOGIN_PATH = '/auth/oidc';

/**
 * OpenID Connect sign-in for the recording page: GET /auth/oidc/login (to the provider),
 * GET /auth/oidc/callback (back from it: a session cookie), POST /auth/logout. Without
 * OIDC_* settings they answer 404.
 */
export function oidcRouter(deps: Pick<ApiDeps, 'config' | 'oidc' | 'pageSessions'>): Router {
  const router = Router();
  const { config } = deps;
  const headers = pageHeaders({ frameAncestors: config.pages.frameAncestors, mediaOrigins: [] });
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  /**
   * HttpOnly, SameSite=Lax (sent on the provider's redirect back, a top-level GET), Secure behind
   * https, Path=/ and no Domain (what the `__Host-` names require).
   */
  const cookieOptions = (req: Request, maxAgeSeconds: number): CookieOptions => ({
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure || config.server.publicUrl.startsWith('https:'),
    path: '/',
    maxAge: maxAgeSeconds * 1000,
  });

  const notConfigured = (req: Request, res: Response) => {
    const ctx = pageContext(deps, req, res, { recordingId: null });
    sendMessage(res, 404, ctx, { state: 'not-found', title: ctx.t('notFoundTitle'), text: ctx.t('signInNotConfigured') });
  };

  router.get(`${LOGIN_PATH}/login`, ...headers, async (req: Request, res: Response) => {
    const { oidc, pageSessions } = deps;
    if (!oidc || !pageSessions) return notConfigured(req, res);
    const next = typeof req.query.next === 'string' ? req.query.next : '';
    const ctx = pageContext(deps, req, res, { recordingId: null });
    if (!NEXT.test(next)) {
      sendMessage(res, 400, ctx, { state: 'sign-in-failed', title: ctx.t('signInFailedTitle'), text: ctx.t('signInFailed') });
      return;
    }
    try {
      const { url, login } = await oidc.begin(next);
      res.cookie(pageSessions.loginCookie, await pageSessions.issueLoginState(login), cookieOptions(req, LOGIN_TTL_SECONDS));
      res.redirect(303, url.href);
    } catch (err) {
      if (!(err instanceof OidcUnavailableError)) throw err;
      log.warn({ err: err.message }, 'sign-in unavailable');
      sendMessage(res, 503, ctx, { state: 'sign-in-unavailable', title: ctx.t('signInFailedTitle'), text: ctx.t('signInUnavailable'), backUrl: next });
    }
  });

  router.get(`${LOGIN_PATH}/callback`, ...headers, async (req: Request, res: Response) => {
    const { oidc, pageSessions } = deps;
    if (!oidc || !pageSessions) return notConfigured(req, res);
    const ctx = pageContext(deps, req, res, { recordingId: null });
    const login = await pageSessions.readLoginState(req.get('cookie'));
    // Whatever happens, this login attempt is over.
    res.clearCookie(pageSessions.loginCookie, { ...cookieOptions(req, 0), maxAge: undefined });
    if (!login || !NEXT.test(login.next)) {
      log.warn('sign-in callback without a login in progress (expired, or another browser)');
      sendMessage(res, 400, ctx, { state: 'sign-in-failed', title: ctx.t('signInFailedTitle'), text: ctx.t('signInFailed') });
      return;
    }
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    try {
      const profile = await oidc.finish(query, login);
      const session = await pageSessions.issueSession({ sub: profile.sub, name: profile.name, locale: profile.locale, zoneinfo: profile.zoneinfo });
      res.cookie(pageSessions.sessionCookie, session, cookieOptions(req, SESSION_TTL_SECONDS));
      log.info({ sub: profile.sub }, 'signed in to the recording page');
      res.redirect(303, login.next);
    } catch (err) {
      if (err instanceof OidcRejectedError || err instanceof OidcUnavailableError) {
        log.warn({ err: err.message }, 'sign-in failed');
        const unavailable = err instanceof OidcUnavailableError;
        sendMessage(res, unavailable ? 503 : 400, ctx, {
          state: unavailable ? 'sign-in-unavailable' : 'sign-in-failed',
          title: ctx.t('signInFailedTitle'),
          text: unavailable ? ctx.t('signInUnavailable') : ctx.t('signInFailed'),
          backUrl: login.next,
        });
        return;
      }
      throw err;
    }
  });

  router.post('/auth/logout', ...headers, form, async (req: Request, res: Response) => {
    const session = await readSession(deps, req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = typeof body.next === 'string' && NEXT.test(body.next) ? body.next : null;
    const ctx = pageContext(deps, req, res, { recordingId: null });
    if (session && (req.get('sec-fetch-site') === 'cross-site' || !csrfMatches(session, body.csrf))) {
      sendMessage(res, 403, { ...ctx, session: null }, { state: 'form-expired', title: ctx.t('forbiddenTitle'), text: ctx.t('formExpired') });
      return;
    }
    // The row goes: every copy of this cookie stops working now, not when it would have expired.
    if (session) await deps.pageSessions?.endSession(req.get('cookie'));
    res.clearCookie(deps.pageSessions?.sessionCookie ?? SESSION_COOKIE, { ...cookieOptions(req, 0), maxAge: undefined });
    if (next) {
      res.redirect(303, next);
      return;
    }
    sendMessage(res, 200, { ...ctx, session: null }, { state: 'signed-out', title: ctx.t('signedOutTitle'), text: ctx.t('signedOut') });
  });

  return router;
}
