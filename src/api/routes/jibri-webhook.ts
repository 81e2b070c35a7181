import express, { Router, type Request, type Response } from 'express';
import type { JibriStatusWebhook } from '../../recording/jibri-endpoints/status-webhook';
import type { EndpointAnswer } from '../../recording/jibri-endpoints/shared-token';

const BASE = '/api/v1.0/rooms/webhooks-jibri';

/**
 * Jibri's webhook subscriber: Jibri POSTs to `{subscriber}/v1/status`. The subscriber URL is
 * either `.../webhooks-jibri` (token as `Authorization: Bearer`, e.g. through a proxy) or
 * `.../webhooks-jibri/<JIBRI_WEBHOOK_TOKEN>` (what a stock Jibri can do). `/v1/session/status`
 * is accepted and ignored. Reads its own body, so a bad token is a 401 whatever the body.
 */
export function jibriWebhookRouter(webhook: JibriStatusWebhook): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '64kb' });
  const send = (res: Response, answer: EndpointAnswer) => res.status(answer.status).json(answer.body);
  const pathToken = (req: Request) => (typeof req.params.token === 'string' ? req.params.token : undefined);

  const status = async (req: Request, res: Response) => {
    if (!webhook.authorize(req.get('authorization'), pathToken(req))) return send(res, webhook.unauthorized());
    let body: unknown;
    try {
      body = Buffer.isBuffer(req.body) && req.body.length > 0 ? JSON.parse(req.body.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    return send(res, await webhook.handleStatus(body));
  };
  const sessionStatus = (req: Request, res: Response) => {
    if (!webhook.authorize(req.get('authorization'), pathToken(req))) return send(res, webhook.unauthorized());
    return send(res, webhook.ignored());
  };

  router.post(`${BASE}/v1/status`, raw, status);
  router.post(`${BASE}/:token/v1/status`, raw, status);
  router.post(`${BASE}/v1/session/status`, raw, sessionStatus);
  router.post(`${BASE}/:token/v1/session/status`, raw, sessionStatus);
  return router;
}
