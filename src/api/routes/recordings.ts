import { Router, type Request, type Response } from 'express';
import type { ApiDeps } from '../api-deps';
import { authenticate, currentUser } from '../authenticate';
import { recordingJson, serializerSettings } from '../recording-json';
import { parseRecordingListQuery } from '../recording-list-query';
import { callerNoted } from '../note-policy-authors';

/** GET /api/v1.0/recordings/ and GET/PATCH/DELETE /recordings/{id}/. */
export function recordingsRouter({ config, verifier, recordings, permanence }: Pick<ApiDeps, 'config' | 'verifier' | 'recordings' | 'permanence'>): Router {
  const router = Router();
  const auth = authenticate(verifier);
  const settings = serializerSettings(config);

  /** The list's JSON for this request (its statement runs beside the note of the caller's room roles). */
  async function listBody(req: Request, res: Response) {
    const user = currentUser(res);
    const { page, pageSize, filter, filterParams } = parseRecordingListQuery(req.query as Record<string, unknown>);
    const { count, rows } = await recordings.list(user, filter, pageSize, (page - 1) * pageSize);
    // On PUBLIC_URL, never on the request's Host header, which the caller chooses.
    const pageUrl = (n: number) => {
      const url = new URL(`${config.server.publicUrl.replace(/\/+$/, '')}/api/v1.0/recordings/`);
      url.searchParams.set('page', String(n));
      if (req.query.page_size !== undefined) url.searchParams.set('page_size', String(pageSize));
      for (const [name, value] of filterParams) url.searchParams.set(name, value);
      return url.toString();
    };
    return {
      count,
      next: page * pageSize < count ? pageUrl(page + 1) : null,
      previous: page > 1 ? pageUrl(page - 1) : null,
      results: rows.map(({ recording, role }) => recordingJson(recording, role, settings)),
    };
  }

  router.get('/api/v1.0/recordings', auth, async (req, res) => {
    const body = listBody(req, res);
    // Answered (or refused) only once the caller's room roles are noted too.
    await Promise.allSettled([body, callerNoted(res)]);
    res.json(await body);
  });

  router.get('/api/v1.0/recordings/:id', auth, async (req: Request, res) => {
    const { recording, role, notifications } = await recordings.retrieve(currentUser(res), String(req.params.id));
    res.json({ ...recordingJson(recording, role, settings), notifications });
  });

  router.patch('/api/v1.0/recordings/:id', auth, async (req: Request, res) => {
    const { recording, role } = await permanence.set(currentUser(res), String(req.params.id), req.body);
    res.json(recordingJson(recording, role, settings));
  });

  router.delete('/api/v1.0/recordings/:id', auth, async (req: Request, res) => {
    await recordings.delete(currentUser(res), String(req.params.id));
    res.status(204).end();
  });

  return router;
}
