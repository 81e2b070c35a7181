import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase, runMigrations, type Database } from '../src/db/database';
import { queuesJobs, statement } from '../src/db/sql';
import { enqueue, JobRunner } from '../src/jobs/job-runner';
import type { Job, JobHandler } from '../src/jobs/job';
import { JOB_SQL } from '../src/jobs/statements';
import { EMAIL_SAVED_KIND } from '../src/notifications/email-job-kinds';
import { JOIN_PARTS_KIND } from '../src/recording/pause/join-job-kind';
import { PART_SQL } from '../src/recording/store/part-statements';
import { RecordingPartStore } from '../src/recording/store/part-store';
import { RecordingStore } from '../src/recording/store/recording-store';
import { SQL } from '../src/recording/store/statements';
import { eventually } from './helpers/flow';
import { createTestDatabase, type TestDatabase } from './helpers/pg';

/**
 * Nobody tells the job runner that jobs were queued: the database layer does. A job queued by
 * a component (a store's statement, in the same statement or transaction as its change) runs
 * long before the runner's next poll, though no component holds a callback; inside a
 * transaction the runner hears of it at COMMIT only; another instance finds it by polling.
 */

const POLL_MS = 60_000;
/** Well under POLL_MS: the job ran because the runner was woken, not because it polled. */
const PROMPT_MS = 2_000;
const reconcile = { intervalMs: 60_000, stoppedGraceMs: 600_000, initiatedGraceMs: 60_000 };

let tdb: TestDatabase;
let db: Database;
let other: Database;
let store: RecordingStore;
let runner: JobRunner;
const ran = new Map<string, number>();

function recordingRuns(kind: string): JobHandler {
  return {
    kind,
    leaseMs: 10_000,
    retry: { maxAttempts: 1, baseMs: 1000, maxMs: 1000 },
    run: async (job: Job) => {
      ran.set(job.recordingId ?? job.key ?? job.id, Date.now());
      return { status: 'done' };
    },
  };
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ url: tdb.url, poolSize: 4 });
  await runMigrations(db.dataSource);
  other = await openDatabase({ url: tdb.url, poolSize: 2 });
  store = new RecordingStore({ sql: db.sql, reconcile });
  runner = new JobRunner(db.sql, { pollIntervalMs: POLL_MS, concurrency: 2 });
  runner.register(recordingRuns(EMAIL_SAVED_KIND));
  runner.register(recordingRuns(JOIN_PARTS_KIND));
  await runner.start();
});

afterAll(async () => {
  await runner?.stop();
  await other?.close();
  await db?.close();
  await tdb?.drop();
});

let n = 0;
/** An active recording, made through `on` (another pool's changes are not heard by the runner). */
async function activeRecording(on: RecordingStore = store): Promise<string> {
  n += 1;
  const recording = await on.createInitiated({
    room: `wakeup-${n}`,
    mode: 'screen_recording',
    workerKind: 'livekit-video',
    options: {},
    isPermanent: false,
    owner: { sub: `owner-${n}`, email: `owner-${n}@example.org`, name: null, locale: null, zoneinfo: null, rooms: {} },
    startLeaseMs: 60_000,
  });
  await on.transition(recording.id, ['initiated'], 'active', { workerId: `EG_wakeup_${n}` });
  return recording.id;
}

/** How long after `since` the job of `key` ran, waiting for it no longer than PROMPT_MS. */
async function ranWithin(key: string, since: number): Promise<number> {
  await eventually(async () => ran.has(key), PROMPT_MS, `the job of ${key} to run`);
  return ran.get(key)! - since;
}

it('the emails a save queues run at once, though the store was given no callback', async () => {
  const id = await activeRecording();
  const since = Date.now();
  expect(await store.markSaved(id)).toMatchObject({ result: 'saved', queued: 1 });
  expect(await ranWithin(id, since)).toBeLessThan(PROMPT_MS);
});

it('a job a transaction queues is announced at COMMIT, and never for a rollback', async () => {
  const id = await activeRecording();
  const heard: string[] = [];
  const stopHearing = db.sql.onJobsQueued(() => heard.push('queued'));
  try {
    await expect(
      db.sql.transaction(async (tx) => {
        await enqueue(tx, { kind: EMAIL_SAVED_KIND, key: `rolled-back:${id}`, recordingId: id });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(heard).toEqual([]);

    const since = Date.now();
    await db.sql.transaction(async (tx) => {
      await enqueue(tx, { kind: EMAIL_SAVED_KIND, key: `committed:${id}`, recordingId: id });
      expect(heard).toEqual([]);
    });
    expect(heard).toEqual(['queued']);
    expect(await ranWithin(id, since)).toBeLessThan(PROMPT_MS);
  } finally {
    stopHearing();
  }
});

it('a statement that says it queued no job (jobsDue 0, or no row) does not wake the runner', async () => {
  const heard: string[] = [];
  const stopHearing = db.sql.onJobsQueued(() => heard.push('queued'));
  try {
    // This store routes no events: its status changes queue nothing, and say so.
    const id = await activeRecording();
    expect(heard).toEqual([]);
    // A guarded change that does not apply returns no row: nothing was queued either.
    expect(await store.transition(id, ['initiated'], 'active')).toBeNull();
    expect(heard).toEqual([]);
    // The save queues its email: heard once.
    expect(await store.markSaved(id)).toMatchObject({ result: 'saved', queued: 1 });
    expect(heard).toEqual(['queued']);
  } finally {
    stopHearing();
  }
});

it('a job made due now (a landing part nudging the join) runs at once', async () => {
  // Made beside the runner's pool, so that only the nudge can wake it.
  const id = await activeRecording(new RecordingStore({ sql: other.sql, reconcile }));
  await enqueue(other.sql, { kind: JOIN_PARTS_KIND, key: `${JOIN_PARTS_KIND}:${id}`, recordingId: id, runAt: new Date(Date.now() + 3_600_000) });
  const since = Date.now();
  expect(await new RecordingPartStore(db.sql, store).nudgeJoin(id)).toBe(true);
  expect(await ranWithin(id, since)).toBeLessThan(PROMPT_MS);
});

it("another instance's runner finds the job by its poll", async () => {
  const polling = new JobRunner(other.sql, { pollIntervalMs: 100, concurrency: 1 });
  const kind = 'test.other-instance';
  polling.register(recordingRuns(kind));
  await polling.start();
  try {
    await enqueue(db.sql, { kind, key: `${kind}:1` });
    await eventually(async () => ran.has(`${kind}:1`), 5_000, 'the other instance to run the job');
  } finally {
    await polling.stop();
  }
});

it('knows which statements queue jobs', () => {
  for (const queues of [JOB_SQL.enqueue, JOB_SQL.ensureRecurring, SQL.markSaved, SQL.transition, PART_SQL.nudgeJoin]) {
    expect([queues.name, queuesJobs(queues)]).toEqual([queues.name, true]);
  }
  const updateDueNow = statement('t_due', `UPDATE jobs SET status = 'pending', run_at = now() WHERE id = $1`);
  const insertQualified = statement('t_qualified', `INSERT INTO public.jobs (kind) VALUES ($1)`);
  expect([queuesJobs(updateDueNow), queuesJobs(insertQualified)]).toEqual([true, true]);
  for (const queuesNone of [JOB_SQL.claim, JOB_SQL.done, JOB_SQL.retryLater, JOB_SQL.reschedule, SQL.byId, SQL.cancelJobsOf, statement('t', 'SELECT * FROM jobs')]) {
    expect([queuesNone.name, queuesJobs(queuesNone)]).toEqual([queuesNone.name, false]);
  }
});

/** Every .ts file under dir, but the migrations (they run before any runner starts). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

it('every piece of SQL in src/ that inserts a job or makes one due now is one the runner hears of', () => {
  const missed: string[] = [];
  let seen = 0;
  for (const file of sources(path.resolve(__dirname, '../src'))) {
    const text = readFileSync(file, 'utf8');
    const inserts = text.match(/INSERT\s+INTO\s+[\w".]*\bjobs\b[^\n]*/gi) ?? [];
    const dueNow = (text.match(/UPDATE\s+[\w".]*\bjobs\b[^`]*/gi) ?? []).filter((update) => /\brun_at\s*=\s*now\(\)(?!\s*[-+])/i.test(update));
    for (const sql of [...inserts, ...dueNow]) {
      seen += 1;
      if (!queuesJobs(statement('t_scan', sql))) missed.push(`${path.relative(process.cwd(), file)}: ${sql.slice(0, 80)}`);
    }
  }
  expect(missed).toEqual([]);
  // The outbox fragments, the stores' and the runner's own statements, and the join's nudge.
  expect(seen).toBeGreaterThanOrEqual(10);
});
