import { recordingBody } from '../openapi/response-schemas';
import { type Operation, err, ROOM_PATH, ROOM_MANAGERS_ONLY } from '../openapi/operation';

/** Pausing and resuming a room's recording (pauseRouter). */
export const pauseOperations: Operation[] = [
  {
    method: 'post', path: `${ROOM_PATH}/pause-recording/`, id: 'pauseRecording', tag: 'recordings', security: ['user'],
    summary: "Pause the room's active recording: its recorders stop until a resume; the stretches become one file after the stop.",
    responses: {
      200: { description: 'The recording, paused.', schema: recordingBody },
      ...ROOM_MANAGERS_ONLY,
      404: err('No live recording in this room.'),
      409: err('The recording is already paused, is not recording yet (initiated or queued), or its recorder (Jibri) cannot pause.'),
      502: err('The recorder did not stop; the recording goes on, active.'),
    },
  },
  {
    method: 'post', path: `${ROOM_PATH}/resume-recording/`, id: 'resumeRecording', tag: 'recordings', security: ['user'],
    summary: "Resume the room's paused recording with a new recorder.",
    responses: {
      200: { description: 'The recording, active again.', schema: recordingBody },
      ...ROOM_MANAGERS_ONLY,
      404: err('No paused recording in this room.'),
      502: err('The recorder did not start; the recording stays paused.'),
    },
  },
];
