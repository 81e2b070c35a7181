import express, { Router } from 'express';
import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import type { Metrics } from '../../metrics/metrics';
import type { LivekitWebhookAdapter } from '../../recording/workers/livekit/webhook-adapter';
import { HttpError } from '../http-errors';

/**
 * POST /api/v1.0/rooms/webhooks-livekit/. LiveKit signs the exact body bytes, so this route
 * reads the raw body itself (it must not be JSON-parsed first).
 */
export function livekitWebhookRouter(
  credentials: { apiKey: string; apiSecret: string } | undefined,
  handler: LivekitWebhookAdapter,
  metrics: Metrics,
): Router {
  const router = Router();
  const receiver = credentials ? new WebhookReceiver(credentials.apiKey, credentials.apiSecret) : undefined;

  router.post('/api/v1.0/rooms/webhooks-livekit', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    if (!receiver) {
      metrics.livekitEvents.inc({ event: 'unknown', outcome: 'not_configured' });
      throw new HttpError(401, 'LiveKit is not configured: webhooks cannot be verified.');
    }
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const authorization = req.get('authorization');
    if (!authorization) {
      metrics.livekitEvents.inc({ event: 'unknown', outcome: 'unauthorized' });
      throw new HttpError(401, 'Missing webhook signature.');
    }
    let event;
    try {
      event = await receiver.receive(raw, authorization);
    } catch (err) {
      // The SDK throws for a bad signature or body hash, and also for junk after a valid signature.
      const unauthorized = isSignatureError(err);
      metrics.livekitEvents.inc({ event: 'unknown', outcome: unauthorized ? 'unauthorized' : 'malformed' });
      throw unauthorized ? new HttpError(401, 'Invalid webhook signature.') : new HttpError(400, 'Malformed webhook body.');
    }
    if (roomNamesOf(event).some((name) => CONTROL_CHARACTER.test(name))) {
      // No room is named so (PostgreSQL cannot even store a NUL): refuse it before any lookup.
      metrics.livekitEvents.inc({ event: event.event || 'unknown', outcome: 'malformed' });
      throw new HttpError(400, 'Malformed webhook body: a room name holds a control character.');
    }
    const outcome = await handler.handle(event);
    metrics.livekitEvents.inc({ event: event.event || 'unknown', outcome });
    res.status(200).json({ message: outcome === 'updated' ? 'Event processed.' : 'Event received.' });
  });
  return router;
}

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Every room name an event carries: its room, and the room of its egress or ingress. */
function roomNamesOf(event: WebhookEvent): string[] {
  return [event.room?.name, event.egressInfo?.roomName, event.ingressInfo?.roomName].filter((n): n is string => typeof n === 'string');
}

/** JWT verification errors (jose's `ERR_J...` codes) and the SDK's body-hash mismatch. */
function isSignatureError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('ERR_J')) return true;
  const message = err instanceof Error ? err.message : '';
  return message === 'sha256 checksum of body does not match' || message === 'authorization header is empty';
}
