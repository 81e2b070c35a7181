import express, { Router } from 'express';
import type { Metrics } from '../../metrics/metrics';
import type { LivekitWebhookAdapter } from '../../recording/workers/livekit/webhook-adapter';
import { HttpError } from '../http-errors';

/**
 * POST /api/v1.0/rooms/webhooks-livekit/. LiveKit signs the exact body bytes, so this route
 * reads the raw body itself (it must not be JSON-parsed first); the LiveKit adapter verifies
 * and handles it, this maps what it did to the answer.
 */
export function livekitWebhookRouter(webhooks: LivekitWebhookAdapter, metrics: Metrics): Router {
  const router = Router();

  router.post('/api/v1.0/rooms/webhooks-livekit', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const receipt = await webhooks.receive(raw, req.get('authorization'));
    const count = (outcome: string, event?: string) => metrics.livekitEvents.inc({ event: event || 'unknown', outcome });
    switch (receipt.result) {
      case 'not_configured':
        count('not_configured');
        throw new HttpError(401, 'LiveKit is not configured: webhooks cannot be verified.');
      case 'unsigned':
        count('unauthorized');
        throw new HttpError(401, 'Missing webhook signature.');
      case 'unauthorized':
        count('unauthorized');
        throw new HttpError(401, 'Invalid webhook signature.');
      case 'malformed':
        count('malformed', receipt.event);
        throw new HttpError(400, receipt.reason === 'room_name' ? 'Malformed webhook body: a room name holds a control character.' : 'Malformed webhook body.');
      case 'handled':
        count(receipt.outcome, receipt.event);
        res.status(200).json({ message: receipt.outcome === 'updated' ? 'Event processed.' : 'Event received.' });
    }
  });
  return router;
}
