import { z } from 'zod';
import { bulkIdsBody } from '../../recording/library/bulk-request';
import { type Operation, err, html, redirect, pageForm, USER_TOKEN_REFUSED } from '../openapi/operation';

export const bulkDeleteAnswer = z.object({
  deleted: z.array(z.string()),
  refused: z.array(z.object({ id: z.string(), detail: z.string() })),
});

export const archiveLinkAnswer = z.object({ url: z.string(), expires_at: z.iso.datetime() });

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
  {
    method: 'post', path: '/api/v1.0/recordings/archive-link/', id: 'createArchiveLink', tag: 'recordings', security: ['user'],
    summary: "A short-lived link to one ZIP of up to 100 of the caller's downloadable recordings (a folder per recording: its files and artifacts).",
    body: bulkIdsBody,
    responses: {
      200: { description: 'The link.', schema: archiveLinkAnswer },
      400: err('Bad body, or an id that is not a downloadable recording of the caller.'),
      ...USER_TOKEN_REFUSED,
      503: err('The object storage is not configured.'),
    },
  },
  {
    method: 'get', path: '/api/v1.0/recordings/archive/', id: 'downloadArchive', tag: 'recordings', security: ['none'],
    query: z.object({ token: z.string().describe('The archive-link token.') }),
    summary: 'The ZIP, streamed as it is read from storage; recordings deleted, expired or no longer allowed since the link was made are listed in MISSING.txt instead.',
    responses: {
      200: { description: 'The ZIP.', schema: null, contentType: 'application/zip' },
      403: err('Invalid or expired link.'),
      503: err('The object storage is not configured.'),
    },
  },
  {
    method: 'get', path: '/recordings', id: 'libraryPage', tag: 'pages', security: ['pageSession', 'user', 'none'],
    summary: "The library (HTML, in the Accept-Language language): the viewer's recordings with the list's filters (room, q, status, created_after, created_before; empty fields ignored), paging, and bulk delete and ZIP download. Credentials: an OIDC session cookie, or a host-app JWT the page's script reads from #access_token= and sends as a bearer.",
    responses: { 200: html('The page.'), 400: html('A filter is not valid: the page says which.'), 401: html('No credential: a sign-in link (OIDC) or an explanation.') },
  },
  {
    method: 'post', path: '/recordings/bulk', id: 'libraryBulkForm', tag: 'pages', security: ['pageSession'],
    summary: "The library's bulk form (signed-in, CSRF token): action zip (a redirect to the ZIP), delete (the confirmation), delete-confirmed (deletes, then the list with what happened) or cancel.",
    body: pageForm({ ids: z.union([z.string(), z.array(z.string())]).optional(), action: z.enum(['zip', 'delete', 'delete-confirmed', 'cancel']) }),
    bodyContentType: 'application/x-www-form-urlencoded',
    responses: {
      200: html('The confirmation, or the list after the deletion.'),
      303: redirect('To the ZIP (zip), or back to the list (cancel, or a bad CSRF token).'),
      400: html('Nothing selected, or a recording that cannot go in a ZIP.'),
      401: html('Not signed in.'),
      409: html('The action was refused.'),
    },
  },
];
