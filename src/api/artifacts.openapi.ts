import { z } from 'zod';
import { err, RECORDING_PATH, type Operation } from './openapi/operation';
import { recordingArtifactBody } from './openapi/response-schemas';

const ARTIFACT_PATH = `${RECORDING_PATH}/artifacts/{name}`;
const NAME_RULE = 'name: lower-case letters, digits and "-", then .vtt, .json, .md or .txt.';

/** Processing results on a recording (artifactsRouter). */
export const artifactsOperations: Operation[] = [
  {
    method: 'put', path: ARTIFACT_PATH, id: 'putArtifact', tag: 'artifacts', security: ['artifactToken', 'user'],
    summary: `Store an artifact (a transcript, a summary, chapters) on a saved recording whose files are kept: with recording.ready's artifact_token for that recording, or as its owner or administrator. ${NAME_RULE} The body is at most ARTIFACT_MAX_BYTES; a .vtt must parse as WebVTT and a .json as JSON. recording.artifact_ready follows.`,
    body: z.string(),
    bodyContentType: '*/*',
    responses: {
      200: { description: 'Replaced an artifact of that name.', schema: recordingArtifactBody },
      201: { description: 'Stored.', schema: recordingArtifactBody },
      400: err('A bad name (".." or "/" included), a body that is not UTF-8, a WebVTT file that does not parse (the detail names the line and why) or JSON that does not.'),
      401: err('No or invalid token.'),
      403: err('An artifact token of another recording, a share link, or a recording deleted, not saved or expired.'),
      404: err("Unknown, or not the caller's."),
      413: err('The body is larger than ARTIFACT_MAX_BYTES (refused as soon as that is known; the connection closes).'),
      415: err('Another extension, or a Content-Encoding.'),
      503: err('The object storage is unavailable or not configured.'),
    },
  },
  {
    method: 'get', path: ARTIFACT_PATH, id: 'getArtifact', tag: 'artifacts', security: ['user', 'shareToken', 'pageSession'],
    summary: "An artifact's bytes, with its content type: for the recording's owners and administrators (a user token, or the recording page's sign-in session) and share-link holders (never with an artifact token).",
    responses: {
      200: { description: 'The artifact.', schema: null, contentType: '*/*' },
      400: err('A bad name.'),
      401: err('No or invalid token.'),
      403: err('An artifact token, or a share link that does not open this recording.'),
      404: err('Unknown recording or artifact, or not the caller\'s.'),
      503: err('The object storage is unavailable or not configured.'),
    },
  },
  {
    method: 'delete', path: ARTIFACT_PATH, id: 'deleteArtifact', tag: 'artifacts', security: ['user'],
    summary: 'Remove one artifact (owners and administrators).',
    responses: {
      204: { description: 'Removed.', schema: null },
      400: err('A bad name.'),
      401: err('No or invalid token.'),
      403: err('An artifact token or a share link.'),
      404: err('Unknown recording or artifact, or not the caller\'s.'),
      503: err('The object storage is unavailable or not configured.'),
    },
  },
];
