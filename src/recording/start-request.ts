import { z } from 'zod';

/** Body of POST /rooms/{room}/start-recording/. Unknown option keys are refused so typos do not pass silently. */
export const startRecordingBody = z
  .object({
    mode: z.string().min(1).max(64),
    options: z
      .object({
        permanent: z.boolean().optional(),
        language: z.string().min(2).max(35).optional(),
        /** `audio`: also every participant's microphone on its own (LiveKit modes only). */
        participant_tracks: z.literal('audio').optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type StartRecordingBody = z.infer<typeof startRecordingBody>;

/** Room names come from the URL: printable, no slashes, bounded. */
export const roomName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s/\\?#%\u0000-\u001f\u007f]+$/, 'room names may not contain spaces, slashes or control characters');
