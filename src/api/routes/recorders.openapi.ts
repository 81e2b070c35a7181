import { z } from 'zod';
import { err, type Operation } from '../openapi/operation';

const recorder = z.object({
  kind: z.string(),
  id: z.string(),
  state: z.enum(['idle', 'busy', 'draining', 'unreachable']),
  recording: z.string().nullable(),
  last_seen_at: z.string().nullable(),
});
const OPERATOR_REFUSED = { 401: err('No or wrong operator token.') };
const ABSENT = 'Only when OPERATOR_TOKEN is set; otherwise the route does not exist (404).';

/** The recorders API for operators (recordersRouter). */
export const recordersOperations: Operation[] = [
  {
    method: 'get', path: '/api/v1.0/recorders/', id: 'listRecorders', tag: 'operations', security: ['operatorToken'],
    summary: `Queued starts per worker kind and every Jibri with its state. ${ABSENT}`,
    responses: {
      200: { description: 'The queue lengths and the recorders.', schema: z.object({ queued: z.record(z.string(), z.number().int()), results: z.array(recorder) }) },
      ...OPERATOR_REFUSED,
    },
  },
  {
    method: 'post', path: '/api/v1.0/recorders/{id}/drain/', id: 'drainRecorder', tag: 'operations', security: ['operatorToken'],
    summary: `Take a Jibri out of new starts (the one it records goes on). ${ABSENT}`,
    responses: { 200: { description: 'The recorder, draining.', schema: recorder }, ...OPERATOR_REFUSED, 404: err('No recorder with this id.') },
  },
  {
    method: 'delete', path: '/api/v1.0/recorders/{id}/drain/', id: 'undrainRecorder', tag: 'operations', security: ['operatorToken'],
    summary: `Put a drained Jibri back into new starts. ${ABSENT}`,
    responses: { 200: { description: 'The recorder, back in the pool.', schema: recorder }, ...OPERATOR_REFUSED, 404: err('No recorder with this id.') },
  },
];
