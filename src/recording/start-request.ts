import { z } from 'zod';
import type { WorkerKind } from '../config/config';
import { badRequest } from './errors';
import { checkPermanentOption } from './retention/permanence';
import { LIVEKIT_LAYOUTS } from './workers/livekit/egress-request';

/** `options` of start-recording (and of a room's recording policy). Unknown keys are refused so typos do not pass silently. */
export const startOptions = z
  .object({
    permanent: z.boolean().optional(),
    language: z.string().min(2).max(35).optional(),
    /** LiveKit's room-composite layout; LiveKit video modes only. */
    layout: z.enum(LIVEKIT_LAYOUTS).optional(),
    /** `audio`: also every participant's microphone on its own (LiveKit and sandbox modes only). */
    participant_tracks: z.literal('audio').optional(),
  })
  .strict();

/** The worker kinds that can record participant tracks (LiveKit Track Egress, the sandbox's pretend participants). */
const TRACK_KINDS: readonly WorkerKind[] = ['livekit-video', 'livekit-audio', 'sandbox', 'sandbox-audio'];

/** Body of POST /rooms/{room}/start-recording/. */
export const startRecordingBody = z
  .object({
    mode: z.string().min(1).max(64),
    options: startOptions.optional(),
  })
  .strict();

export type StartRecordingBody = z.infer<typeof startRecordingBody>;
export type StartOptions = z.infer<typeof startOptions>;

/** Room names come from the URL: printable, no slashes, bounded. */
export const roomName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s/\\?#%\u0000-\u001f\u007f]+$/, 'room names may not contain spaces, slashes or control characters');

export interface ParsedStart {
  mode: string;
  kind: WorkerKind;
  options: StartOptions;
}

/**
 * Checks a mode and its options as start-recording does (a recording policy is checked the
 * same way): an unknown mode, an option the mode's worker cannot honour, or `permanent` where
 * the operator does not allow it (RECORDING_ALLOW_PERMANENT) is a bad request.
 */
export function parseStart(
  parsed: { mode: string; options?: StartOptions | undefined },
  modes: { kindForMode(mode: string): WorkerKind | undefined; modeNames: string[] },
  rules: { allowPermanent: boolean },
): ParsedStart {
  const kind = modes.kindForMode(parsed.mode);
  if (!kind) throw badRequest(`Unknown mode "${parsed.mode}"; expected one of: ${modes.modeNames.join(', ')}.`);
  const options = parsed.options ?? {};
  checkPermanentOption(options.permanent, rules.allowPermanent);
  if (options.layout !== undefined && kind !== 'livekit-video') {
    throw badRequest(`Invalid request body: options.layout: mode "${parsed.mode}" is not recorded by LiveKit video (${kind}); layouts apply to LiveKit video modes only.`);
  }
  if (options.participant_tracks && !TRACK_KINDS.includes(kind)) {
    throw badRequest(`Invalid request body: options.participant_tracks: mode "${parsed.mode}" is recorded by ${kind}; per-participant tracks need a LiveKit or sandbox mode.`);
  }
  return { mode: parsed.mode, kind, options };
}

/** A zod error as one line: where, and what is wrong. */
export function zodDetail(error: { issues: { path: PropertyKey[]; message: string; code: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid request body.';
  const where = issue.path.length ? issue.path.map(String).join('.') : 'body';
  return `Invalid request body: ${where}: ${issue.message}.`;
}
