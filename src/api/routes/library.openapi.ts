import { z } from 'zod';
import { bulkIdsBody } from '../../recording/library/bulk-request';
import { type Operation, err, USER_TOKEN_REFUSED } from '../openapi/operation';

export const bulkDeleteAnswer = z.object({
  deleted: z.array(z.string()),
  refused: z.array(z.object({ id: z.string(), detail: z.string() })),
});

/** Actions on several of the caller's recordings at once (libraryRouter). */
export const libraryOperations: Operation[] = [
  {
    method: 'post', path: '/api/v1.0/recordings/bulk-delete/', id: 'bulkDeleteRecordings', tag: 'recordings', security: ['user'],
    summary: 'Delete up to 100 recordings, each by the rules of one DELETE: the answer lists those deleted and, with the reason, those refused.',
    body: bulkIdsBody,
    responses: {
      200: { description: 'Which were deleted and which refused.', schema: bulkDeleteAnswer },
      400: err('Bad body: expected {"ids": [...]} with 1 to 100 ids.'),
      ...USER_TOKEN_REFUSED,
    },
  },
];
