import { startRecordingBody } from '../../recording/start-request';
import { recordingBody } from '../openapi/response-schemas';
import { type Operation, err, roomManagerChange, roomRecordingAction } from '../openapi/operation';

/** Starting and stopping a room's recording (roomsRouter). */
export const roomsOperations: Operation[] = [
  roomManagerChange('post', 'start-recording', 'startRecording', 'recordings', 'Start recording a room (room owner or administrator).', startRecordingBody, {
    201: { description: 'The recording, active; or queued when no recorder is free and RECORDING_START_QUEUE_SECONDS lets it wait for one.', schema: recordingBody },
    400: err('Bad body, unknown mode, invalid room name, or options.permanent while RECORDING_ALLOW_PERMANENT is off.'),
    409: err('A recording is already queued, initiated or active in this room.'),
    502: err('The worker failed, or the recording did not end active (its worker job is then stopped); the recording is kept as failed_to_start.'),
  }),
  roomRecordingAction(
    'stop-recording', 'stopRecording', "Stop the room's active recording.", 'The recording, stopped or aborted (a queued one is cancelled: aborted).',
    {
      404: err('No active recording in this room.'),
      409: err('The queued recording is being handed to a recorder at this moment; stop it again in a moment.'),
      502: err('The worker failed; the recording is kept as failed_to_stop.'),
    },
  ),
];
