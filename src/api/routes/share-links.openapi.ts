import { createShareLinkBody } from '../../recording/share-links';
import { shareLinkCreatedBody, shareLinkList } from '../openapi/response-schemas';
import { type Operation, err, RECORDING_PATH, USER_TOKEN_REFUSED, NOT_THE_CALLERS } from '../openapi/operation';

/** A recording's share links (shareLinksRouter). */
export const shareLinksOperations: Operation[] = [
  {
    method: 'post', path: `${RECORDING_PATH}/share-links/`, id: 'createShareLink', tag: 'share links', security: ['user'],
    summary: 'A share link for a downloadable recording: its url (shown only here) opens the recording page and its files until it expires or is revoked. expires_in_days defaults to SHARE_LINK_DEFAULT_DAYS, at most SHARE_LINK_MAX_DAYS, never past the recording\'s own expiry.',
    body: createShareLinkBody,
    responses: {
      201: { description: 'The link, with its token in url.', schema: shareLinkCreatedBody },
      400: err('Bad body, or expires_in_days out of bounds.'),
      ...USER_TOKEN_REFUSED,
      403: err('Not downloadable (not saved, or expired).'),
      ...NOT_THE_CALLERS,
      409: err('The recording already has SHARE_LINK_MAX_PER_RECORDING active links.'),
    },
  },
  {
    method: 'get', path: `${RECORDING_PATH}/share-links/`, id: 'listShareLinks', tag: 'share links', security: ['user'],
    summary: "The recording's share links, newest first, revoked and expired ones included; never their tokens.",
    responses: { 200: { description: 'The links.', schema: shareLinkList }, ...USER_TOKEN_REFUSED, ...NOT_THE_CALLERS },
  },
  {
    method: 'delete', path: `${RECORDING_PATH}/share-links/{link_id}/`, id: 'revokeShareLink', tag: 'share links', security: ['user'],
    summary: 'Revoke a share link: it stops working at once (page and media). Revoking twice is fine.',
    responses: { 204: { description: 'Revoked.', schema: null }, ...USER_TOKEN_REFUSED, 404: err('Unknown recording or link, or not the caller\'s.') },
  },
];
