import { concern } from './concern';
import { envInt } from './env-parsers';

/** Rooms (LiveKit): automatic recording by policy, and the pass that corrects activity from LiveKit. */
export const roomsConcern = concern(
  {
    AUTO_STOP_GRACE_SECONDS: envInt({ min: 0, max: 7 * 24 * 3600 }),
    AUTO_START_RETRY_BASE_MS: envInt({ min: 10, max: 60000 }),
    AUTO_START_ATTEMPTS: envInt({ min: 1, max: 10 }),
    ROOM_RECONCILE_INTERVAL_MS: envInt({ min: 0, max: 24 * 3600000 }),
  },
  (env) => ({
    /** An automatic recording stops once its room has been empty this long. */
    autoStopGraceMs: (env.AUTO_STOP_GRACE_SECONDS ?? 60) * 1000,
    /** First wait before the worker is asked again for an automatic start; later ones double (up to a minute). */
    autoStartRetryBaseMs: env.AUTO_START_RETRY_BASE_MS ?? 5000,
    /** Worker calls of one automatic start before its one recording is failed_to_start. */
    autoStartAttempts: env.AUTO_START_ATTEMPTS ?? 4,
    /** How often live rooms' participants are checked against LiveKit (0: never). */
    reconcileIntervalMs: env.ROOM_RECONCILE_INTERVAL_MS ?? 300000,
  }),
);
