import { Router, type Request, type RequestHandler, type Response } from 'express';
import { downloadableKey, downloadLinkRequest, issueDownloadLink } from '../../downloads/download-link';
import { sameSecret } from '../../auth/shared-secret';
import type { MediaAuthDecision, MediaAuthorizer, S3ForwardHeaders } from '../../downloads/media-authorizer';
import { childLogger } from '../../logging/logger';
import type { Metrics } from '../../metrics/metrics';
import { isExpired } from '../../recording/expiry';
import { DOWNLOADABLE_STATUSES } from '../../recording/status';
import type { ApiDeps } from '../api-deps';
import { authenticate, currentUser } from '../authenticate';
import { HttpError } from '../http-errors';

const log = childLogger('downloads');

/** The route as the HTTP latency histogram labels it (the dashboard and alerts select on it). */
export const MEDIA_AUTH_ROUTE = '/api/v1.0/recordings/media-auth';
/** The header nginx's subrequest carries MEDIA_AUTH_SECRET in (lower case, as Node keys it). */
export const MEDIA_AUTH_SECRET_HEADER = 'x-media-auth-secret';

/**
 * GET /api/v1.0/recordings/media-auth/: nginx's auth_request (docs/api.md, Downloads). Answers only
 * 200 (with the S3 headers), 401 or 403 whatever happens, since nginx turns any other status
 * into a 500. Mounted first, on the app itself (`app.all(MEDIA_AUTH_ROUTE, ...)`), before every
 * other middleware (a body is never read), and for every method: nginx always asks with GET,
 * anything else gets the same decision.
 *
 * It is the hot path (one call per Range request of a player), so it does its own latency
 * observation into the shared HTTP histogram (labelled children made once, no `finish`
 * listener) and logs refusals at debug level only: recorder_media_auth_decisions_total counts
 * every decision by reason, errors are still logged at error level.
 *
 * With MEDIA_AUTH_SECRET (`proxySecret`), a call without nginx's `X-Media-Auth-Secret` header
 * carrying it (constant-time compare) is refused with 403 before anything else is looked at:
 * nginx answers the public path with 404, so only its own subrequest has the header.
 */
export function mediaAuthHandler(authorizer: MediaAuthorizer, metrics: Metrics, proxySecret?: string): RequestHandler {
  const fromProxy = (req: Request): boolean => {
    if (proxySecret === undefined) return true;
    const given = req.headers[MEDIA_AUTH_SECRET_HEADER];
    return typeof given === 'string' && sameSecret(given, proxySecret);
  };
  // Labelled children made once each. Bounded: Node's HTTP parser only accepts the methods it
  // knows, statuses are 200/401/403 and reasons a fixed list.
  const latency = new Map<string, { observe(seconds: number): void }>();
  const decisions = new Map<string, { inc(): void }>();
  const count = (status: number, reason: string, method: string, seconds: number) => {
    const decision = `${status} ${reason}`;
    let counter = decisions.get(decision);
    if (!counter) decisions.set(decision, (counter = metrics.mediaAuthDecisions.labels({ status: String(status), reason })));
    counter.inc();
    const id = `${method} ${status}`;
    let histogram = latency.get(id);
    if (!histogram) latency.set(id, (histogram = metrics.httpDuration.labels({ method, route: MEDIA_AUTH_ROUTE, status: String(status) })));
    histogram.observe(seconds);
  };
  // Content-Disposition as Express's res.attachment() writes it, per download name (a handful
  // of recordings are being watched at any moment; the memory starts over past 1,000 names).
  const dispositions = new Map<string, string>();
  const attach = (res: Response, name: string) => {
    const known = dispositions.get(name);
    if (known !== undefined) return void res.setHeader('Content-Disposition', known);
    res.attachment(name).removeHeader('Content-Type');
    const written = res.getHeader('Content-Disposition');
    if (typeof written !== 'string') return;
    if (dispositions.size >= 1000) dispositions.clear();
    dispositions.set(name, written);
  };
  return async (req: Request, res: Response) => {
    const began = process.hrtime.bigint();
    let status: 200 | 401 | 403 = 403;
    let reason = 'error';
    try {
      const decision: MediaAuthDecision = fromProxy(req)
        ? await authorizer.decide({
            originalUrl: req.headers['x-original-url'] as string | undefined,
            authorization: req.headers.authorization,
            cookie: req.headers.cookie,
          })
        : { status: 403, reason: 'not_from_proxy' };
      status = decision.status;
      reason = decision.reason;
      res.setHeader('Cache-Control', 'no-store');
      if (decision.status === 200) {
        // Content-Disposition with a readable file name (RFC 6266, written by Express's own
        // helper); nginx copies it onto the file's answer. The answer itself has no body.
        if (decision.attachment) attach(res, decision.downloadName);
        for (const name in decision.headers) res.setHeader(name, decision.headers[name as keyof S3ForwardHeaders]);
        res.statusCode = 200;
        res.end();
        if (log.isLevelEnabled('debug')) log.debug({ recordingId: decision.recordingId, via: decision.via }, 'media access granted');
      } else {
        if (decision.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
        res.status(decision.status).json({ detail: decision.status === 401 ? 'Authentication required.' : 'Access denied.' });
        if (decision.reason === 'error') {
          log.error({ recordingId: decision.recordingId, err: decision.error }, 'media-auth failed; refused with 403');
        } else if (log.isLevelEnabled('debug')) {
          log.debug({ status: decision.status, reason: decision.reason, recordingId: decision.recordingId }, 'media access refused');
        }
      }
    } catch (err) {
      // Only reachable if answering itself failed (e.g. a header value Node refuses).
      status = 403;
      reason = 'error';
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'media-auth failed; refused with 403');
      if (!res.headersSent) res.status(403).end();
    }
    try {
      count(status, reason, req.method, Number(process.hrtime.bigint() - began) / 1e9);
    } catch {
      // metrics must never change the answer
    }
  };
}

/** POST /api/v1.0/recordings/{id}/download-link/: a short-lived link a browser can open without a header. */
export function downloadLinkRouter({ config, verifier, recordings, downloadSecret }: Pick<ApiDeps, 'config' | 'verifier' | 'recordings' | 'downloadSecret'>): Router {
  const router = Router();
  router.post('/api/v1.0/recordings/:id/download-link', authenticate(verifier), async (req: Request, res: Response) => {
    const user = currentUser(res);
    const body = downloadLinkRequest.safeParse(req.body ?? {});
    if (!body.success) throw new HttpError(400, 'Invalid request body: expected nothing or {"key": one of the recording\'s file keys}.');
    const { recording, role, members } = await recordings.getAsViewer(user, String(req.params.id));
    if (role === 'member' && members !== 'download') {
      throw new HttpError(403, "The room's members may watch its recordings but not download them.");
    }
    if (!DOWNLOADABLE_STATUSES.includes(recording.status)) {
      throw new HttpError(403, `The recording cannot be downloaded: its status is "${recording.status}" (it must be saved).`);
    }
    if (isExpired(recording, config.recording.expirationDays)) {
      throw new HttpError(403, 'The recording has expired and can no longer be downloaded.');
    }
    if (!config.storage) {
      throw new HttpError(503, 'Downloads are unavailable: the object storage is not configured.');
    }
    const file = downloadableKey(config, recording, body.data.key);
    if (!file.ok && file.reason === 'unknown_file') throw new HttpError(404, 'The recording has no file with this key.');
    if (!file.ok) throw new HttpError(403, 'This track file cannot be downloaded: it is not saved.');
    const link = issueDownloadLink(config, await downloadSecret.get(), recording, user.sub, new Date(), file.key, role === 'member' ? recording.room : undefined);
    res.set('Cache-Control', 'no-store');
    res.status(200).json({ url: link.url, expires_at: link.expiresAt.toISOString() });
  });
  return router;
}
