import { statement, type SqlRunner } from '../db/sql';
import { EMAIL_SAVED_KIND } from './email-job-kinds';

/** How a recording's "recording saved" emails stand (failed: given up after EMAIL_MAX_ATTEMPTS). */
export interface NotificationSummary {
  pending: number;
  sent: number;
  failed: number;
}

const NOTIFICATION_SUMMARY = statement(
  'notification_summary',
  `SELECT status, count(*)::int AS n FROM jobs WHERE recording_id = $1 AND kind = '${EMAIL_SAVED_KIND}' GROUP BY status`,
);

/** The read model of a recording's `notifications` field: its saved-email jobs counted by status. */
export async function notificationSummary(sql: SqlRunner, recordingId: string): Promise<NotificationSummary> {
  const rows = await sql.query<{ status: string; n: number }>(NOTIFICATION_SUMMARY, [recordingId]);
  const summary = { pending: 0, sent: 0, failed: 0 };
  for (const row of rows) {
    if (row.status === 'done') summary.sent += row.n;
    else if (row.status === 'pending') summary.pending += row.n;
    else if (row.status === 'failed') summary.failed += row.n;
  }
  return summary;
}
