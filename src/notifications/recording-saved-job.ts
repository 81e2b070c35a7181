import type { AppConfig } from '../config/config';
import type { SqlRunner } from '../db/sql';
import type { Job, JobHandler, JobOutcome } from '../jobs/job';
import { childLogger } from '../logging/logger';
import { expiredAt } from '../recording/expiry';
import type { RecordingStore } from '../recording/store/recording-store';
import { renderRecordingSavedEmail } from './email-content';
import { findEmailContext } from './email-context';
import { emailJobPolicy, jobEmailSender } from './job-email';
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
  const send = jobEmailSender(transport, email);
  return {
    kind: EMAIL_SAVED_KIND,
    ...emailJobPolicy(email),

    async run(job: Job<RecordingSavedPayload>): Promise<JobOutcome> {
      const recordingId = job.recordingId!;
      const ctx = await findEmailContext(sql, recordingId, job.payload.accessId);
      if (!ctx?.email) return { status: 'cancelled', reason: 'the recording or its owner is gone' };
      const content = renderRecordingSavedEmail(
        {
          locale: ctx.locale,
          timezone: ctx.zoneinfo,
          recipientName: ctx.name,
          room: ctx.room,
          recordedAt: ctx.createdAt,
          downloadUrl: `${config.downloads.baseUrl}/${recordingId}`,
          expiresAt: expiredAt(ctx, config.recording.expirationDays),
          recordedSeconds: ctx.recordedSeconds,
          brandName: email.brandName,
          supportEmail: email.supportEmail ?? null,
        },
        { locale: email.defaultLocale, timezone: email.defaultTimezone },
      );
      const failed = await send(job.id, ctx.email, content);
      if (failed) return failed;
      log.info({ jobId: job.id, recordingId }, 'notification sent');
      return { status: 'done' };
    },

    onDone: (job, tx) => store.markNotifiedIfComplete(job.recordingId!, tx),
  };
}
