import type { JobHandler, JobOutcome } from '../jobs/job';
import { scrubError } from '../jobs/retry';
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
