import type { Operation } from '../openapi/operation';

/** Prometheus metrics (metricsRouter). */
export const metricsOperations: Operation[] = [
  {
    method: 'get', path: '/metrics', id: 'metrics', tag: 'operations', security: ['none'], summary: 'Prometheus metrics (text format).',
    responses: { 200: { description: 'Metrics.', schema: null, contentType: 'text/plain' } },
  },
];
