import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import type { EventRoutes } from '../events/routes';
import type { JobRunner } from '../jobs/job-runner';
import type { Metrics } from '../metrics/metrics';
import type { ObjectStorage } from '../storage/object-storage';

/**
 * The lease of every recurring task (reconcile, rooms, expiry sweep, session pruning): a running
 * pass renews it (see RecurringTask), so this is only how long an instance killed mid-pass holds it.
 */
export const RECURRING_LEASE_MS = 30_000;

/** What every concern's composition starts from: built once by the root (compose.ts). */
export interface Shared {
  config: AppConfig;
  db: Database;
  metrics: Metrics;
  /** The one job runner: each concern registers its own jobs and recurring tasks on it. */
  runner: JobRunner;
  storage: ObjectStorage | undefined;
  /** Where each event type goes: the statements that change state queue events for them. */
  events: EventRoutes;
}
