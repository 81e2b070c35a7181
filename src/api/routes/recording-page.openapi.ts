import { z } from 'zod';
import { type Operation, err, html, redirect, pageFormOperation } from '../openapi/operation';

/** The recording page and its forms (recordingPageRouter). */
export const recordingPageOperations: Operation[] = [
  {
    method: 'get', path: '/recordings/{id}', id: 'recordingPage', tag: 'pages', security: ['shareToken', 'pageSession', 'user', 'none'],
    summary: 'The recording page (HTML, in the Accept-Language language): player, download, track files; share links and deletion for owners and administrators. Credentials: ?share=, an OIDC session cookie, or a host-app JWT that the page\'s script reads from #access_token= and sends as a bearer.',
    responses: {
      200: html('The page.'),
      401: html('No credential: a sign-in link (OIDC) or an explanation; also an invalid bearer.'),
      403: html('A revoked or expired share link, or a signed-in user without access (no room name).'),
      404: html('Unknown share token or recording (no room name).'),
    },
  },
  pageFormOperation(
    '/recordings/{id}/share-links', 'pageCreateShareLink',
    'The page\'s share-link form (signed-in owner/admin, CSRF token): the page with the new link, shown once.',
    { expires_in_days: z.string().optional() },
    {
      201: html('The page with the new link.'),
      400: html('Days out of bounds.'),
      403: html('Bad CSRF token, cross-site post, no access or not downloadable.'),
      404: html('Unknown recording.'),
    },
  ),
  pageFormOperation(
    '/recordings/{id}/share-links/{link_id}/revoke', 'pageRevokeShareLink', "The page's revoke button (signed-in owner/admin, CSRF token).", {},
    { 303: redirect('Back to the page.'), 403: html('Bad CSRF token or cross-site post.'), 404: html('Unknown recording or link, or no access.') },
  ),
  pageFormOperation('/recordings/{id}/delete', 'pageDeleteRecording', "The page's delete confirmation (signed-in owner/admin, CSRF token).", {}, {
    200: html('Deleted.'),
    400: err('A form body that cannot be decoded (corrupt Content-Encoding).'),
    403: html('Bad CSRF token, cross-site post, or not in a final status.'),
    404: html('Unknown recording, or no access.'),
    409: html('Its recorder may still run (see DELETE /api/v1.0/recordings/{id}/).'),
    503: html('The object storage is unavailable; nothing was deleted.'),
  }),
];
