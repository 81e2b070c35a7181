import { concern } from './concern';
import { envInt, envString } from './env-parsers';

/** Joining a paused recording's parts into one file (src/recording/pause/join-job.ts). */
export const joinConcern = concern(
  {
    RECORDING_JOIN_FFMPEG_PATH: envString(),
    RECORDING_JOIN_FFPROBE_PATH: envString(),
    RECORDING_JOIN_TIMEOUT_SECONDS: envInt({ min: 5, max: 86400 }),
  },
  (env) => ({
    ffmpegPath: env.RECORDING_JOIN_FFMPEG_PATH ?? 'ffmpeg',
    ffprobePath: env.RECORDING_JOIN_FFPROBE_PATH ?? 'ffprobe',
    /** The longest one join may take: ffmpeg is ended after it, and another instance may take the job over. */
    timeoutMs: (env.RECORDING_JOIN_TIMEOUT_SECONDS ?? 3600) * 1000,
  }),
);
