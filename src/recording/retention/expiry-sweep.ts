import { childLogger } from '../../logging/logger';
import type { ExpiryStore } from '../store/expiry-store';

const log = childLogger('expiry');

/** The sweep's recurring task (its row in the jobs table has the key `every:recording.expiry-sweep`). */
export const EXPIRY_SWEEP_KIND = 'recording.expiry-sweep';

/** Recordings (and reminders) queued per pass at most; a larger backlog drains over the next passes. */
export const EXPIRY_BATCH = 100;

export interface ExpirySweepDeps {
  store: ExpiryStore;
  /** RECORDING_EXPIRATION_DAYS (the sweep only exists when it is set). */
  expirationDays: number;
  /** Set when the storage is configured: expired files are removed. */
  removesFiles: boolean;
  /** RECORDING_EXPIRY_REMINDER_DAYS, when set and the SMTP server is configured. */
  reminderDays?: number;
  batch?: number;
}

/**
 * The expiry sweep, a recurring task of the job runner (one instance runs each pass): it
 * queues one removal job per expired, non-permanent recording whose files are still stored
 * (src/recording/retention/expire-files-job.ts) and one reminder per owner whose reminder
 * moment has come (src/notifications/expiry-reminder-job.ts). Both are keyed, so a pass that
 * runs twice, or two instances, never queue anything twice; the work itself runs as jobs,
 * shared by every instance and retried with backoff.
 */
export class ExpirySweep {
  constructor(private readonly deps: ExpirySweepDeps) {}

  async run(): Promise<{ removals: number; reminders: number }> {
    const { store, expirationDays, reminderDays } = this.deps;
    const batch = this.deps.batch ?? EXPIRY_BATCH;
    const removals = this.deps.removesFiles ? await store.queueExpiredFiles(expirationDays, batch) : 0;
    const reminders = reminderDays ? await store.queueReminders(expirationDays, reminderDays, batch) : 0;
    if (removals + reminders > 0) log.info({ removals, reminders }, 'expiry sweep queued work');
    return { removals, reminders };
  }
}
