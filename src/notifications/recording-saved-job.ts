import type { AppConfig } from '../config/config';
import type { SqlRunner } from '../db/sql';
import type { JobHandler } from '../jobs/job';
import { childLogger } from '../logging/logger';
import { expiredAt } from '../recording/expiry';
import type { RecordingStore } from '../recording/store/recording-store';
import { renderRecordingSavedEmail } from './email-content';
import { findEmailContext } from './email-context';
import { emailDefaults, ownerEmailInput, ownerEmailJob } from './job-email';
import type { SmtpTransporter } from './smtp-transport';
import { EMAIL_SAVED_KIND, type RecordingSavedPayload } from './email-job-kinds';

const log = childLogger('notifications');

/**
 * The "your recording is ready" email to one owner, as a job queued with the save (see
 * RecordingStore.markSaved). The Message-ID is the job's id, the same on every attempt, so a
 * resend after a crash between SMTP's answer and our bookkeeping is one message to mail
 * clients (delivery is at least once). The last owner's email completes the recording
 * (`notification_succeeded`) in the transaction that marks the job done.
 */
export function recordingSavedEmailJob(config: AppConfig, sql: SqlRunner, store: RecordingStore, transport: SmtpTransporter): JobHandler<RecordingSavedPayload> {
  const { email } = config;
  const saved = ownerEmailJob<RecordingSavedPayload>(
    EMAIL_SAVED_KIND,
    transport,
    email,
    async (job) => {
      const ctx = await findEmailContext(sql, job.recordingId!, job.payload.accessId);
      if (!ctx?.email) return { cancelled: 'the recording or its owner is gone' };
      const content = renderRecordingSavedEmail(
        {
          ...ownerEmailInput(ctx, email),
          downloadUrl: `${config.downloads.baseUrl}/${job.recordingId!}`,
          expiresAt: expiredAt(ctx, config.recording.expirationDays),
          recordedSeconds: ctx.recordedSeconds,
        },
        emailDefaults(email),
      );
      return { to: ctx.email, content };
    },
    (job) => log.info({ jobId: job.id, recordingId: job.recordingId }, 'notification sent'),
  );
  return { ...saved, onDone: (job, tx) => store.markNotifiedIfComplete(job.recordingId!, tx) };
}
