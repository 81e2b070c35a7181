import type { Request, Response } from 'express';
import type { PageSession } from '../auth/page-session';
import { bearerToken } from '../auth/token-verifier';
import type { AuthUser } from '../auth/user';
import { pageTranslator } from '../notifications/i18n';
import { resolveTimezone } from '../notifications/locale';
import { messageMain, pageDocument, type PageContext, type PageMessage } from '../pages/page-html';
import { pageLocale } from '../pages/page-locale';
import type { ApiDeps } from './api-deps';
import { cspNonce } from './page-headers';

/** Who is asking for a page, before any recording is looked at. */
export type PageViewer =
  | { kind: 'bearer'; user: AuthUser }
  | { kind: 'bearer-invalid' }
  | { kind: 'share'; token: string }
  | { kind: 'session'; session: PageSession }
  | { kind: 'none' };

/**
 * The viewer's credential, in this order: a host-app token in `Authorization` (what the page's
 * script sends after reading `#access_token=`), a share token (`?share=`), a sign-in session
 * cookie (only when OIDC is configured).
 */
export async function pageViewer(deps: Pick<ApiDeps, 'verifier'>, req: Request, session: PageSession | null): Promise<PageViewer> {
  const header = req.get('authorization');
  // Only a Bearer credential is ours (a proxy in front may add Basic authentication of its own).
  if (header !== undefined && /^bearer\s/i.test(header.trim())) {
    const token = bearerToken(header);
    const verified = token ? deps.verifier.verify(token) : null;
    return verified?.ok ? { kind: 'bearer', user: verified.user } : { kind: 'bearer-invalid' };
  }
  const share = req.query.share;
  if (share !== undefined) return { kind: 'share', token: typeof share === 'string' ? share : '' };
  if (session) return { kind: 'session', session };
  return { kind: 'none' };
}

export async function readSession(deps: Pick<ApiDeps, 'pageSessions'>, req: Request): Promise<PageSession | null> {
  return deps.pageSessions ? deps.pageSessions.readSession(req.get('cookie')) : null;
}

/** Language (Accept-Language), time zone (the user's, else DEFAULT_TIMEZONE) and the header's session. */
export function pageContext(
  deps: Pick<ApiDeps, 'config'>,
  req: Request,
  res: Response,
  opts: { recordingId: string | null; user?: AuthUser | null; session?: PageSession | null },
): PageContext {
  const { config } = deps;
  const locale = pageLocale(req.acceptsLanguages(), config.email.defaultLocale);
  const session = opts.session ?? null;
  const user = opts.user ?? session?.user ?? null;
  return {
    t: pageTranslator(locale.language),
    locale,
    zone: resolveTimezone(user?.zoneinfo, config.email.defaultTimezone),
    nonce: cspNonce(res),
    brand: config.email.brandName,
    session: session ? { name: session.user.name, sub: session.user.sub, csrf: session.csrf } : null,
    recordingId: opts.recordingId,
  };
}

export function sendPage(res: Response, status: number, ctx: PageContext, title: string, main: string): void {
  res.status(status).type('html').send(pageDocument(ctx, title, main));
}

export function sendMessage(res: Response, status: number, ctx: PageContext, message: PageMessage): void {
  sendPage(res, status, ctx, message.title, messageMain(ctx, message));
}

/** The sign-in link for a recording page, when OIDC is configured. */
export function signInUrl(deps: Pick<ApiDeps, 'oidc'>, recordingId: string | null): string | undefined {
  if (!deps.oidc) return undefined;
  return recordingId ? `/auth/oidc/login?next=${encodeURIComponent(`/recordings/${recordingId}`)}` : '/auth/oidc/login';
}
