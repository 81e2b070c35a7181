import { livekitWebhookBody, messageBody } from '../openapi/response-schemas';
import { type Operation, err } from '../openapi/operation';

/** LiveKit's webhook (livekitWebhookRouter). */
export const livekitWebhookOperations: Operation[] = [
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-livekit/', id: 'livekitWebhook', tag: 'events', security: ['livekitSignature'],
    summary: 'LiveKit webhook (egress and room events), signed by LiveKit.', body: livekitWebhookBody, bodyContentType: 'application/webhook+json',
    responses: {
      200: { description: 'Accepted.', schema: messageBody },
      400: err('Malformed event behind a valid signature.'),
      401: err('Missing or invalid signature.'),
      429: err('Too many requests from this address.'),
    },
  },
];
