import express, { Router, type Request, type Response } from 'express';
import { csrfMatches, type PageSession } from '../../auth/page-session';
import { childLogger } from '../../logging/logger';
import { RecordingError } from '../../recording/errors';
import type { PageContext } from '../../pages/page-html';
import { recordingMain } from '../../pages/page-html';
import type { PageCredential, RecordingPageView } from '../../pages/recording-page';
import { isUuid } from '../../util/uuid';
import type { ApiDeps } from '../api-deps';
import { pageContext, pageViewer, readSession, sendMessage, sendPage, signInUrl } from '../page-context';
import { pageHeaders } from '../page-headers';

const log = childLogger('page');
const FORM_LIMIT = '8kb';

/** A form post's session, page context and recording id, once formSession accepted it. */
type SignedInForm = { session: PageSession; ctx: PageContext; id: string };

/**
 * The recording page, GET /recordings/{id} (docs/recording-page.md), and
 * the forms a signed-in owner posts from it (share link, revoke, delete). A viewer with a
 * host-app token does the same through the JSON API from the page's script instead.
 */
/** The page's own services, and what the page context reads (tokens, sessions, sign-in). */
export type RecordingPageDeps = Pick<
  ApiDeps,
  'config' | 'verifier' | 'recordings' | 'shareLinks' | 'recordingPages' | 'pageSessions' | 'oidc'
>;

export function recordingPageRouter(deps: RecordingPageDeps): Router {
  const router = Router();
  const { config } = deps;
  const headers = pageHeaders({
    frameAncestors: config.pages.frameAncestors,
    mediaOrigins: config.downloads.baseUrlSet ? [new URL(config.downloads.baseUrl).origin] : [],
  });
  const form = express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 20 });

  router.get('/recordings/:id', ...headers, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const session = await readSession(deps, req);
    const viewer = await pageViewer(deps, req, session);
    const user = viewer.kind === 'bearer' ? viewer.user : viewer.kind === 'session' ? viewer.session.user : null;
    const ctx = pageContext(deps, req, res, { recordingId: isUuid(id) ? id : null, user, session });
    const { t } = ctx;

    if (viewer.kind === 'none') {
      const signIn = signInUrl(deps, ctx.recordingId);
      sendMessage(res, 401, ctx, {
        state: 'needs-credential',
        title: t('needCredentialTitle'),
        text: signIn ? t('needCredentialOidc') : t('needCredentialExplain'),
        signInUrl: signIn,
      });
      return;
    }
    if (viewer.kind === 'bearer-invalid') {
      sendMessage(res, 401, ctx, { state: 'access-expired', title: t('needCredentialTitle'), text: t('accessExpired') });
      return;
    }
    const credential: PageCredential =
      viewer.kind === 'share'
        ? { kind: 'share', token: viewer.token }
        : viewer.kind === 'session'
          ? { kind: 'session', user: viewer.session.user, csrf: viewer.session.csrf }
          : { kind: 'bearer', user: viewer.user };
    await renderRecording(res, ctx, id, credential, 200);
  });

  router.post('/recordings/:id/share-links', ...headers, form, async (req: Request, res: Response) => {
    const signedIn = await formSession(req, res);
    if (!signedIn) return;
    const { session, ctx, id } = signedIn;
    const raw = (req.body as Record<string, unknown> | undefined)?.expires_in_days;
    const days = typeof raw === 'string' && /^\d{1,6}$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    try {
      const created = await deps.shareLinks.create(session.user, id, days === undefined || days === '' ? {} : { expires_in_days: days });
      log.info({ recordingId: id, linkId: created.link.id, sub: session.user.sub }, 'share link created from the page');
      await renderRecording(res, ctx, id, sessionCredential(session), 201, { newLinkUrl: created.url });
    } catch (err) {
      if (err instanceof RecordingError && err.kind === 'bad_request') {
        await renderRecording(res, ctx, id, sessionCredential(session), 400, { error: ctx.t('badDays', { max: String(config.pages.shareLinks.maxDays) }) });
        return;
      }
      failed(res, ctx, err, id);
    }
  });

  router.post('/recordings/:id/share-links/:link_id/revoke', ...headers, form, formAction(async (req, res, { session, id }) => {
    await deps.shareLinks.revoke(session.user, id, String(req.params.link_id));
    log.info({ recordingId: id, linkId: String(req.params.link_id), sub: session.user.sub }, 'share link revoked from the page');
    res.redirect(303, `/recordings/${id}`);
  }));

  router.post('/recordings/:id/delete', ...headers, form, formAction(async (_req, res, { session, ctx, id }) => {
    await deps.recordings.delete(session.user, id);
    log.info({ recordingId: id, sub: session.user.sub }, 'recording deleted from the page');
    sendMessage(res, 200, { ...ctx, recordingId: null }, { state: 'deleted', title: ctx.t('deletedTitle'), text: ctx.t('deleted') });
  }));

  async function renderRecording(
    res: Response,
    ctx: PageContext,
    id: string,
    credential: PageCredential,
    status: number,
    extras: { newLinkUrl?: string; error?: string } = {},
  ): Promise<void> {
    const { t } = ctx;
    const outcome = await deps.recordingPages.view(id, credential);
    switch (outcome.result) {
      case 'ok':
        sendPage(res, status, ctx, title(ctx, outcome.view), recordingMain(ctx, outcome.view, extras));
        return;
      case 'not_found':
        if (credential.kind === 'share') sendMessage(res, 404, ctx, { state: 'link-invalid', title: t('linkInvalidTitle'), text: t('linkInvalid') });
        else sendMessage(res, 404, ctx, { state: 'not-found', title: t('notFoundTitle'), text: t('notFound') });
        return;
      case 'link_invalid':
        sendMessage(res, 403, ctx, { state: 'link-invalid', title: t('linkInvalidTitle'), text: t('linkInvalid') });
        return;
      case 'forbidden':
        sendMessage(res, 403, ctx, { state: 'forbidden', title: t('forbiddenTitle'), text: t('forbidden') });
        return;
    }
  }

  /**
   * A form post is accepted only from a signed-in session, with that session's CSRF token, and
   * not from another site (Sec-Fetch-Site, which browsers send and pages cannot forge).
   */
  async function formSession(req: Request, res: Response): Promise<SignedInForm | null> {
    const id = String(req.params.id);
    const session = await readSession(deps, req);
    const ctx = pageContext(deps, req, res, { recordingId: isUuid(id) ? id : null, session });
    const { t } = ctx;
    if (!session) {
      const signIn = signInUrl(deps, ctx.recordingId);
      sendMessage(res, 401, ctx, { state: 'needs-credential', title: t('needCredentialTitle'), text: signIn ? t('needCredentialOidc') : t('needCredentialExplain'), signInUrl: signIn });
      return null;
    }
    const crossSite = req.get('sec-fetch-site') === 'cross-site';
    if (crossSite || !csrfMatches(session, (req.body as Record<string, unknown> | undefined)?.csrf)) {
      log.warn({ recordingId: ctx.recordingId, crossSite }, 'page form refused: missing or wrong CSRF token');
      sendMessage(res, 403, ctx, { state: 'form-expired', title: t('forbiddenTitle'), text: t('formExpired'), backUrl: ctx.recordingId ? `/recordings/${ctx.recordingId}` : undefined });
      return null;
    }
    return { session, ctx, id };
  }

  /** A form's route: the signed-in session checked (formSession), then `act`; what `act` throws answers as failed() says. */
  function formAction(act: (req: Request, res: Response, signedIn: SignedInForm) => Promise<void>) {
    return async (req: Request, res: Response) => {
      const signedIn = await formSession(req, res);
      if (!signedIn) return;
      try {
        await act(req, res, signedIn);
      } catch (err) {
        failed(res, signedIn.ctx, err, signedIn.id);
      }
    };
  }

  function failed(res: Response, ctx: PageContext, err: unknown, id: string): void {
    const { t } = ctx;
    const back = isUuid(id) ? `/recordings/${id}` : undefined;
    if (err instanceof RecordingError) {
      switch (err.kind) {
        case 'not_found':
          sendMessage(res, 404, ctx, { state: 'not-found', title: t('notFoundTitle'), text: t('notFound'), backUrl: back });
          return;
        case 'forbidden':
        case 'bad_request':
          sendMessage(res, err.kind === 'forbidden' ? 403 : 400, ctx, { state: 'refused', title: t('forbiddenTitle'), text: t('actionFailed', { detail: err.message }), backUrl: back });
          return;
        case 'conflict':
          sendMessage(res, 409, ctx, { state: 'refused', title: t('genericTitle'), text: t('actionFailed', { detail: err.message }), backUrl: back });
          return;
        default:
          sendMessage(res, 503, ctx, { state: 'unavailable', title: t('genericTitle'), text: t('unavailable'), backUrl: back });
          return;
      }
    }
    throw err;
  }

  return router;
}

function sessionCredential(session: PageSession): PageCredential {
  return { kind: 'session', user: session.user, csrf: session.csrf };
}

function title(ctx: PageContext, view: RecordingPageView): string {
  return ctx.t('pageTitle', { room: view.recording.room });
}
