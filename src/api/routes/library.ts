import { Router } from 'express';
import { bulkDelete } from '../../recording/library/bulk-delete';
import type { ApiDeps } from '../api-deps';
import { authenticate, currentUser } from '../authenticate';

/** POST /api/v1.0/recordings/bulk-delete/: several of the caller's recordings at once. */
export function libraryRouter({ verifier, recordings }: Pick<ApiDeps, 'verifier' | 'recordings'>): Router {
  const router = Router();
  const auth = authenticate(verifier);

  router.post('/api/v1.0/recordings/bulk-delete', auth, async (req, res) => {
    res.json(await bulkDelete(recordings, currentUser(res), req.body));
  });

  return router;
}
