import { Router, type Request } from 'express';
import { isActiveLink } from '../../recording/share-links';
import type { ShareLink } from '../../recording/store/share-link-store';
import type { ApiDeps } from '../api-deps';
import { authenticate, currentUser } from '../authenticate';

/** A share link in JSON, as listed (never with its token). */
export function shareLinkJson(link: ShareLink, now = new Date()) {
  return {
    id: link.id,
    created_at: link.createdAt.toISOString(),
    expires_at: link.expiresAt.toISOString(),
    revoked_at: link.revokedAt ? link.revokedAt.toISOString() : null,
    is_active: isActiveLink(link, now),
    created_by: link.createdBy,
  };
}

/** POST/GET /api/v1.0/recordings/{id}/share-links/ and DELETE .../share-links/{link id}/ (recording owner/admin). */
export function shareLinksRouter({ verifier, shareLinks }: Pick<ApiDeps, 'verifier' | 'shareLinks'>): Router {
  const router = Router();
  const auth = authenticate(verifier);

  router.post('/api/v1.0/recordings/:id/share-links', auth, async (req: Request, res) => {
    const { link, url } = await shareLinks.create(currentUser(res), String(req.params.id), req.body);
    res.set('Cache-Control', 'no-store');
    res.status(201).json({ id: link.id, url, expires_at: link.expiresAt.toISOString(), created_at: link.createdAt.toISOString() });
  });

  router.get('/api/v1.0/recordings/:id/share-links', auth, async (req: Request, res) => {
    const links = await shareLinks.list(currentUser(res), String(req.params.id));
    res.json({ results: links.map((link) => shareLinkJson(link)) });
  });

  router.delete('/api/v1.0/recordings/:id/share-links/:link_id', auth, async (req: Request, res) => {
    await shareLinks.revoke(currentUser(res), String(req.params.id), String(req.params.link_id));
    res.status(204).end();
  });

  return router;
}
