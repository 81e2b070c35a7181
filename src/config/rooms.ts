import { concern } from './concern';
import { envInt } from './env-parsers';

/** Rooms (LiveKit): automatic recording by policy, and the pass that corrects activity from LiveKit. */
export const roomsConcern = concern(
  {
    AUTO_STOP_GRACE_SECONDS: envInt({ min: 0, max: 7 * 24 * 3600 }),
    AUTO_START_RETRY_BASE_MS: envInt({ min: 10, max: 3600000 }),
    ROOM_RECONCILE_INTERVAL_MS: envInt({ min: 0, max: 24 * 3600000 }),
  },
  (env) => ({
    /** An automatic recording stops once its room has been empty this long. */
    autoStopGraceMs: (env.AUTO_STOP_GRACE_SECONDS ?? 60) * 1000,
    /** First retry of a failed automatic start; later ones back off exponentially. */
    autoStartRetryBaseMs: env.AUTO_START_RETRY_BASE_MS ?? 5000,
    /** How often live rooms' participants are checked against LiveKit (0: never). */
    reconcileIntervalMs: env.ROOM_RECONCILE_INTERVAL_MS ?? 300000,
  }),
);
