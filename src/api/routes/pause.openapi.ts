import { type Operation, err, roomRecordingAction } from '../openapi/operation';

/** Pausing and resuming a room's recording (pauseRouter). */
export const pauseOperations: Operation[] = [
  roomRecordingAction(
    'pause-recording', 'pauseRecording',
    "Pause the room's active recording: its recorders stop until a resume; the stretches become one file after the stop.",
    'The recording, paused.',
    {
      404: err('No live recording in this room.'),
      409: err('The recording is already paused, is not recording yet (initiated or queued), or its recorder (Jibri) cannot pause.'),
      502: err('The recorder did not stop; the recording goes on, active.'),
    },
  ),
  roomRecordingAction(
    'resume-recording', 'resumeRecording', "Resume the room's paused recording with a new recorder.", 'The recording, active again.',
    { 404: err('No paused recording in this room.'), 502: err('The recorder did not start; the recording stays paused.') },
  ),
];
