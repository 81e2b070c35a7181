import type { Job, JobHandler, JobOutcome } from '../jobs/job';
import { scrubError } from '../jobs/retry';
import type { EmailContext } from './email-context';
import type { EmailDefaults } from './email-layout';
import type { OwnerEmailInput } from './owner-email';
import type { EmailConfig, SmtpTransporter } from './smtp-transport';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Sends one email for a job: the Message-ID is the job's id, the same on every attempt, so a
 * resend after a crash between SMTP's answer and the job's record is one message to mail
 * clients. Null when sent; else the retry outcome (the error without any address in it).
 */
export function jobEmailSender(transport: SmtpTransporter, email: Pick<EmailConfig, 'from'>) {
  const messageHost = /@([A-Za-z0-9.-]+)/.exec(email.from)?.[1] ?? 'localhost';
  return async (jobId: string, to: string, content: RenderedEmail): Promise<JobOutcome | null> => {
    try {
      await transport.sendMail({ from: email.from, to, subject: content.subject, text: content.text, html: content.html, messageId: `<${jobId}@recordings.${messageHost}>` });
      return null;
    } catch (err) {
      return { status: 'retry', error: scrubError(err) };
    }
  };
}

/**
 * The lease and retries of every email job: an attempt may wait EMAIL_TIMEOUT_MS on each of
 * the SMTP transport's four timeouts (DNS, connection, greeting, socket), plus a margin.
 */
export function emailJobPolicy(email: Pick<EmailConfig, 'timeoutMs' | 'maxAttempts' | 'retryBaseMs' | 'retryMaxMs'>): Pick<JobHandler, 'leaseMs' | 'retry'> {
  return {
    leaseMs: email.timeoutMs * 4 + 30_000,
    retry: { maxAttempts: email.maxAttempts, baseMs: email.retryBaseMs, maxMs: email.retryMaxMs },
  };
}

/** The owner (their access's copy of the JWT claims) and the recording, as every email job reads them. */
type OwnerEmailContext = Pick<EmailContext, 'name' | 'locale' | 'zoneinfo' | 'room' | 'createdAt'>;

/** What every owner email takes from its job's context and the EMAIL_* settings. */
export function ownerEmailInput(ctx: OwnerEmailContext, email: Pick<EmailConfig, 'brandName' | 'supportEmail'>): OwnerEmailInput {
  return {
    locale: ctx.locale,
    timezone: ctx.zoneinfo,
    recipientName: ctx.name,
    room: ctx.room,
    recordedAt: ctx.createdAt,
    brandName: email.brandName,
    supportEmail: email.supportEmail ?? null,
  };
}

/** DEFAULT_LOCALE and DEFAULT_TIMEZONE, for readers whose own are unknown. */
export function emailDefaults(email: Pick<EmailConfig, 'defaultLocale' | 'defaultTimezone'>): EmailDefaults {
  return { locale: email.defaultLocale, timezone: email.defaultTimezone };
}

/** What an owner email job sends when it runs, or why it sends nothing after all. */
export type OwnerEmailDraft = { to: string; content: RenderedEmail } | { cancelled: string };

/**
 * A job that emails one owner. `draft` reads what to say when the job runs, so a change since
 * it was queued counts; the email goes out with the job's id as Message-ID and the email
 * jobs' lease and retries; `sent` follows each email that went out.
 */
export function ownerEmailJob<P>(
  kind: string,
  transport: SmtpTransporter,
  email: EmailConfig,
  draft: (job: Job<P>) => Promise<OwnerEmailDraft>,
  sent: (job: Job<P>) => void,
): Pick<JobHandler<P>, 'kind' | 'leaseMs' | 'retry' | 'run'> {
  const send = jobEmailSender(transport, email);
  return {
    kind,
    ...emailJobPolicy(email),
    async run(job: Job<P>): Promise<JobOutcome> {
      const mail = await draft(job);
      if ('cancelled' in mail) return { status: 'cancelled', reason: mail.cancelled };
      const failed = await send(job.id, mail.to, mail.content);
      if (failed) return failed;
      sent(job);
      return { status: 'done' };
    },
  };
}
