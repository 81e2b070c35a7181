import { downloadLinkRequest } from '../../downloads/download-link';
import { downloadLinkBody } from '../openapi/response-schemas';
import { type Operation, err, RECORDING_PATH, USER_TOKEN_REFUSED } from '../openapi/operation';

/** Download links and nginx's media check (downloadLinkRouter, mediaAuthHandler). */
export const downloadsOperations: Operation[] = [
  {
    method: 'post', path: `${RECORDING_PATH}/download-link/`, id: 'createDownloadLink', tag: 'downloads', security: ['user'],
    summary: "A short-lived link under MEDIA_URL_PREFIX whose token authorises that one file: the composite, or the file of `files` whose `key` the body names.",
    body: downloadLinkRequest, bodyOptional: true,
    responses: {
      200: { description: 'The link.', schema: downloadLinkBody },
      400: err('Malformed body.'),
      ...USER_TOKEN_REFUSED,
      403: err('Not downloadable (not saved, or expired; or that track file is not saved), or the caller is a room member who may only watch.'),
      404: err('Unknown, or not the caller\'s; or the recording has no file with that key.'),
      503: err('Storage is not configured.'),
    },
  },
  {
    method: 'get', path: '/api/v1.0/recordings/media-auth/', id: 'mediaAuth', tag: 'downloads', security: ['user', 'none'],
    summary: "nginx auth_request: reads X-Original-URL; answers only 200 (with signed S3 headers), 401 or 403.",
    responses: {
      200: { description: 'Allowed: Authorization, X-Amz-Date, X-Amz-Content-SHA256, X-S3-Host, X-S3-Path headers for nginx.', schema: null },
      401: err('No credentials.'),
      403: err('Anything else: wrong path, unknown id, not saved, expired, no right.'),
    },
  },
];
