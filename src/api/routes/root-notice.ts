import { Router } from 'express';

/**
 * `GET /` outside development mode: a 404 that says where the API is (the start page of
 * development mode never exists here).
 */
export function rootNoticeRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.status(404).json({ detail: 'Not found. This service answers under /api/v1.0/ (described at /api/v1.0/openapi.json).' });
  });
  return router;
}
