import express, { Router } from 'express';
import type { StorageHook } from '../../storage/events/storage-hook';

/**
 * POST /api/v1.0/recordings/storage-hook/ (MinIO bucket notifications). Parses its own body so
 * that anything unparseable is a 403 "malformed", per SPEC.md, rather than a generic 400.
 */
export function storageHookRouter(hook: StorageHook): Router {
  const router = Router();
  router.post(
    '/api/v1.0/recordings/storage-hook',
    express.raw({ type: () => true, limit: '256kb' }),
    async (req, res) => {
      const authorization = req.get('authorization');
      if (!hook.authorize(authorization)) {
        const answer = await hook.handle(authorization, undefined);
        res.status(answer.status).json(answer.body);
        return;
      }
      let body: unknown;
      try {
        body = Buffer.isBuffer(req.body) && req.body.length > 0 ? JSON.parse(req.body.toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      const answer = await hook.handle(authorization, body);
      res.status(answer.status).json(answer.body);
    },
  );
  return router;
}
