import { uploadUrlBody } from '../openapi/response-schemas';
import { type Operation, err, RECORDING_PATH } from '../openapi/operation';

/** The upload URL a Jibri's finalize script asks for (jibriUploadUrlRouter). */
export const jibriUploadUrlOperations: Operation[] = [
  {
    method: 'post', path: `${RECORDING_PATH}/upload-url/`, id: 'jibriUploadUrl', tag: 'events', security: ['jibriUploadToken'],
    summary: "A pre-signed, create-only PUT URL for a Jibri recording's file (deploy/jibri/finalize.sh); the upload must send If-None-Match: *. Besides the token, the X-Recorder-Upload-Capability header must carry the recording's own upload capability, which the service handed its Jibri at start.",
    responses: {
      200: { description: 'The URL.', schema: uploadUrlBody },
      400: err('A body that cannot be decoded (corrupt Content-Encoding) or parsed.'),
      401: err('Bad or missing token.'),
      403: err('Missing or wrong upload capability for this recording (logged as an alert), not a Jibri recording, or not stopped (saved, failed, aborted).'),
      404: err('Unknown recording.'),
      409: err("The recording's file is already in storage, or its one upload URL was already issued (logged as an alert); the recording is kept unsaved."),
      425: err('The recording still runs on its Jibri: asked again once it stopped.'),
      503: err('Storage is not configured or not answering.'),
    },
  },
];
