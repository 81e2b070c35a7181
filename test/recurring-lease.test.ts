import { openDatabase, runMigrations, type Database } from '../src/db/database';
import { JobRunner } from '../src/jobs/job-runner';
import type { RecurringTask } from '../src/jobs/job';
import { eventually } from './helpers/flow';
import { createTestDatabase, type TestDatabase } from './helpers/pg';

/**
 * A recurring task is one row that cycles in `jobs`, claimed with a lease. Two job runners on
 * one database stand for two instances: a pass longer than its lease keeps its claim while it
 * runs (no second pass beside it), and a pass that never ends gives the task up after the hold
 * limit instead of keeping it from every instance for good, though never to a second pass on
 * its own instance.
 */

let tdb: TestDatabase;
const dbs: Database[] = [];
const runners: JobRunner[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  const db = await openDatabase({ url: tdb.url });
  dbs.push(db);
  await runMigrations(db.dataSource);
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await Promise.all(dbs.map((db) => db.close()));
  await tdb.drop();
});

async function instance(task: RecurringTask, holdLimitMs?: number): Promise<JobRunner> {
  const db = await openDatabase({ url: tdb.url, poolSize: 2 });
  dbs.push(db);
  const runner = new JobRunner(db.sql, { pollIntervalMs: 50, concurrency: 2, recurringHoldLimitMs: holdLimitMs });
  runner.every(task);
  runners.push(runner);
  return runner;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A task whose every pass takes `passMs`; `passes` counts them, `most` is the most that ran at once. */
function timedPasses(kind: string, leaseMs: number, passMs: number) {
  const seen = { passes: 0, most: 0 };
  let running = 0;
  const task: RecurringTask = {
    kind,
    intervalMs: 50,
    leaseMs,
    run: async () => {
      running += 1;
      seen.passes += 1;
      seen.most = Math.max(seen.most, running);
      await sleep(passMs);
      running -= 1;
    },
  };
  return { task, seen };
}

it('a pass that outlives its lease keeps the task: the other instance never runs one beside it', async () => {
  // Each pass more than three leases long.
  const { task, seen } = timedPasses('test.long-pass', 600, 2000);
  const a = await instance(task);
  const b = await instance(task);
  await a.start();
  await b.start();
  // A second pass begins only once the first (over three leases long) is over.
  await eventually(async () => seen.passes >= 2, 10_000, 'a second pass');
  // Never two at once, on either instance.
  expect(seen.most).toBe(1);
}, 20_000);

it('a pass that never ends lets its lease lapse after the hold limit, and another instance runs the task', async () => {
  const ran: string[] = [];
  const hang = new Promise<void>(() => undefined);
  const task = (name: string): RecurringTask => ({
    kind: 'test.hung-pass',
    intervalMs: 50,
    leaseMs: 600,
    run: async () => {
      ran.push(name);
      if (name === 'a') await hang;
    },
  });
  const a = await instance(task('a'), 2000);
  // a's pass never ends, so a.stop() would wait forever: a is left running (its timers are unref'd).
  runners.splice(runners.indexOf(a), 1);
  await a.start();
  await eventually(async () => ran.length > 0, 5000, "a's first pass");
  const b = await instance(task('b'), 2000);
  await b.start();
  // Held past several leases by the renewals (deliberate: time in which b must not run it)...
  await sleep(1200);
  expect(ran).toEqual(['a']);
  // ...then given up: b runs it within the hold limit plus one lease (and some polling).
  await eventually(async () => ran.includes('b'), 6000, 'b to run the task');
}, 20_000);

it('one instance never runs two passes of a task at once, even once the hold limit let its claim lapse', async () => {
  // Each pass far past the hold limit below (2.5 times it).
  const { task, seen } = timedPasses('test.overlong-pass', 300, 1500);
  const a = await instance(task, 600);
  await a.start();
  // The next pass begins once the first (far past its hold limit) is over: never beside it.
  await eventually(async () => seen.passes >= 2, 10_000, 'a second pass');
  expect(seen.most).toBe(1);
}, 20_000);
