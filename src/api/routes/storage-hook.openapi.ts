import { s3EventBody } from '../../storage/events/s3-records';
import { messageBody } from '../openapi/response-schemas';
import { type Operation, err } from '../openapi/operation';

/** The bucket notification (storageHookRouter). */
export const storageHookOperations: Operation[] = [
  {
    method: 'post', path: '/api/v1.0/recordings/storage-hook/', id: 'storageHook', tag: 'events', security: ['storageToken'],
    summary: 'MinIO/S3 bucket notification (object created).', body: s3EventBody,
    responses: {
      200: { description: '"Event processed." or "Notification ignored."', schema: messageBody },
      400: err('Body too large.'),
      401: err('Bad or missing token.'),
      403: err('Malformed body or another bucket.'),
      429: err('Too many requests from this address.'),
    },
  },
];
