import { eventually, queryDb } from './flow';

/**
 * Expiry in tests: recordings aged by SQL, and passes of the service's own expiry sweep (its
 * recurring row made due, so whichever instance polls first runs it, as in production).
 */

const SWEEP_KEY = 'every:recording.expiry-sweep';
const SWEEP_JOB_KINDS = ['storage.expire-files', 'email.expiry-reminder'];

/** Moves the recording's creation `days` back (fractions allowed), as if it had been made then. */
export async function ageRecording(dbUrl: string, id: string, days: number): Promise<void> {
  await queryDb(dbUrl, `UPDATE recordings SET created_at = now() - make_interval(secs => $2::float8 * 86400) WHERE id = $1`, [id, days]);
}

/** The sweep's jobs still due or running (a job waiting for its retry is settled for now). */
async function unsettledSweepJobs(dbUrl: string): Promise<number> {
  const [row] = await queryDb<{ n: number }>(dbUrl, `SELECT count(*)::int AS n FROM jobs WHERE kind = ANY($1) AND status = 'pending' AND run_at <= now()`, [SWEEP_JOB_KINDS]);
  return row!.n;
}

/**
 * Runs one pass of the expiry sweep and waits until it has run and the jobs it queued have
 * settled: done, cancelled, failed, or waiting for a retry. Tests that check what expiry sends
 * (storage deletions, emails, events) call it, then look.
 */
export async function runExpirySweep(dbUrl: string, options: { settle?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const [row] = await queryDb<{ marked: Date }>(dbUrl, `UPDATE jobs SET run_at = now() WHERE key = $1 RETURNING now() AS marked`, [SWEEP_KEY]);
  if (!row) throw new Error('the expiry sweep is not scheduled (RECORDING_EXPIRATION_DAYS and a storage or reminders are needed)');
  // A finished pass reschedules its row one interval ahead (and never as little as a second ahead in these tests).
  await eventually(async () => {
    const [sweep] = await queryDb<{ done: boolean }>(
      dbUrl,
      `SELECT locked_until IS NULL AND run_at > $2::timestamptz + interval '1 second' AS done FROM jobs WHERE key = $1`,
      [SWEEP_KEY, row.marked],
    );
    return sweep?.done === true;
  }, timeoutMs, 'an expiry sweep pass');
  if (options.settle === false) return;
  await eventually(async () => (await unsettledSweepJobs(dbUrl)) === 0, timeoutMs, 'the jobs of the expiry sweep');
}

/** Makes the sweep's jobs waiting for a retry due now (instead of after their backoff). */
export async function retrySweepJobsNow(dbUrl: string): Promise<void> {
  await queryDb(dbUrl, `UPDATE jobs SET run_at = now() WHERE kind = ANY($1) AND status = 'pending'`, [SWEEP_JOB_KINDS]);
}

/** A value of /metrics (0 when the series is absent). */
export function metricValue(metricsText: string, series: string): number {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
