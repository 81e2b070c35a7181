import type { Operation } from '../openapi/operation';

/** This document (openapiRouter). */
export const openapiOperations: Operation[] = [
  {
    method: 'get', path: '/api/v1.0/openapi.json', id: 'openapi', tag: 'operations', security: ['none'], summary: 'This document.',
    responses: { 200: { description: 'OpenAPI 3.1 document.', schema: null, contentType: 'application/json' } },
  },
];
