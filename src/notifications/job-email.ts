import type { JobOutcome } from '../jobs/job';
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
