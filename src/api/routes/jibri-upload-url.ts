import express, { Router, type Response } from 'express';
import type { JibriUploadUrls, UploadUrlResult } from '../../recording/jibri-uploads';

/** Carries the recording's upload capability (deploy/jibri/finalize.sh reads it from metadata.json). */
export const UPLOAD_CAPABILITY_HEADER = 'X-Recorder-Upload-Capability';

const FIXED: Record<Exclude<UploadUrlResult['outcome'], 'issued' | 'not_jibri' | 'not_uploadable' | 'already_stored' | 'already_issued'>, [number, string]> = {
  token_not_set: [401, 'JIBRI_UPLOAD_TOKEN is not set: upload URLs are disabled.'],
  bad_token: [401, 'Invalid or missing upload token.'],
  bad_capability: [403, `Missing or wrong ${UPLOAD_CAPABILITY_HEADER} header: this recording's upload capability (from its Jibri's metadata.json) is required.`],
  not_found: [404, 'Recording not found.'],
  bad_part: [400, 'The part query parameter must be a stretch number (1 to 9999).'],
  storage_not_configured: [503, 'Object storage is not configured (AWS_S3_* settings): no upload URL can be issued.'],
  storage_unavailable: [503, 'Storage did not say whether the file is already there; retry later.'],
  signing_failed: [503, 'Could not sign an upload URL; retry later.'],
  still_recording: [425, 'The recording is still running on its Jibri: an upload URL is issued only once it stopped; retry later.'],
};

/**
 * finalize.sh treats every 4xx except 408/425/429 as final (no retry) and retries 5xx, so: 401
 * bad token, 404 unknown id, 403 missing or wrong capability for this recording, not a Jibri
 * recording or not in an uploadable status, 409 the
 * file is already in storage or the recording's one URL was already issued (an alert), 425 still
 * recording, 503 storage not configured or not answering, or the URL not signed.
 */
function send(res: Response, result: UploadUrlResult): void {
  switch (result.outcome) {
    case 'issued':
      res.json({ url: result.url, key: result.key, expires_at: result.expiresAt.toISOString() });
      return;
    case 'not_jibri':
    case 'not_uploadable':
      res.status(403).json({ detail: result.detail });
      return;
    case 'already_stored':
    case 'already_issued':
      res.status(409).json({ detail: result.detail });
      return;
    default: {
      const [status, detail] = FIXED[result.outcome];
      res.status(status).json({ detail });
    }
  }
}

/**
 * POST /api/v1.0/recordings/{id}/upload-url/[?part=n] (deploy/jibri/finalize.sh; `part` names a
 * resumed stretch of a paused recording). The body (`{}`) is not used; it is read raw so that nothing in it can turn a bad token into anything but 401.
 */
export function jibriUploadUrlRouter(uploads: JibriUploadUrls): Router {
  const router = Router();
  router.post('/api/v1.0/recordings/:id/upload-url', express.raw({ type: () => true, limit: '16kb' }), async (req, res) => {
    send(res, await uploads.issue(String(req.params.id), req.get('authorization'), req.get(UPLOAD_CAPABILITY_HEADER), req.query.part));
  });
  return router;
}
