import express, { Router, type Request, type Response } from 'express';
import { bearerOf, presentsToken } from '../../auth/shared-secret';
import type { Metrics } from '../../metrics/metrics';
import type { JitsiEventPath } from '../../rooms/jitsi/event-bodies';
import type { JitsiRoomEvents } from '../../rooms/jitsi/jitsi-room-events';
import { rawJson } from '../raw-json';

export const JITSI_EVENTS_BASE = '/api/v1.0/rooms/webhooks-jitsi/events';
const PATHS: JitsiEventPath[] = ['room/created', 'room/destroyed', 'occupant/joined', 'occupant/left'];

/**
 * Prosody's event_sync component: `api_prefix` is `.../rooms/webhooks-jitsi`, and
 * `api_headers` carries `Authorization: Bearer {JITSI_EVENTS_TOKEN}`. It retries on 5xx only,
 * so bad input is a 4xx and an event it need not send again is a 200. Reads its own body: a
 * refused request is a 401 whatever it holds.
 */
export function jitsiEventsRouter(events: JitsiRoomEvents, token: string, metrics: Metrics): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '256kb' });
  for (const path of PATHS) {
    // The path, not the body's event_name: the label takes only these four values.
    const count = (outcome: string) => metrics.jitsiEvents.inc({ event: path, outcome });
    router.post(`${JITSI_EVENTS_BASE}/${path}`, raw, async (req: Request, res: Response) => {
      if (!presentsToken(token, bearerOf(req.get('authorization')))) {
        count('unauthorized');
        res.status(401).json({ detail: 'Invalid or missing JITSI_EVENTS_TOKEN (Authorization: Bearer).' });
        return;
      }
      const receipt = await events.receive(path, rawJson(req));
      count(receipt.result === 'malformed' ? 'malformed' : receipt.outcome);
      if (receipt.result === 'malformed') {
        res.status(400).json({ detail: `Malformed event_sync body: ${receipt.detail}` });
        return;
      }
      res.status(200).json({ message: receipt.outcome === 'updated' ? 'Event processed.' : receipt.outcome === 'ignored' ? 'Event ignored.' : 'Event received.' });
    });
  }
  return router;
}
