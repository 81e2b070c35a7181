import { z } from 'zod';
import { uploadUrlBody } from '../openapi/response-schemas';
import { type Operation, err, RECORDING_PATH } from '../openapi/operation';

/** The upload URL a Jibri's finalize script asks for (jibriUploadUrlRouter). */
export const jibriUploadUrlOperations: Operation[] = [
  {
    method: 'post', path: `${RECORDING_PATH}/upload-url/`, id: 'jibriUploadUrl', tag: 'events', security: ['jibriUploadToken'],
    summary: "A pre-signed, create-only PUT URL for a Jibri recording's file (deploy/jibri/finalize.sh); the upload must send If-None-Match: *. Besides the token, the X-Recorder-Upload-Capability header must carry the recording's own upload capability, which the service handed its Jibri at start. Once the recording was paused, the URL is for a stretch's part under {id}/parts/: without `part` its first stretch's, with `part=n` resumed stretch n's, which needs that stretch's own capability.",
    query: z.object({ part: z.string().regex(/^[1-9][0-9]{0,3}$/).optional().describe('A resumed stretch of a paused recording (its Jibri session is `{id}-part-{n}`).') }),
    responses: {
      200: { description: 'The URL.', schema: uploadUrlBody },
      400: err('A body that cannot be decoded (corrupt Content-Encoding) or parsed, or a `part` that is not a stretch number.'),
      401: err('Bad or missing token.'),
      403: err('Missing or wrong upload capability for this recording or stretch (logged as an alert), not a Jibri recording, not stopped (saved, failed, aborted), or no such stretch.'),
      404: err('Unknown recording.'),
      409: err("The recording's file (or the stretch's part) is already in storage, or its one upload URL was already issued (logged as an alert); the recording is kept unsaved."),
      425: err('The recording (or the stretch) still runs on its Jibri: asked again once it stopped.'),
      503: err('Storage is not configured or not answering.'),
    },
  },
];
