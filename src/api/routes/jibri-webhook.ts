import express, { Router, type Request, type Response } from 'express';
import type { JibriStatusWebhook, StatusResult } from '../../recording/events/jibri-status';
import { rawJson } from '../raw-json';

const BASE = '/api/v1.0/rooms/webhooks-jibri';

function send(res: Response, webhook: JibriStatusWebhook, result: StatusResult): void {
  switch (result.outcome) {
    case 'unauthorized':
      res.status(401).json({
        detail: webhook.hasToken ? 'Invalid or missing Jibri webhook token.' : 'JIBRI_WEBHOOK_TOKEN is not set: Jibri webhooks cannot be verified.',
      });
      return;
    case 'malformed':
      res.status(400).json({ detail: 'Malformed Jibri status: expected {"jibriId", "status": {"busyStatus", "health": {"healthStatus"}}}.' });
      return;
    case 'not_configured':
      res.json({ message: 'Jibri is not configured (JIBRI_URLS, JITSI_BASE_URL); status ignored.' });
      return;
    case 'unknown_instance':
      res.json({ message: 'Unknown Jibri instance; status ignored.' });
      return;
    case 'recording_stopped':
      res.json({ message: `Status recorded; ${result.stopped} recording(s) marked stopped.` });
      return;
    case 'recorded':
      res.json({ message: 'Status recorded.' });
      return;
    case 'ignored':
      res.json({ message: 'Notification ignored.' });
      return;
  }
}

/**
 * Jibri's webhook subscriber: Jibri POSTs to `{subscriber}/v1/status`. The subscriber URL is
 * either `.../webhooks-jibri` (token as `Authorization: Bearer`, e.g. through a proxy) or
 * `.../webhooks-jibri/<JIBRI_WEBHOOK_TOKEN>` (what a stock Jibri can do). `/v1/session/status`
 * is accepted and ignored. Reads its own body, so a bad token is a 401 whatever the body.
 */
export function jibriWebhookRouter(webhook: JibriStatusWebhook): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '64kb' });
  const pathToken = (req: Request) => (typeof req.params.token === 'string' ? req.params.token : undefined);
  const authorized = (req: Request) => webhook.authorize(req.get('authorization'), pathToken(req));

  const status = async (req: Request, res: Response) =>
    send(res, webhook, authorized(req) ? await webhook.handleStatus(rawJson(req)) : webhook.unauthorized());
  const sessionStatus = (req: Request, res: Response) => send(res, webhook, authorized(req) ? webhook.ignored() : webhook.unauthorized());

  router.post(`${BASE}/v1/status`, raw, status);
  router.post(`${BASE}/:token/v1/status`, raw, status);
  router.post(`${BASE}/v1/session/status`, raw, sessionStatus);
  router.post(`${BASE}/:token/v1/session/status`, raw, sessionStatus);
  return router;
}
