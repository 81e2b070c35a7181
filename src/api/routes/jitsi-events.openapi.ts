import { z } from 'zod';
import { JITSI_EVENT_NAMES, jitsiEventBodies, type JitsiEventPath } from '../../rooms/jitsi/event-bodies';
import { messageBody } from '../openapi/response-schemas';
import { type Operation, err, DATABASE_DOWN } from '../openapi/operation';

const SUMMARIES: Record<JitsiEventPath, [string, string]> = {
  'room/created': ['jitsiRoomCreated', 'A Jitsi room was created (a breakout room changes nothing).'],
  'room/destroyed': ['jitsiRoomDestroyed', "A Jitsi room was destroyed: the room finishes (a breakout's occupants leave it)."],
  'occupant/joined': ['jitsiOccupantJoined', 'Someone joined a Jitsi room or one of its breakout rooms.'],
  'occupant/left': ['jitsiOccupantLeft', 'Someone left a Jitsi room or one of its breakout rooms.'],
};

/**
 * Prosody's event_sync component (jitsiEventsRouter); served only with JITSI_EVENTS_TOKEN set.
 * The component retries 5xx answers, and nothing else.
 */
export const jitsiEventsOperations: Operation[] = (Object.keys(SUMMARIES) as JitsiEventPath[]).map((path) => ({
  method: 'post',
  path: `/api/v1.0/rooms/webhooks-jitsi/events/${path}`,
  id: SUMMARIES[path][0],
  tag: 'events',
  security: ['jitsiEventsToken'],
  summary: `${SUMMARIES[path][1]} Sent by Prosody's event_sync component.`,
  body: jitsiEventBodies[path].extend({ event_name: z.string().describe(`${JITSI_EVENT_NAMES[path]}; another name is ignored`) }),
  responses: {
    200: { description: 'Accepted (an event of another name is ignored).', schema: messageBody },
    400: err('Malformed body, or a room name of an unknown format (a tenant, a room JID that does not match).'),
    401: err('Missing or invalid JITSI_EVENTS_TOKEN.'),
    ...DATABASE_DOWN,
  },
}));
