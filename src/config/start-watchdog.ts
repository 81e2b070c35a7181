import { concern } from './concern';
import { envInt } from './env-parsers';

/** The start watchdog: how long a worker job may take to start recording, and how often it is replaced. */
export const startWatchdogConcern = concern(
  {
    RECORDING_START_TIMEOUT_SECONDS: envInt({ min: 1, max: 3600 }),
    RECORDING_START_RETRIES: envInt({ min: 0, max: 10 }),
  },
  (env) => ({
    /** A job not seen recording (EGRESS_ACTIVE, Jibri ON) this long after its start is replaced. */
    timeoutMs: (env.RECORDING_START_TIMEOUT_SECONDS ?? 30) * 1000,
    /** Replacements per recording; when they are spent the recording is failed_to_start. */
    retries: env.RECORDING_START_RETRIES ?? 1,
  }),
);
