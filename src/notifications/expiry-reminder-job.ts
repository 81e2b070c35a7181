import type { AppConfig } from '../config/config';
import type { JobHandler } from '../jobs/job';
import { childLogger } from '../logging/logger';
import { expiredAt } from '../recording/expiry';
import { DOWNLOADABLE_STATUSES } from '../recording/status';
import type { ExpiryStore, ReminderContext } from '../recording/store/expiry-store';
import { renderExpiryReminderEmail } from './expiry-reminder-email';
import { emailDefaults, ownerEmailInput, ownerEmailJob } from './job-email';
import type { SmtpTransporter } from './smtp-transport';
import { EMAIL_EXPIRY_REMINDER_KIND, type ExpiryReminderPayload } from './email-job-kinds';

const log = childLogger('notifications');

/** Why a reminder is not sent after all, read when it is about to be; null when it must be sent. */
function staleReason(ctx: ReminderContext | null, expiresAt: Date | null, now: Date): string | null {
  if (!ctx?.email) return 'the recording or its owner is gone';
  if (ctx.isPermanent) return 'the recording was made permanent';
  if (!DOWNLOADABLE_STATUSES.includes(ctx.status)) return `the recording is ${ctx.status}`;
  if (!expiresAt) return 'the recording no longer expires';
  if (ctx.filesRemovedAt || expiresAt.getTime() <= now.getTime()) return 'the recording has already expired';
  return null;
}

/**
 * The reminder before expiry to one owner, queued by the expiry sweep (one per access, by its
 * key). What it says is read when it is sent: a recording made permanent (or deleted, or
 * expired) since it was queued gets none. It goes through the same SMTP path and retries as the
 * "recording saved" email, with the job's id as Message-ID, and it has no part in that
 * email's bookkeeping (`notification_succeeded` counts the saved emails only).
 */
export function expiryReminderJob(config: AppConfig, store: ExpiryStore, transport: SmtpTransporter, onSent?: () => void): JobHandler<ExpiryReminderPayload> {
  const { email } = config;
  return ownerEmailJob<ExpiryReminderPayload>(
    EMAIL_EXPIRY_REMINDER_KIND,
    transport,
    email,
    async (job) => {
      const ctx = await store.reminderContext(job.recordingId!, job.payload.accessId);
      const expiresAt = ctx && expiredAt(ctx, config.recording.expirationDays);
      const stale = staleReason(ctx, expiresAt, new Date());
      if (stale || !ctx?.email || !expiresAt) return { cancelled: stale ?? 'nothing to remind' };
      const url = `${config.downloads.baseUrl}/${job.recordingId!}`;
      const content = renderExpiryReminderEmail({ ...ownerEmailInput(ctx, email), expiresAt, url, canKeep: config.recording.allowPermanent }, emailDefaults(email));
      return { to: ctx.email, content };
    },
    (job) => {
      onSent?.();
      log.info({ jobId: job.id, recordingId: job.recordingId }, 'expiry reminder sent');
    },
  );
}
