import { concern } from './concern';
import { envInt } from './env-parsers';

/** The background job runner (emails, reconciliation, ...). */
export const jobsConcern = concern(
  {
    JOBS_POLL_INTERVAL_MS: envInt({ min: 10, max: 3600000 }),
    JOBS_CONCURRENCY: envInt({ min: 1, max: 100 }),
    /** Older name of JOBS_POLL_INTERVAL_MS, still read. */
    EMAIL_POLL_INTERVAL_MS: envInt({ min: 10, max: 3600000 }),
  },
  (env) => ({
    pollIntervalMs: env.JOBS_POLL_INTERVAL_MS ?? env.EMAIL_POLL_INTERVAL_MS ?? 2000,
    concurrency: env.JOBS_CONCURRENCY ?? 5,
  }),
);
