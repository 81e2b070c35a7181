import type { z } from 'zod';
import { startRecordingBody } from '../../recording/start-request';
import { jibriStatusEventBody } from '../../recording/workers/jibri/jibri-api';
import { s3EventBody } from '../../storage/events/s3-records';
import {
  downloadLinkBody,
  errorBody,
  healthBody,
  livekitWebhookBody,
  messageBody,
  readyBody,
  recordingBody,
  recordingPage,
  uploadUrlBody,
} from './response-schemas';

export type Security = 'user' | 'storageToken' | 'livekitSignature' | 'jibriToken' | 'jibriUploadToken' | 'none';

export interface Operation {
  method: 'get' | 'post' | 'delete';
  /** As SPEC.md writes it (trailing slash optional in practice). */
  path: string;
  id: string;
  summary: string;
  tag: string;
  security: Security[];
  body?: z.ZodType;
  bodyContentType?: string;
  /** status -> schema of the JSON answer, or null for an answer without a JSON body. */
  responses: Record<number, { description: string; schema: z.ZodType | null; contentType?: string }>;
}

const err = (description: string) => ({ description, schema: errorBody });
const room = '/api/v1.0/rooms/{room}';
const recording = '/api/v1.0/recordings/{id}';

/** Every route the service answers, with the schemas that validate its requests and describe its answers. */
export const OPERATIONS: Operation[] = [
  {
    method: 'post', path: `${room}/start-recording/`, id: 'startRecording', tag: 'recordings', security: ['user'],
    summary: 'Start recording a room (room owner or administrator).', body: startRecordingBody,
    responses: {
      201: { description: 'The recording, active.', schema: recordingBody },
      400: err('Bad body, unknown mode or invalid room name.'),
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
    method: 'get', path: '/api/v1.0/recordings/', id: 'listRecordings', tag: 'recordings', security: ['user'],
    summary: "The caller's recordings, newest first (query: page, page_size).",
    responses: { 200: { description: 'A page of recordings.', schema: recordingPage }, 400: err('Bad page or page_size.'), 401: err('No or invalid user token.') },
  },
  {
    method: 'get', path: `${recording}/`, id: 'getRecording', tag: 'recordings', security: ['user'],
    summary: 'One recording (its owner or administrator only).',
    responses: { 200: { description: 'The recording.', schema: recordingBody }, 401: err('No or invalid user token.'), 404: err('Unknown, or not the caller\'s.') },
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
    summary: 'A short-lived link under MEDIA_URL_PREFIX whose token authorises that one file.',
    responses: {
      200: { description: 'The link.', schema: downloadLinkBody },
      401: err('No or invalid user token.'),
      403: err('Not downloadable (not saved, or expired).'),
      404: err('Unknown, or not the caller\'s.'),
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
    summary: "A pre-signed, create-only PUT URL for a Jibri recording's file (deploy/jibri/finalize.sh); the upload must send If-None-Match: *.",
    responses: {
      200: { description: 'The URL.', schema: uploadUrlBody },
      401: err('Bad or missing token.'),
      403: err('Not a Jibri recording that is active or stopped.'),
      404: err('Unknown recording.'),
      409: err("The recording's file is already in storage."),
      503: err('Storage is not configured or not answering.'),
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
