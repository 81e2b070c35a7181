import express, { Router, type Request, type Response } from 'express';
import type { WebhookRefusal } from '../../auth/jibri-webhook-auth';
import type { JibriStatusWebhook, StatusResult } from '../../recording/events/jibri-status';
import { rawJson } from '../raw-json';

const BASE = '/api/v1.0/rooms/webhooks-jibri';

/** The 200 answers, by outcome. */
const MESSAGES: Record<Exclude<StatusResult['outcome'], 'unauthorized' | 'malformed'>, (r: StatusResult) => string> = {
  not_configured: () => 'Jibri is not configured (JIBRI_URLS, JITSI_BASE_URL); status ignored.',
  unknown_instance: () => 'Unknown Jibri instance; status ignored.',
  recording_stopped: (r) => `Status recorded; ${r.stopped} recording(s) marked stopped.`,
  recorded: () => 'Status recorded.',
  ignored: () => 'Notification ignored.',
};

/** The 401 answers, by reason. */
const REFUSALS: Record<WebhookRefusal, string> = {
  not_configured: 'JIBRI_WEBHOOK_TOKEN is not set (nor JIBRI_WEBHOOK_PUBLIC_KEY): Jibri webhooks cannot be verified.',
  bad_token: 'Invalid or missing Jibri webhook token.',
  bad_jwt: "Invalid or missing Jibri webhook JWT: expected Jibri's RS256 token (jwt-info) as Authorization: Bearer, with the configured issuer and audience, not expired.",
  wrong_jibri: "The webhook credential belongs to another Jibri than the body's jibriId (a JWT's kid or sub, or the instance's JIBRI_WEBHOOK_TOKENS entry, must name it).",
};

function send(res: Response, result: StatusResult): void {
  if (result.outcome === 'unauthorized') {
    res.status(401).json({ detail: REFUSALS[result.refusal ?? 'bad_token'] });
  } else if (result.outcome === 'malformed') {
    res.status(400).json({ detail: 'Malformed Jibri status: expected {"jibriId", "status": {"busyStatus", "health": {"healthStatus"}}}.' });
  } else {
    res.json({ message: MESSAGES[result.outcome](result) });
  }
}

/**
 * Jibri's webhook subscriber: Jibri POSTs to `{subscriber}/v1/status`. The subscriber URL is
 * either `.../webhooks-jibri` (token as `Authorization: Bearer`, e.g. through a proxy) or
 * `.../webhooks-jibri/<JIBRI_WEBHOOK_TOKEN>` (what a stock Jibri can do); with
 * JIBRI_WEBHOOK_PUBLIC_KEY set, Jibri's signed JWT (`jwt-info`) in the Authorization header is
 * required too. `/v1/session/status` is accepted and ignored. Reads its own body, so a refused
 * request is a 401 whatever the body.
 */
export function jibriWebhookRouter(webhook: JibriStatusWebhook): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '64kb' });
  const pathToken = (req: Request) => (typeof req.params.token === 'string' ? req.params.token : undefined);
  const authorize = (req: Request) => webhook.authorize(req.get('authorization'), pathToken(req));

  const status = async (req: Request, res: Response) => {
    const checked = authorize(req);
    send(res, checked.refusal ? webhook.unauthorized(checked.refusal) : await webhook.handleStatus(rawJson(req), checked.credential));
  };
  const sessionStatus = (req: Request, res: Response) => {
    const checked = authorize(req);
    send(res, checked.refusal ? webhook.unauthorized(checked.refusal) : webhook.ignored());
  };

  router.post(`${BASE}/v1/status`, raw, status);
  router.post(`${BASE}/:token/v1/status`, raw, status);
  router.post(`${BASE}/v1/session/status`, raw, sessionStatus);
  router.post(`${BASE}/:token/v1/session/status`, raw, sessionStatus);
  return router;
}
