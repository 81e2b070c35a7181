import { expiryReminderJob } from '../notifications/expiry-reminder-job';
import type { SmtpTransporter } from '../notifications/smtp-transport';
import { expireFilesJob } from '../recording/retention/expire-files-job';
import { EXPIRY_SWEEP_KIND, ExpirySweep } from '../recording/retention/expiry-sweep';
import { type PermanenceDeps, RecordingPermanence } from '../recording/retention/permanence';
import { retentionTagJob } from '../recording/retention/retention-tag-job';
import { ExpiryStore } from '../recording/store/expiry-store';
import type { RecordingStore } from '../recording/store/recording-store';
import { childLogger } from '../logging/logger';
import { RetentionTagger } from '../storage/retention-tag';
import { RECURRING_LEASE_MS, type Shared } from './compose-shared';

const log = childLogger('server');

interface RetentionInputs {
  store: RecordingStore;
  /** A recording as its caller may see it (RecordingService.get). */
  get: PermanenceDeps['get'];
  /** The SMTP transport, null without SMTP: reminders need it. */
  transport: SmtpTransporter | null;
}

/**
 * Retention: permanence and the retention tag on stored files; with RECORDING_EXPIRATION_DAYS,
 * the expiry sweep (a recurring task) that queues the removal of expired files (with a storage)
 * and the reminders before expiry (with RECORDING_EXPIRY_REMINDER_DAYS and SMTP).
 */
export function composeRetention(shared: Shared, { store, get, transport }: RetentionInputs) {
  const { config, db, metrics, runner, storage, events } = shared;
  const { expirationDays, expiryReminderDays, outputFolder } = config.recording;
  const tagger = storage && new RetentionTagger(storage);
  if (storage && tagger) runner.register(retentionTagJob(store, tagger, { outputFolder, storageTimeoutMs: storage.settings.timeoutMs }));
  const permanence = new RecordingPermanence({ store, get, tagger, settings: config.recording });

  if (expiryReminderDays && (!expirationDays || !transport)) {
    log.warn(`RECORDING_EXPIRY_REMINDER_DAYS is set but ${expirationDays ? 'no SMTP server is configured' : 'RECORDING_EXPIRATION_DAYS is not'}: no reminder will be sent`);
  }
  const reminderDays = transport && expirationDays ? expiryReminderDays : undefined;
  if (expirationDays && (storage || reminderDays)) {
    const expiry = new ExpiryStore({ sql: db.sql, events });
    if (storage) {
      runner.register(
        expireFilesJob({
          store: expiry,
          storage,
          settings: { outputFolder, expirationDays, storageTimeoutMs: storage.settings.timeoutMs },
          onFileRemoved: () => metrics.expiryFilesRemoved.inc(),
          onStorageError: () => metrics.expiryStorageErrors.inc(),
          onExpired: () => metrics.recordingsExpired.inc(),
        }),
      );
    }
    if (transport && reminderDays) runner.register(expiryReminderJob(config, expiry, transport, () => metrics.expiryRemindersSent.inc()));
    const sweep = new ExpirySweep({ store: expiry, expirationDays, removesFiles: storage !== undefined, reminderDays });
    runner.every({ kind: EXPIRY_SWEEP_KIND, intervalMs: config.recording.expirySweepIntervalMs, leaseMs: RECURRING_LEASE_MS, run: async () => void (await sweep.run()) });
  }
  return { permanence };
}
