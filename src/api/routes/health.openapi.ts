import { healthBody, readyBody } from '../openapi/response-schemas';
import type { Operation } from '../openapi/operation';

/** Liveness and readiness (healthRouter). */
export const healthOperations: Operation[] = [
  {
    method: 'get', path: '/health', id: 'health', tag: 'operations', security: ['none'], summary: 'Liveness.',
    responses: { 200: { description: 'Alive.', schema: healthBody } },
  },
  {
    method: 'get', path: '/ready', id: 'ready', tag: 'operations', security: ['none'], summary: 'Readiness: database and storage answer.',
    responses: { 200: { description: 'Ready.', schema: readyBody }, 503: { description: 'Not ready.', schema: readyBody } },
  },
];
