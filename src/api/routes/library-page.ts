import express, { Router, type Request, type Response } from 'express';
import { csrfMatches, type PageSession } from '../../auth/page-session';
import type { AuthUser } from '../../auth/user';
import { childLogger } from '../../logging/logger';
import { LIBRARY_CSS, libraryMain, type LibraryView } from '../../pages/library-html';
import { LIBRARY_SCRIPT } from '../../pages/library-script';
import { libraryTranslator, type LibraryTranslate } from '../../pages/library-text';
import { pageDocument, type PageContext } from '../../pages/page-html';
import { RecordingError } from '../../recording/errors';
import { bulkDelete } from '../../recording/library/bulk-delete';
import type { ApiDeps } from '../api-deps';
import { HttpError } from '../http-errors';
import { pageContext, pageViewer, readSession } from '../page-context';
import { pageHeaders } from '../page-headers';
import { parseRecordingListQuery } from '../recording-list-query';

const log = childLogger('page');
const FILTERS = ['room', 'q', 'status', 'created_after', 'created_before'] as const;

export type LibraryPageDeps = Pick<ApiDeps, 'config' | 'verifier' | 'recordings' | 'archiveLinks' | 'pageSessions' | 'oidc'>;

/**
 * GET /recordings, the library: the viewer's recordings (OIDC session, or a host-app token the
 * page's script sends as a bearer), filters as a GET form, paging, and the bulk actions, posted
 * as forms by a session (deleting asks for a confirmation first) or sent by the script to the API.
 */
export function libraryPageRouter(deps: LibraryPageDeps): Router {
  const router = Router();
  const { config } = deps;
  const headers = pageHeaders({ frameAncestors: config.pages.frameAncestors, mediaOrigins: [] });
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 120 });

  const send = (res: Response, status: number, ctx: PageContext, lt: LibraryTranslate, main: string) =>
    res.status(status).type('html').send(pageDocument(ctx, lt('title'), main, LIBRARY_SCRIPT, LIBRARY_CSS));

  const refuse = (res: Response, ctx: PageContext, lt: LibraryTranslate) => {
    const signIn = deps.oidc ? `/auth/oidc/login?next=${encodeURIComponent('/recordings')}` : null;
    send(res, 401, ctx, lt, `<main id="main" tabindex="-1" data-state="needs-credential"><h1>${lt('title')}</h1>
<p>${lt('needCredential')}</p>${signIn ? `<p class="actions"><a class="button" href="${signIn}">${lt('signIn')}</a></p>` : ''}
<p id="library-notice" role="status"></p></main>`);
  };

  async function render(req: Request, res: Response, user: AuthUser, ctx: PageContext, lt: LibraryTranslate, extras: Partial<LibraryView> & { status?: number; csrf: string | null }) {
    // An empty field of the GET form means no filter.
    const query: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.query)) if (typeof value === 'string' && value.trim() !== '') query[name] = value.trim();
    const filters = Object.fromEntries(FILTERS.filter((n) => query[n] !== undefined).map((n) => [n, query[n]!]));
    let parsed;
    try {
      parsed = parseRecordingListQuery(query);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      const view: LibraryView = { rows: [], count: 0, page: 1, filters, previousUrl: null, nextUrl: null, csrf: extras.csrf, expirationDays: config.recording.expirationDays, error: lt('badFilter', { detail: err.message }) };
      return send(res, 400, ctx, lt, libraryMain(ctx, lt, view));
    }
    const { page, pageSize, filter, filterParams } = parsed;
    const { count, rows } = await deps.recordings.list(user, filter, pageSize, (page - 1) * pageSize);
    const pageUrl = (n: number) => {
      const params = new URLSearchParams([...filterParams, ['page', String(n)]]);
      if (query.page_size) params.set('page_size', String(pageSize));
      return `/recordings?${params.toString()}`;
    };
    const view: LibraryView = {
      rows, count, page, filters,
      previousUrl: page > 1 ? pageUrl(page - 1) : null,
      nextUrl: page * pageSize < count ? pageUrl(page + 1) : null,
      expirationDays: config.recording.expirationDays,
      ...extras,
    };
    send(res, extras.status ?? 200, ctx, lt, libraryMain(ctx, lt, view));
  }

  router.get('/recordings', ...headers, async (req: Request, res: Response) => {
    const session = await readSession(deps, req);
    const viewer = await pageViewer(deps, req, session);
    const user = viewer.kind === 'bearer' ? viewer.user : viewer.kind === 'session' ? viewer.session.user : null;
    const ctx = pageContext(deps, req, res, { recordingId: null, user, session });
    const lt = libraryTranslator(ctx.locale.language);
    if (!user) return refuse(res, ctx, lt);
    await render(req, res, user, ctx, lt, { csrf: viewer.kind === 'session' ? viewer.session.csrf : null });
  });

  router.post('/recordings/bulk', ...headers, form, async (req: Request, res: Response) => {
    const session: PageSession | null = await readSession(deps, req);
    const ctx = pageContext(deps, req, res, { recordingId: null, session });
    const lt = libraryTranslator(ctx.locale.language);
    if (!session) return refuse(res, ctx, lt);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.get('sec-fetch-site') === 'cross-site' || !csrfMatches(session, body.csrf)) {
      log.warn({ crossSite: req.get('sec-fetch-site') === 'cross-site' }, 'library form refused: missing or wrong CSRF token');
      return void res.redirect(303, '/recordings');
    }
    const ids = (Array.isArray(body.ids) ? body.ids : body.ids === undefined ? [] : [body.ids]).filter((id): id is string => typeof id === 'string');
    const base = { csrf: session.csrf };
    if (body.action === 'cancel') return void res.redirect(303, '/recordings');
    if (ids.length === 0) return render(req, res, session.user, ctx, lt, { ...base, status: 400, error: lt('nothingSelected') });
    try {
      if (body.action === 'zip') {
        const link = await deps.archiveLinks.create(session.user, { ids });
        return void res.redirect(303, link.url);
      }
      if (body.action === 'delete') return render(req, res, session.user, ctx, lt, { ...base, confirmDelete: ids });
      if (body.action === 'delete-confirmed') {
        const result = await bulkDelete(deps.recordings, session.user, { ids });
        log.info({ deleted: result.deleted.length, refused: result.refused.length, sub: session.user.sub }, 'recordings deleted from the library');
        const refused = result.refused.length ? ` ${lt('refusedN', { n: String(result.refused.length), detail: result.refused[0]!.detail })}` : '';
        return render(req, res, session.user, ctx, lt, { ...base, notice: `${lt('deletedN', { n: String(result.deleted.length) })}${refused}` });
      }
      return render(req, res, session.user, ctx, lt, { ...base, status: 400, error: lt('failed', { detail: 'unknown action' }) });
    } catch (err) {
      if (!(err instanceof RecordingError)) throw err;
      return render(req, res, session.user, ctx, lt, { ...base, status: err.kind === 'bad_request' ? 400 : 409, error: lt('failed', { detail: err.message }) });
    }
  });

  return router;
}
