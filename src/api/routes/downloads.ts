import { Router, type Request, type Response } from 'express';
import { downloadableKey, downloadLinkRequest, issueDownloadLink } from '../../downloads/download-link';
import type { MediaAuthorizer } from '../../downloads/media-authorizer';
import { childLogger } from '../../logging/logger';
import type { Metrics } from '../../metrics/metrics';
import { isExpired } from '../../recording/expiry';
import { DOWNLOADABLE_STATUSES } from '../../recording/status';
import type { ApiDeps } from '../app';
import { authenticate, currentUser } from '../authenticate';
import { HttpError } from '../http-errors';

const log = childLogger('downloads');

/**
 * GET /api/v1.0/recordings/media-auth/: nginx's auth_request (SPEC.md, Downloads). Answers only
 * 200 (with the S3 headers), 401 or 403 whatever happens, since nginx turns any other status
 * into a 500. Mounted before the JSON body parser (a body is never read), and for every method:
 * nginx always asks with GET, anything else gets the same decision.
 */
export function mediaAuthRouter(authorizer: MediaAuthorizer, metrics: Metrics): Router {
  const router = Router();
  router.all('/api/v1.0/recordings/media-auth', async (req: Request, res: Response) => {
    let status: 200 | 401 | 403 = 403;
    let reason = 'error';
    try {
      const decision = await authorizer.decide({
        originalUrl: req.get('x-original-url'),
        authorization: req.get('authorization'),
        cookie: req.get('cookie'),
      });
      status = decision.status;
      reason = decision.reason;
      res.set('Cache-Control', 'no-store');
      if (decision.status === 200) {
        // Content-Disposition with a readable file name (RFC 6266, written by Express's own
        // helper); nginx copies it onto the file's answer. The answer itself has no body.
        res.attachment(decision.downloadName).removeHeader('Content-Type');
        res.status(200).set(decision.headers).end();
        log.debug({ recordingId: decision.recordingId, via: decision.via }, 'media access granted');
      } else {
        if (decision.status === 401) res.set('WWW-Authenticate', 'Bearer');
        res.status(decision.status).json({ detail: decision.status === 401 ? 'Authentication required.' : 'Access denied.' });
        if (decision.reason === 'error') {
          log.error({ recordingId: decision.recordingId, err: decision.error }, 'media-auth failed; refused with 403');
        } else {
          log.info({ status: decision.status, reason: decision.reason, recordingId: decision.recordingId }, 'media access refused');
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
      metrics.mediaAuthDecisions.inc({ status: String(status), reason });
    } catch {
      // metrics must never change the answer
    }
  });
  return router;
}

/** POST /api/v1.0/recordings/{id}/download-link/: a short-lived link a browser can open without a header. */
export function downloadLinkRouter({ config, verifier, recordings, downloadSecret }: ApiDeps): Router {
  const router = Router();
  router.post('/api/v1.0/recordings/:id/download-link', authenticate(verifier), async (req: Request, res: Response) => {
    const user = currentUser(res);
    const body = downloadLinkRequest.safeParse(req.body ?? {});
    if (!body.success) throw new HttpError(400, 'Invalid request body: expected nothing or {"key": one of the recording\'s file keys}.');
    const { recording } = await recordings.get(user, String(req.params.id));
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
    const link = issueDownloadLink(config, await downloadSecret.get(), recording, user.sub, new Date(), file.key);
    res.set('Cache-Control', 'no-store');
    res.status(200).json({ url: link.url, expires_at: link.expiresAt.toISOString() });
  });
  return router;
}
