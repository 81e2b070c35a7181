import { concern } from './concern';
import { envInt, envString } from './env-parsers';

/** What processing services may write on a recording (transcripts, summaries) and the speaker time line. */
export const artifactsConcern = concern(
  {
    ARTIFACT_TOKEN_TTL_SECONDS: envInt({ min: 60, max: 30 * 24 * 3600 }),
    ARTIFACT_MAX_BYTES: envInt({ min: 1024, max: 100 * 1024 * 1024 }),
    SPEAKERS_FFMPEG_PATH: envString(),
    SPEAKERS_NOISE_DB: envInt({ min: -90, max: -10 }),
    SPEAKERS_MIN_SILENCE_MS: envInt({ min: 100, max: 10_000 }),
  },
  (env) => ({
    /** Lifetime of recording.ready's artifact token (default 7 days). */
    tokenTtlSeconds: env.ARTIFACT_TOKEN_TTL_SECONDS ?? 7 * 24 * 3600,
    /** Largest artifact body accepted; a larger one is refused (413) while it is read. */
    maxBytes: env.ARTIFACT_MAX_BYTES ?? 10 * 1024 * 1024,
    /** The speaker time line: ffmpeg's silencedetect on each participant track. */
    speakers: {
      ffmpegPath: env.SPEAKERS_FFMPEG_PATH ?? 'ffmpeg',
      noiseDb: env.SPEAKERS_NOISE_DB ?? -35,
      minSilenceSeconds: (env.SPEAKERS_MIN_SILENCE_MS ?? 500) / 1000,
      /** One track's run; a longer one is killed and the job retries. */
      timeoutMs: 20 * 60_000,
    },
  }),
);
