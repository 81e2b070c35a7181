import { z } from 'zod';
import { permanenceBody } from '../../recording/retention/permanence';
import { createShareLinkBody } from '../../recording/share-links';
import { downloadLinkRequest } from '../../downloads/download-link';
import { startRecordingBody } from '../../recording/start-request';
import { recordingPolicyBody } from '../../rooms/policy';
import { jibriStatusEventBody } from '../../recording/workers/jibri/jibri-api';
import { s3EventBody } from '../../storage/events/s3-records';
import {
  downloadLinkBody, errorBody, healthBody, livekitWebhookBody, messageBody, readyBody,
  recordingBody, recordingPage, shareLinkCreatedBody, shareLinkList, uploadUrlBody,
} from './response-schemas';
import { policyBody, roomBody } from './room-schemas';
import { recordingListQuery } from '../recording-list-query';

export type Security = 'user' | 'storageToken' | 'livekitSignature' | 'jibriToken' | 'jibriUploadToken' | 'pageSession' | 'shareToken' | 'none';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** As SPEC.md writes it (trailing slash optional in practice). */
  path: string;
  id: string;
  summary: string;
  tag: string;
  security: Security[];
  body?: z.ZodType;
  bodyContentType?: string;
  bodyOptional?: boolean; // the body may be left out
  /** The query parameters, each a field of this object. */
  query?: z.ZodObject;
  /** status -> schema of the JSON answer, or null for an answer without a JSON body. */
  responses: Record<number, { description: string; schema: z.ZodType | null; contentType?: string }>;
}

const err = (description: string) => ({ description, schema: errorBody });
const html = (description: string) => ({ description, schema: null, contentType: 'text/html' });
const redirect = (description: string) => ({ description, schema: null });
/** The page's forms (a signed-in session; csrf is the session's token). */
const pageForm = (fields: z.ZodRawShape) => z.object({ csrf: z.string(), ...fields });
const room = '/api/v1.0/rooms/{room}';
const recording = '/api/v1.0/recordings/{id}';

/** Every route the service answers, with the schemas that validate its requests and describe its answers. */
export const OPERATIONS: Operation[] = [
  {
    method: 'post', path: `${room}/start-recording/`, id: 'startRecording', tag: 'recordings', security: ['user'],
    summary: 'Start recording a room (room owner or administrator).', body: startRecordingBody,
    responses: {
      201: { description: 'The recording, active.', schema: recordingBody },
      400: err('Bad body, unknown mode, invalid room name, or options.permanent while RECORDING_ALLOW_PERMANENT is off.'),
      401: err('No or invalid user token.'),
      403: err('The caller may not manage this room.'),
      409: err('A recording is already initiated or active in this room.'),
      502: err('The worker failed, or the recording did not end active (its worker job is then stopped); the recording is kept as failed_to_start.'),
      503: err('The database is unavailable.'),
    },
  },
  {
    method: 'post', path: `${room}/stop-recording/`, id: 'stopRecording', tag: 'recordings', security: ['user'],
    summary: "Stop the room's active recording.",
    responses: {
      200: { description: 'The recording, stopped or aborted.', schema: recordingBody },
      400: err('Invalid room name.'),
      401: err('No or invalid user token.'),
      403: err('The caller may not manage this room.'),
      404: err('No active recording in this room.'),
      502: err('The worker failed; the recording is kept as failed_to_stop.'),
    },
  },
  {
    method: 'get', path: `${room}/`, id: 'getRoom', tag: 'rooms', security: ['user'],
    summary: 'The room: whether it is live, its participants (people only), its live recording and its recording policy (any room role, members included).',
    responses: {
      200: { description: 'The room.', schema: roomBody },
      400: err('Invalid room name.'),
      401: err('No or invalid user token.'),
      403: err('The caller has no role in this room.'),
      503: err('The database is unavailable.'),
    },
  },
  {
    method: 'put', path: `${room}/recording-policy/`, id: 'putRecordingPolicy', tag: 'rooms', security: ['user'],
    summary: "Set the room's recording policy (owner or administrator); the caller owns the recordings it starts.", body: recordingPolicyBody,
    responses: {
      200: { description: 'The policy.', schema: policyBody },
      400: err('Bad body: unknown trigger or mode, an option the mode does not take, a Jibri mode.'),
      401: err('No or invalid user token.'),
      403: err('The caller may not manage this room.'),
      503: err('The database is unavailable.'),
    },
  },
  {
    method: 'delete', path: `${room}/recording-policy/`, id: 'deleteRecordingPolicy', tag: 'rooms', security: ['user'],
    summary: "Remove the room's recording policy: the trigger is back to none.",
    responses: {
      204: { description: 'Removed (or there was none).', schema: null },
      400: err('Invalid room name.'),
      401: err('No or invalid user token.'),
      403: err('The caller may not manage this room.'),
    },
  },
  {
    method: 'get', path: '/api/v1.0/recordings/', id: 'listRecordings', tag: 'recordings', security: ['user'], query: recordingListQuery,
    summary: "The caller's recordings, newest first, filtered by the query; the paging links keep the filters.",
    responses: { 200: { description: 'A page of recordings.', schema: recordingPage }, 400: err('An unknown query parameter, or a bad or repeated value.'), 401: err('No or invalid user token.') },
  },
  {
    method: 'get', path: `${recording}/`, id: 'getRecording', tag: 'recordings', security: ['user'],
    summary: 'One recording (its owner or administrator only).',
    responses: { 200: { description: 'The recording.', schema: recordingBody }, 401: err('No or invalid user token.'), 404: err('Unknown, or not the caller\'s.') },
  },
  {
    method: 'patch', path: `${recording}/`, id: 'updateRecording', tag: 'recordings', security: ['user'],
    summary: 'Make a recording permanent (it never expires, its files are never deleted by expiry) or not (its owner or administrator).',
    body: permanenceBody,
    responses: {
      200: { description: 'The recording.', schema: recordingBody },
      400: err('Bad body: expected {"is_permanent": true|false}.'),
      401: err('No or invalid user token.'),
      403: err('RECORDING_ALLOW_PERMANENT is off.'),
      404: err('Unknown, or not the caller\'s.'),
      409: err('Its files were already removed at expiry: it can no longer be made permanent.'),
      503: err('The object storage refused to take the files out of expiry; nothing changed.'),
    },
  },
  {
    method: 'delete', path: `${recording}/`, id: 'deleteRecording', tag: 'recordings', security: ['user'],
    summary: 'Delete a recording in a final status and its object in storage.',
    responses: {
      204: { description: 'Deleted.', schema: null },
      401: err('No or invalid user token.'),
      403: err('Not in a final status.'),
      404: err('Unknown, or not the caller\'s.'),
      409: err('Its stop had failed and its recorder may still run: it was stopped now (delete again once saved), or could not be stopped or reached.'),
      503: err('The object storage is unavailable; nothing was deleted.'),
    },
  },
  {
    method: 'post', path: `${recording}/download-link/`, id: 'createDownloadLink', tag: 'downloads', security: ['user'],
    summary: "A short-lived link under MEDIA_URL_PREFIX whose token authorises that one file: the composite, or the file of `files` whose `key` the body names.",
    body: downloadLinkRequest, bodyOptional: true,
    responses: {
      200: { description: 'The link.', schema: downloadLinkBody },
      400: err('Malformed body.'),
      401: err('No or invalid user token.'),
      403: err('Not downloadable (not saved, or expired; or that track file is not saved).'),
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
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-livekit/', id: 'livekitWebhook', tag: 'events', security: ['livekitSignature'],
    summary: 'LiveKit webhook (egress and room events), signed by LiveKit.', body: livekitWebhookBody, bodyContentType: 'application/webhook+json',
    responses: {
      200: { description: 'Accepted.', schema: messageBody },
      400: err('Malformed event behind a valid signature.'),
      401: err('Missing or invalid signature.'),
      429: err('Too many requests from this address.'),
    },
  },
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-jibri/v1/status', id: 'jibriStatus', tag: 'events', security: ['jibriToken'],
    summary: "Jibri's status webhook (subscriber .../webhooks-jibri).", body: jibriStatusEventBody,
    responses: { 200: { description: 'Accepted.', schema: messageBody }, 400: err('Malformed status.'), 401: err('Bad or missing token or JWT.'), 429: err('Too many requests.') },
  },
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-jibri/{token}/v1/status', id: 'jibriStatusPathToken', tag: 'events', security: ['none'],
    summary: "Jibri's status webhook with JIBRI_WEBHOOK_TOKEN in the subscriber URL (what a stock Jibri can send); with JIBRI_WEBHOOK_PUBLIC_KEY set, also Jibri's JWT as Authorization: Bearer.", body: jibriStatusEventBody,
    responses: { 200: { description: 'Accepted.', schema: messageBody }, 400: err('Malformed status.'), 401: err('Bad token, or bad or missing JWT.'), 429: err('Too many requests.') },
  },
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-jibri/v1/session/status', id: 'jibriSessionStatus', tag: 'events', security: ['jibriToken'],
    summary: 'Newer Jibri session events: accepted and ignored.',
    responses: { 200: { description: 'Ignored.', schema: messageBody }, 401: err('Bad or missing token or JWT.') },
  },
  {
    method: 'post', path: '/api/v1.0/rooms/webhooks-jibri/{token}/v1/session/status', id: 'jibriSessionStatusPathToken', tag: 'events', security: ['none'],
    summary: 'Newer Jibri session events (token in the URL): accepted and ignored.',
    responses: { 200: { description: 'Ignored.', schema: messageBody }, 401: err('Bad token, or bad or missing JWT.') },
  },
  {
    method: 'post', path: `${recording}/upload-url/`, id: 'jibriUploadUrl', tag: 'events', security: ['jibriUploadToken'],
    summary: "A pre-signed, create-only PUT URL for a Jibri recording's file (deploy/jibri/finalize.sh); the upload must send If-None-Match: *. Besides the token, the X-Recorder-Upload-Capability header must carry the recording's own upload capability, which the service handed its Jibri at start.",
    responses: {
      200: { description: 'The URL.', schema: uploadUrlBody },
      400: err('A body that cannot be decoded (corrupt Content-Encoding) or parsed.'),
      401: err('Bad or missing token.'),
      403: err("Missing or wrong upload capability for this recording (logged as an alert), not a Jibri recording, or not stopped (saved, failed, aborted)."),
      404: err('Unknown recording.'),
      409: err("The recording's file is already in storage, or its one upload URL was already issued (logged as an alert); the recording is kept unsaved."),
      425: err('The recording still runs on its Jibri: asked again once it stopped.'),
      503: err('Storage is not configured or not answering.'),
    },
  },
  {
    method: 'post', path: `${recording}/share-links/`, id: 'createShareLink', tag: 'share links', security: ['user'],
    summary: 'A share link for a downloadable recording: its url (shown only here) opens the recording page and its files until it expires or is revoked. expires_in_days defaults to SHARE_LINK_DEFAULT_DAYS, at most SHARE_LINK_MAX_DAYS, never past the recording\'s own expiry.',
    body: createShareLinkBody,
    responses: {
      201: { description: 'The link, with its token in url.', schema: shareLinkCreatedBody },
      400: err('Bad body, or expires_in_days out of bounds.'),
      401: err('No or invalid user token.'),
      403: err('Not downloadable (not saved, or expired).'),
      404: err('Unknown, or not the caller\'s.'),
      409: err('The recording already has SHARE_LINK_MAX_PER_RECORDING active links.'),
    },
  },
  {
    method: 'get', path: `${recording}/share-links/`, id: 'listShareLinks', tag: 'share links', security: ['user'],
    summary: "The recording's share links, newest first, revoked and expired ones included; never their tokens.",
    responses: { 200: { description: 'The links.', schema: shareLinkList }, 401: err('No or invalid user token.'), 404: err('Unknown, or not the caller\'s.') },
  },
  {
    method: 'delete', path: `${recording}/share-links/{link_id}/`, id: 'revokeShareLink', tag: 'share links', security: ['user'],
    summary: 'Revoke a share link: it stops working at once (page and media). Revoking twice is fine.',
    responses: { 204: { description: 'Revoked.', schema: null }, 401: err('No or invalid user token.'), 404: err('Unknown recording or link, or not the caller\'s.') },
  },
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
  {
    method: 'post', path: '/recordings/{id}/share-links', id: 'pageCreateShareLink', tag: 'pages', security: ['pageSession'],
    summary: 'The page\'s share-link form (signed-in owner/admin, CSRF token): the page with the new link, shown once.',
    body: pageForm({ expires_in_days: z.string().optional() }), bodyContentType: 'application/x-www-form-urlencoded',
    responses: {
      201: html('The page with the new link.'),
      400: html('Days out of bounds.'),
      401: html('Not signed in.'),
      403: html('Bad CSRF token, cross-site post, no access or not downloadable.'),
      404: html('Unknown recording.'),
    },
  },
  {
    method: 'post', path: '/recordings/{id}/share-links/{link_id}/revoke', id: 'pageRevokeShareLink', tag: 'pages', security: ['pageSession'],
    summary: "The page's revoke button (signed-in owner/admin, CSRF token).",
    body: pageForm({}), bodyContentType: 'application/x-www-form-urlencoded',
    responses: {
      303: redirect('Back to the page.'),
      401: html('Not signed in.'),
      403: html('Bad CSRF token or cross-site post.'),
      404: html('Unknown recording or link, or no access.'),
    },
  },
  {
    method: 'post', path: '/recordings/{id}/delete', id: 'pageDeleteRecording', tag: 'pages', security: ['pageSession'],
    summary: "The page's delete confirmation (signed-in owner/admin, CSRF token).",
    body: pageForm({}), bodyContentType: 'application/x-www-form-urlencoded',
    responses: {
      200: html('Deleted.'),
      400: err('A form body that cannot be decoded (corrupt Content-Encoding).'),
      401: html('Not signed in.'),
      403: html('Bad CSRF token, cross-site post, or not in a final status.'),
      404: html('Unknown recording, or no access.'),
      409: html('Its recorder may still run (see DELETE /api/v1.0/recordings/{id}/).'),
      503: html('The object storage is unavailable; nothing was deleted.'),
    },
  },
  {
    method: 'get', path: '/auth/oidc/login', id: 'oidcLogin', tag: 'pages', security: ['none'],
    summary: 'Sign in with OpenID Connect (code flow + PKCE) to come back to next=/recordings/{id}.',
    responses: {
      303: redirect("To the provider's authorization endpoint."),
      400: html('next is not a recording page.'),
      404: html('OIDC is not configured.'),
      503: html('The provider does not answer.'),
    },
  },
  {
    method: 'get', path: '/auth/oidc/callback', id: 'oidcCallback', tag: 'pages', security: ['none'],
    summary: "The provider's redirect back: state, nonce and PKCE checked, then a session cookie (HttpOnly, SameSite=Lax, Secure behind https).",
    responses: {
      303: redirect('Signed in: to the recording page.'),
      400: html('Not the answer to a login in progress, or refused.'),
      404: html('OIDC is not configured.'),
      503: html('The provider does not answer.'),
    },
  },
  {
    method: 'post', path: '/auth/logout', id: 'logout', tag: 'pages', security: ['pageSession', 'none'],
    summary: 'Sign out of the recording page (CSRF token).',
    body: z.object({ csrf: z.string().optional(), next: z.string().optional() }), bodyContentType: 'application/x-www-form-urlencoded',
    responses: {
      200: html('Signed out.'), 303: redirect('Signed out: back to next.'),
      400: err('A form body that cannot be decoded (corrupt Content-Encoding).'), 403: html('Bad CSRF token or cross-site post.'),
    },
  },
  {
    method: 'get', path: '/health', id: 'health', tag: 'operations', security: ['none'], summary: 'Liveness.',
    responses: { 200: { description: 'Alive.', schema: healthBody } },
  },
  {
    method: 'get', path: '/ready', id: 'ready', tag: 'operations', security: ['none'], summary: 'Readiness: database and storage answer.',
    responses: { 200: { description: 'Ready.', schema: readyBody }, 503: { description: 'Not ready.', schema: readyBody } },
  },
  {
    method: 'get', path: '/metrics', id: 'metrics', tag: 'operations', security: ['none'], summary: 'Prometheus metrics (text format).',
    responses: { 200: { description: 'Metrics.', schema: null, contentType: 'text/plain' } },
  },
  {
    method: 'get', path: '/api/v1.0/openapi.json', id: 'openapi', tag: 'operations', security: ['none'], summary: 'This document.',
    responses: { 200: { description: 'OpenAPI 3.1 document.', schema: null, contentType: 'application/json' } },
  },
];
