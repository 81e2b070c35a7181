import { Router } from 'express';
import type { ApiDeps } from '../api-deps';
import { authenticate, currentUser } from '../authenticate';

/** PUT /api/v1.0/rooms/{room}/recording-access/. */
export function roomAccessRouter({ verifier, roomAccess }: Pick<ApiDeps, 'verifier' | 'roomAccess'>): Router {
  const router = Router();
  router.put('/api/v1.0/rooms/:room/recording-access', authenticate(verifier), async (req, res) => {
    const set = await roomAccess.set(currentUser(res), String(req.params.room), req.body);
    res.json({ room: set.room, members: set.members, updated_at: set.updatedAt.toISOString() });
  });
  return router;
}
