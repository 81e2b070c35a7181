import { concern } from './concern';
import { envInt } from './env-parsers';

/** The reconciler: how often it looks, and how long it lets starts and storage events take. */
export const reconcileConcern = concern(
  {
    RECONCILE_INTERVAL_MS: envInt({ min: 0, max: 24 * 3600000 }),
    RECONCILE_STOPPED_GRACE_MS: envInt({ min: 0, max: 7 * 24 * 3600000 }),
    RECONCILE_INITIATED_GRACE_MS: envInt({ min: 0, max: 24 * 3600000 }),
    RECONCILE_LEASE_MS: envInt({ min: 1000, max: 3600000 }),
  },
  (env) => ({
    /** 0: the reconciler does not run. */
    intervalMs: env.RECONCILE_INTERVAL_MS ?? 60000,
    stoppedGraceMs: env.RECONCILE_STOPPED_GRACE_MS ?? 10 * 60000,
    initiatedGraceMs: env.RECONCILE_INITIATED_GRACE_MS ?? 60000,
    /** How long an instance killed mid-pass keeps the reconcile task from the others (as RECURRING_LEASE_MS). */
    leaseMs: env.RECONCILE_LEASE_MS ?? 30_000,
  }),
);
