import { z } from 'zod';
import { bulkIdsBody } from '../../recording/library/bulk-request';
import { type Operation, err, html, redirect, pageFormOperation, USER_TOKEN_REFUSED } from '../openapi/operation';

export const bulkDeleteAnswer = z.object({
  deleted: z.array(z.string()),
  refused: z.array(z.object({ id: z.string(), detail: z.string() })),
});

export const archiveLinkAnswer = z.object({ url: z.string(), expires_at: z.iso.datetime() });

/** A POST of {"ids": [...]}: one action on up to 100 of the caller's recordings. */
const bulkAction = (action: string, id: string, summary: string, answers: Operation['responses']): Operation => ({
  method: 'post', path: `/api/v1.0/recordings/${action}/`, id, tag: 'recordings', security: ['user'], summary, body: bulkIdsBody,
  responses: { ...USER_TOKEN_REFUSED, ...answers },
});

/** Actions on several of the caller's recordings at once (libraryRouter). */
export const libraryOperations: Operation[] = [
  bulkAction(
    'bulk-delete', 'bulkDeleteRecordings',
    'Delete up to 100 recordings, each by the rules of one DELETE: the answer lists those deleted and, with the reason, those refused.',
    { 200: { description: 'Which were deleted and which refused.', schema: bulkDeleteAnswer }, 400: err('Bad body: expected {"ids": [...]} with 1 to 100 ids.') },
  ),
  bulkAction(
    'archive-link', 'createArchiveLink',
    "A short-lived link to one ZIP of up to 100 of the caller's downloadable recordings (a folder per recording: its files and artifacts).",
    {
      200: { description: 'The link.', schema: archiveLinkAnswer },
      400: err('Bad body, or an id that is not a downloadable recording of the caller.'),
      503: err('The object storage is not configured.'),
    },
  ),
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
  pageFormOperation(
    '/recordings/bulk', 'libraryBulkForm',
    "The library's bulk form (signed-in, CSRF token): action zip (a redirect to the ZIP), delete (the confirmation), delete-confirmed (deletes, then the list with what happened) or cancel.",
    { ids: z.union([z.string(), z.array(z.string())]).optional(), action: z.enum(['zip', 'delete', 'delete-confirmed', 'cancel']) },
    {
      200: html('The confirmation, or the list after the deletion.'),
      303: redirect('To the ZIP (zip), or back to the list (cancel, or a bad CSRF token).'),
      400: html('Nothing selected, or a recording that cannot go in a ZIP.'),
      409: html('The action was refused.'),
    },
  ),
];
