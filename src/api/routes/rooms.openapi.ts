import { startRecordingBody } from '../../recording/start-request';
import { recordingBody } from '../openapi/response-schemas';
import { type Operation, err, ROOM_PATH, ROOM_MANAGERS_ONLY, USER_TOKEN_REFUSED, DATABASE_DOWN } from '../openapi/operation';

/** Starting and stopping a room's recording (roomsRouter). */
export const roomsOperations: Operation[] = [
  {
    method: 'post', path: `${ROOM_PATH}/start-recording/`, id: 'startRecording', tag: 'recordings', security: ['user'],
    summary: 'Start recording a room (room owner or administrator).', body: startRecordingBody,
    responses: {
      201: { description: 'The recording, active; or queued when no recorder is free and RECORDING_START_QUEUE_SECONDS lets it wait for one.', schema: recordingBody },
      400: err('Bad body, unknown mode, invalid room name, or options.permanent while RECORDING_ALLOW_PERMANENT is off.'),
      ...USER_TOKEN_REFUSED,
      403: err('The caller may not manage this room.'),
      409: err('A recording is already queued, initiated or active in this room.'),
      502: err('The worker failed, or the recording did not end active (its worker job is then stopped); the recording is kept as failed_to_start.'),
      ...DATABASE_DOWN,
    },
  },
  {
    method: 'post', path: `${ROOM_PATH}/stop-recording/`, id: 'stopRecording', tag: 'recordings', security: ['user'],
    summary: "Stop the room's active recording.",
    responses: {
      200: { description: 'The recording, stopped or aborted (a queued one is cancelled: aborted).', schema: recordingBody },
      ...ROOM_MANAGERS_ONLY,
      404: err('No active recording in this room.'),
      409: err('The queued recording is being handed to a recorder at this moment; stop it again in a moment.'),
      502: err('The worker failed; the recording is kept as failed_to_stop.'),
    },
  },
];
