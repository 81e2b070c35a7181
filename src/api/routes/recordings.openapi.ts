import { permanenceBody } from '../../recording/retention/permanence';
import { recordingBody, recordingPage } from '../openapi/response-schemas';
import { recordingListQuery } from '../recording-list-query';
import { type Operation, err, RECORDING_PATH, USER_TOKEN_REFUSED, NOT_THE_CALLERS } from '../openapi/operation';

/** The caller's recordings (recordingsRouter). */
export const recordingsOperations: Operation[] = [
  {
    method: 'get', path: '/api/v1.0/recordings/', id: 'listRecordings', tag: 'recordings', security: ['user'], query: recordingListQuery,
    summary: "The caller's recordings, newest first, filtered by the query; the paging links keep the filters.",
    responses: { 200: { description: 'A page of recordings.', schema: recordingPage }, 400: err('An unknown query parameter, or a bad or repeated value.'), ...USER_TOKEN_REFUSED },
  },
  {
    method: 'get', path: `${RECORDING_PATH}/`, id: 'getRecording', tag: 'recordings', security: ['user'],
    summary: 'One recording (its owner or administrator only).',
    responses: { 200: { description: 'The recording.', schema: recordingBody }, ...USER_TOKEN_REFUSED, ...NOT_THE_CALLERS },
  },
  {
    method: 'patch', path: `${RECORDING_PATH}/`, id: 'updateRecording', tag: 'recordings', security: ['user'],
    summary: 'Make a recording permanent (it never expires, its files are never deleted by expiry) or not (its owner or administrator).',
    body: permanenceBody,
    responses: {
      200: { description: 'The recording.', schema: recordingBody },
      400: err('Bad body: expected {"is_permanent": true|false}.'),
      ...USER_TOKEN_REFUSED,
      403: err('RECORDING_ALLOW_PERMANENT is off.'),
      ...NOT_THE_CALLERS,
      409: err('Its files were already removed at expiry: it can no longer be made permanent.'),
      503: err('The object storage refused to take the files out of expiry; nothing changed.'),
    },
  },
  {
    method: 'delete', path: `${RECORDING_PATH}/`, id: 'deleteRecording', tag: 'recordings', security: ['user'],
    summary: 'Delete a recording in a final status and its object in storage.',
    responses: {
      204: { description: 'Deleted.', schema: null },
      ...USER_TOKEN_REFUSED,
      403: err('Not in a final status.'),
      ...NOT_THE_CALLERS,
      409: err('Its stop had failed and its recorder may still run: it was stopped now (delete again once saved), or could not be stopped or reached.'),
      503: err('The object storage is unavailable; nothing was deleted.'),
    },
  },
];
