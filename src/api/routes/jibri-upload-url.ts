import express, { Router } from 'express';
import type { JibriUploadUrls } from '../../recording/jibri-endpoints/upload-url';

/**
 * POST /api/v1.0/recordings/{id}/upload-url/ (deploy/jibri/finalize.sh). The body (`{}`) is
 * not used; it is read raw so that nothing in it can turn a bad token into anything but 401.
 */
export function jibriUploadUrlRouter(uploads: JibriUploadUrls): Router {
  const router = Router();
  router.post('/api/v1.0/recordings/:id/upload-url', express.raw({ type: () => true, limit: '16kb' }), async (req, res) => {
    const answer = await uploads.issue(String(req.params.id), req.get('authorization'));
    res.status(answer.status).json(answer.body);
  });
  return router;
}
