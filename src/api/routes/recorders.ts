import { Router, type NextFunction, type Request, type Response } from 'express';
import { bearerOf, presentsToken } from '../../auth/shared-secret';
import type { RecorderEntry, Recorders } from '../../recording/recorders';

/** A recorder as the API shows it. */
function recorderJson(r: RecorderEntry) {
  return { kind: r.kind, id: r.id, state: r.state, recording: r.recording, last_seen_at: r.lastSeenAt ? r.lastSeenAt.toISOString() : null };
}

/**
 * The recorders API for operators, behind the bearer OPERATOR_TOKEN (constant-time compare):
 * queued starts per kind, every Jibri's state, drain (out of new starts) and undrain. Absent
 * when the token is unset: the routes are not mounted at all.
 */
export function recordersRouter(recorders: Recorders, operatorToken: string | undefined): Router {
  const router = Router();
  if (!operatorToken) return router;
  const operatorOnly = (req: Request, res: Response, next: NextFunction) => {
    if (presentsToken(operatorToken, bearerOf(req.headers.authorization))) return next();
    res.set('WWW-Authenticate', 'Bearer').status(401).json({ detail: 'The operator token (Authorization: Bearer OPERATOR_TOKEN) is missing or wrong.' });
  };
  router.get(['/api/v1.0/recorders', '/api/v1.0/recorders/'], operatorOnly, async (_req, res) => {
    const { queued, results } = await recorders.overview();
    res.json({ queued, results: results.map(recorderJson) });
  });
  const drain = (drained: boolean) => async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const changed = await recorders.drain(id, drained);
    if (!changed) return void res.status(404).json({ detail: 'No recorder with this id.' });
    res.json(recorderJson(changed));
  };
  const path = ['/api/v1.0/recorders/:id/drain', '/api/v1.0/recorders/:id/drain/'];
  router.post(path, operatorOnly, drain(true));
  router.delete(path, operatorOnly, drain(false));
  return router;
}
