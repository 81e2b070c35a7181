import { concern } from './concern';
import { envInt } from './env-parsers';

/** What processing services may write on a recording (transcripts, summaries) and the speaker time line. */
export const artifactsConcern = concern(
  {
    ARTIFACT_TOKEN_TTL_SECONDS: envInt({ min: 60, max: 30 * 24 * 3600 }),
    ARTIFACT_MAX_BYTES: envInt({ min: 1024, max: 100 * 1024 * 1024 }),
  },
  (env) => ({
    /** Lifetime of recording.ready's artifact token (default 7 days). */
    tokenTtlSeconds: env.ARTIFACT_TOKEN_TTL_SECONDS ?? 7 * 24 * 3600,
    /** Largest artifact body accepted; a larger one is refused (413) while it is read. */
    maxBytes: env.ARTIFACT_MAX_BYTES ?? 10 * 1024 * 1024,
  }),
);
