/**
 * bench/expiry-sweep: what one pass of the expiry sweep costs the database as the recordings
 * table grows. A pass runs the two queueing statements of src/recording/store/expiry-statements.ts
 * (removal jobs for expired recordings, reminders whose moment has come) through ExpirySweep, on
 * real PostgreSQL with the project's migrations, over a table of N recordings: most young, some
 * permanent, some whose files are already removed, and a backlog of expired ones. Measured:
 *   - a backlog pass: it queues a batch (100 removals, up to 100 reminders); between passes the
 *     queued work is marked done, as the jobs would;
 *   - a quiet pass: nothing is due;
 * each with the partial indexes recordings_expiry_due and recordings_reminder_due, then without
 * them (scans of the table), and the ratios. Needs PostgreSQL (scripts/test.sh sets it up): TEST_PG_ADMIN_URL or the default below.
 *   npx tsx bench/expiry-sweep.ts [recordings]
 */
import { openDatabase, runMigrations } from '../src/db/database';
import { setLogLevel } from '../src/logging/logger';
import { ExpirySweep } from '../src/recording/retention/expiry-sweep';
import { ExpiryStore } from '../src/recording/store/expiry-store';
import { createTestDatabase } from '../test/helpers/pg';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
const N = Number(process.argv[2] ?? 200_000);
const DAYS = 30;
const REMINDER_DAYS = 7;
const BACKLOG_PASSES = 9;
const QUIET_PASSES = 21;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  setLogLevel('warn');
  const tdb = await createTestDatabase();
  const db = await openDatabase({ url: tdb.url });
  try {
    await runMigrations(db.dataSource);
    const q = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
    // Ages spread over a year; 2% permanent, 1% already removed, and 2,000 expired ones waiting.
    await q(
      `INSERT INTO recordings (id, room, mode, status, worker_kind, created_at, is_permanent, files_removed_at, reconcile_at)
       SELECT gen_random_uuid(), 'bench-' || n, 'screen_recording', 'notification_succeeded', 'livekit-video',
              CASE WHEN n % 100 < 96 THEN now() - make_interval(secs => (n % 29) * 86400 + n % 86400)
                   ELSE now() - make_interval(days => 31 + n % 300) END,
              n % 100 IN (96, 97), CASE WHEN n % 100 = 98 THEN now() - interval '2 days' END, NULL
         FROM generate_series(1, $1::int) AS n`,
      [N],
    );
    await q(`INSERT INTO recording_accesses (id, recording_id, user_sub, role, email) SELECT gen_random_uuid(), id, 'u-' || id, 'owner', 'o@example.org' FROM recordings`);
    await q('ANALYZE');
    const [{ expired }] = await q(
      `SELECT count(*)::int AS expired FROM recordings WHERE files_removed_at IS NULL AND NOT is_permanent AND created_at <= now() - interval '${DAYS} days'`,
    );
    const [{ reminders }] = await q(
      `SELECT count(*)::int AS reminders FROM recordings WHERE files_removed_at IS NULL AND NOT is_permanent
          AND created_at <= now() - interval '${DAYS - REMINDER_DAYS} days' AND created_at > now() - interval '${DAYS} days'`,
    );

    const sweep = new ExpirySweep({ store: new ExpiryStore({ sql: db.sql }), expirationDays: DAYS, removesFiles: true, reminderDays: REMINDER_DAYS });
    const timed = async () => {
      const t0 = performance.now();
      const queued = await sweep.run();
      return { ms: performance.now() - t0, queued };
    };
    // What the jobs would do: files removed, reminders sent.
    const complete = async () => {
      await q(`UPDATE recordings r SET files_removed_at = now() FROM jobs j WHERE j.kind = 'storage.expire-files' AND j.status = 'pending' AND j.recording_id = r.id`);
      await q(`UPDATE jobs SET status = 'done', finished_at = now() WHERE status = 'pending' AND kind IN ('storage.expire-files', 'email.expiry-reminder')`);
    };
    const reset = async () => {
      await q(`DELETE FROM jobs WHERE kind IN ('storage.expire-files', 'email.expiry-reminder')`);
      await q(`UPDATE recordings SET files_removed_at = NULL WHERE files_removed_at > now() - interval '1 hour'`);
      await q(`UPDATE recordings SET reminders_queued_at = NULL`);
    };

    const measure = async () => {
      await reset();
      const backlog: number[] = [];
      for (let i = 0; i < BACKLOG_PASSES; i++) {
        const { ms, queued } = await timed();
        if (queued.removals !== 100) throw new Error(`a backlog pass queued ${queued.removals} removals`);
        backlog.push(ms);
        await complete();
      }
      // Quiet: every expired recording handled, every reminder sent, also those entering the
      // reminder window in the next hour (ages are spread by the second: one crosses it every
      // ~12 s, and a slow run of quiet passes would otherwise see one due).
      await q(`UPDATE recordings SET files_removed_at = now() WHERE files_removed_at IS NULL AND NOT is_permanent AND created_at <= now() - interval '${DAYS} days'`);
      await q(`UPDATE recordings SET reminders_queued_at = now() WHERE reminders_queued_at IS NULL AND created_at <= now() - interval '${DAYS - REMINDER_DAYS} days' + interval '1 hour'`);
      const quiet: number[] = [];
      for (let i = 0; i < QUIET_PASSES; i++) {
        const { ms, queued } = await timed();
        if (queued.removals + queued.reminders !== 0) throw new Error('a quiet pass queued work');
        quiet.push(ms);
      }
      return { backlog: median(backlog), quiet: median(quiet) };
    };

    const indexed = await measure();
    await q('DROP INDEX recordings_expiry_due');
    await q('DROP INDEX recordings_reminder_due');
    await q('ANALYZE recordings');
    const scanned = await measure();

    console.log(
      `expiry sweep bench: ${N.toLocaleString('en')} recordings (${expired.toLocaleString('en')} expired waiting, ${reminders.toLocaleString('en')} in the reminder window), ` +
        `PostgreSQL, ${require('node:os').cpus().length} cores (medians of ${BACKLOG_PASSES} backlog / ${QUIET_PASSES} quiet passes)`,
    );
    console.log(`  with the partial indexes     backlog pass ${indexed.backlog.toFixed(1).padStart(7)} ms   quiet pass ${indexed.quiet.toFixed(1).padStart(7)} ms`);
    console.log(`  without (table scan)          backlog pass ${scanned.backlog.toFixed(1).padStart(7)} ms   quiet pass ${scanned.quiet.toFixed(1).padStart(7)} ms`);
    console.log(`  the indexes make a backlog pass ${(scanned.backlog / indexed.backlog).toFixed(1)}x and a quiet pass ${(scanned.quiet / indexed.quiet).toFixed(1)}x cheaper`);
  } finally {
    await db.close();
    await tdb.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
