import { z } from 'zod';
import { concern } from './concern';
import { envBool, envInt, envString, envUrlList, issue } from './env-parsers';

/** `sandbox` and `sandbox-audio`: a test picture and tone made locally (development, host applications' tests). */
export const WORKER_KINDS = ['livekit-video', 'livekit-audio', 'jibri', 'sandbox', 'sandbox-audio'] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

const DEFAULT_MODES: Record<string, WorkerKind> = {
  screen_recording: 'livekit-video',
  transcript: 'livekit-audio',
};

/**
 * The modes recorded by the sandbox worker instead (no LiveKit, no Jibri needed): development
 * mode's default when RECORDING_WORKERS, LIVEKIT_API_URL and JIBRI_URLS are all unset
 * (src/devmode/dev-stack.ts).
 */
export function sandboxDefaults(): Record<string, WorkerKind> {
  return { screen_recording: 'sandbox', transcript: 'sandbox-audio' };
}

const modeMap = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object mapping mode to worker kind' });
      return z.NEVER;
    }
    const result = z
      .record(z.string().regex(/^[a-z][a-z0-9_-]{0,49}$/), z.enum(WORKER_KINDS))
      .refine((m) => Object.keys(m).length > 0, 'at least one mode')
      .safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({ code: 'custom', message: `expected {"<mode>": one of ${WORKER_KINDS.join(', ')}}` });
      return z.NEVER;
    }
    return result.data;
  });

const ENCODING = {
  RECORDING_ENCODING_WIDTH: envInt({ min: 16, max: 7680 }),
  RECORDING_ENCODING_HEIGHT: envInt({ min: 16, max: 4320 }),
  RECORDING_ENCODING_FRAMERATE: envInt({ min: 1, max: 120 }),
  RECORDING_ENCODING_VIDEO_BITRATE_KBPS: envInt({ min: 100, max: 100000 }),
  RECORDING_ENCODING_AUDIO_BITRATE_KBPS: envInt({ min: 8, max: 1024 }),
  RECORDING_ENCODING_KEY_FRAME_INTERVAL_S: envInt({ min: 1, max: 60 }),
};

/** Which worker records each mode, how long a worker call may take, and LiveKit's encoding. */
export const workersConcern = concern(
  {
    RECORDING_WORKERS: modeMap,
    WORKER_TIMEOUT_MS: envInt({ min: 100, max: 120000 }),
    RECORDING_ENCODING_ENABLED: envBool(false),
    ...ENCODING,
    // Read here only for the rule that a jibri mode needs a Jitsi base URL.
    JIBRI_URLS: envUrlList(),
    JITSI_BASE_URL: envString(),
    SANDBOX_FFMPEG_PATH: envString(),
  },
  (env, ctx) => {
    const modes = env.RECORDING_WORKERS ?? DEFAULT_MODES;
    const usesJibri = Object.values(modes).includes('jibri');
    if (usesJibri && env.JIBRI_URLS.length > 0 && !env.JITSI_BASE_URL) {
      issue(ctx, 'JITSI_BASE_URL', 'required when RECORDING_WORKERS maps a mode to jibri');
    }
    let encoding;
    if (env.RECORDING_ENCODING_ENABLED) {
      const missing = (Object.keys(ENCODING) as (keyof typeof ENCODING)[]).find((n) => env[n] === undefined);
      if (missing) issue(ctx, missing, 'required when RECORDING_ENCODING_ENABLED is true');
      encoding = {
        width: env.RECORDING_ENCODING_WIDTH!,
        height: env.RECORDING_ENCODING_HEIGHT!,
        framerate: env.RECORDING_ENCODING_FRAMERATE!,
        videoBitrateKbps: env.RECORDING_ENCODING_VIDEO_BITRATE_KBPS!,
        audioBitrateKbps: env.RECORDING_ENCODING_AUDIO_BITRATE_KBPS!,
        keyFrameIntervalS: env.RECORDING_ENCODING_KEY_FRAME_INTERVAL_S!,
      };
    }
    return {
      modes,
      /** RECORDING_WORKERS was set; unset, development mode with no LiveKit or Jibri uses sandboxDefaults(). */
      modesSet: env.RECORDING_WORKERS !== undefined,
      timeoutMs: env.WORKER_TIMEOUT_MS ?? 10000,
      encoding,
      /** The sandbox worker's ffmpeg; when it cannot be run the sandbox uploads its bundled clip. */
      sandbox: { ffmpegPath: env.SANDBOX_FFMPEG_PATH ?? 'ffmpeg' },
    };
  },
);
