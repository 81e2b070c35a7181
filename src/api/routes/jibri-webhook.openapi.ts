import { jibriStatusEventBody } from '../../recording/workers/jibri/jibri-api';
import { messageBody } from '../openapi/response-schemas';
import { type Operation, err } from '../openapi/operation';

/** Jibri's status webhooks (jibriWebhookRouter). */
export const jibriWebhookOperations: Operation[] = [
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-jibri/v1/status', id: 'jibriStatus', tag: 'events', security: ['jibriToken'],
    summary: "Jibri's status webhook (subscriber .../webhooks-jibri).", body: jibriStatusEventBody,
    responses: { 200: { description: 'Accepted.', schema: messageBody }, 400: err('Malformed status.'), 401: err('Bad or missing token or JWT.'), 429: err('Too many requests.') },
  },
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-jibri/{token}/v1/status', id: 'jibriStatusPathToken', tag: 'events', security: ['none'],
    summary: "Jibri's status webhook with JIBRI_WEBHOOK_TOKEN in the subscriber URL (what a stock Jibri can send); with JIBRI_WEBHOOK_PUBLIC_KEY set, also Jibri's JWT as Authorization: Bearer.", body: jibriStatusEventBody,
    responses: { 200: { description: 'Accepted.', schema: messageBody }, 400: err('Malformed status.'), 401: err('Bad token, or bad or missing JWT.'), 429: err('Too many requests.') },
  },
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-jibri/v1/session/status', id: 'jibriSessionStatus', tag: 'events', security: ['jibriToken'],
    summary: 'Newer Jibri session events: accepted and ignored.',
    responses: { 200: { description: 'Ignored.', schema: messageBody }, 401: err('Bad or missing token or JWT.') },
  },
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-jibri/{token}/v1/session/status', id: 'jibriSessionStatusPathToken', tag: 'events', security: ['none'],
    summary: 'Newer Jibri session events (token in the URL): accepted and ignored.',
    responses: { 200: { description: 'Ignored.', schema: messageBody }, 401: err('Bad token, or bad or missing JWT.') },
  },
];
