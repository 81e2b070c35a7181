import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { childLogger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import { expiredAt } from '../recording/expiry';
import { renderRecordingSavedEmail } from './email-content';
import { retryDelayMs, scrubError } from './retry-schedule';
import type { SmtpTransporter } from './smtp-transport';

const log = childLogger('notifications');

interface ClaimedNotification {
  id: string;
  recording_id: string;
  attempts: number;
  email: string;
  name: string | null;
  locale: string | null;
  zoneinfo: string | null;
  room: string;
  created_at: Date;
  is_permanent: boolean;
}

/**
 * Delivers the email outbox. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease
 * (`locked_until`), so several instances share the work and none sends a row another holds;
 * no transaction stays open during the SMTP exchange. After the last owner's email the
 * recording becomes `notification_succeeded`. Failures are retried with backoff, up to
 * EMAIL_MAX_ATTEMPTS, then the row is `failed` (visible in the API and in metrics).
 */
export class NotificationSender {
  private readonly leaseSeconds: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transport: SmtpTransporter | null,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly batchSize = 20,
    private readonly concurrency = 5,
  ) {
    this.leaseSeconds = Math.ceil((config.email.timeoutMs * 4) / 1000) + 30;
  }

  get enabled(): boolean {
    return this.transport !== null;
  }

  /** Sends what is due; returns how many rows were handled. Loops while full batches come back. */
  async deliverDue(): Promise<number> {
    if (!this.transport) return 0;
    let total = 0;
    for (;;) {
      const batch = await this.claim();
      total += batch.length;
      await runLimited(batch, this.concurrency, (n) => this.deliver(n));
      if (batch.length < this.batchSize) return total;
    }
  }

  private async claim(): Promise<ClaimedNotification[]> {
    return this.dataSource.query(
      `WITH due AS (
         SELECT id FROM notifications
          WHERE status = 'pending' AND next_attempt_at <= now()
            AND (locked_until IS NULL OR locked_until < now())
          ORDER BY next_attempt_at
          LIMIT $1
          FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE notifications n
            SET locked_until = now() + make_interval(secs => $2), attempts = n.attempts + 1
           FROM due WHERE n.id = due.id
         RETURNING n.id, n.recording_id, n.access_id, n.attempts
       )
       SELECT c.id, c.recording_id, c.attempts, a.email, a.name, a.locale, a.zoneinfo,
              r.room, r.created_at, r.is_permanent
         FROM claimed c
         JOIN recording_accesses a ON a.id = c.access_id
         JOIN recordings r ON r.id = c.recording_id`,
      [this.batchSize, this.leaseSeconds],
    );
  }

  private async deliver(n: ClaimedNotification): Promise<void> {
    const { config } = this;
    try {
      const content = renderRecordingSavedEmail(
        {
          locale: n.locale,
          timezone: n.zoneinfo,
          recipientName: n.name,
          room: n.room,
          recordedAt: new Date(n.created_at),
          downloadUrl: downloadUrl(config, n.recording_id),
          expiresAt: expiredAt({ createdAt: new Date(n.created_at), isPermanent: n.is_permanent }, config.recording.expirationDays),
          brandName: config.email.brandName,
          supportEmail: config.email.supportEmail ?? null,
        },
        { locale: config.defaultLocale, timezone: config.defaultTimezone },
      );
      await this.transport!.sendMail({
        from: config.email.from,
        to: n.email,
        subject: content.subject,
        text: content.text,
        html: content.html,
        // Stable per notification: should a retry after a crash resend it, mail clients see one message.
        messageId: `<${n.id}@recordings.${hostPart(config.email.from)}>`,
      });
    } catch (err) {
      await this.recordFailure(n, err);
      return;
    }
    await this.recordSuccess(n);
  }

  private async recordSuccess(n: ClaimedNotification): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE notifications SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL WHERE id = $1`,
        [n.id],
      );
      await m.query(
        `UPDATE recordings SET status = 'notification_succeeded', updated_at = now()
          WHERE id = $1 AND status = 'saved'
            AND NOT EXISTS (SELECT 1 FROM notifications WHERE recording_id = $1 AND status <> 'sent')`,
        [n.recording_id],
      );
    });
    this.metrics.emails.inc({ outcome: 'sent' });
    log.info({ notificationId: n.id, recordingId: n.recording_id }, 'notification sent');
  }

  private async recordFailure(n: ClaimedNotification, err: unknown): Promise<void> {
    const reason = scrubError(err);
    const final = n.attempts >= this.config.email.maxAttempts;
    const delay = retryDelayMs(n.attempts, this.config.email.retryBaseMs, this.config.email.retryMaxMs);
    await this.dataSource.query(
      `UPDATE notifications
          SET status = $2, locked_until = NULL, last_error = $3,
              next_attempt_at = now() + make_interval(secs => $4)
        WHERE id = $1`,
      [n.id, final ? 'failed' : 'pending', reason, delay / 1000],
    );
    this.metrics.emails.inc({ outcome: final ? 'failed' : 'retry' });
    log.warn({ notificationId: n.id, recordingId: n.recording_id, attempt: n.attempts, final, reason }, 'notification not sent');
  }
}

export function downloadUrl(config: AppConfig, recordingId: string): string {
  const base = config.recording.downloadBaseUrl ?? `http://localhost:${config.port}/recordings`;
  return `${base}/${recordingId}`;
}

function hostPart(from: string): string {
  const match = /@([A-Za-z0-9.-]+)/.exec(from);
  return match?.[1] ?? 'localhost';
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
