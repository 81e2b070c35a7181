import { openDatabase, runMigrations, type Database } from '../src/db/database';
import { JobRunner } from '../src/jobs/job-runner';
import type { RecurringTask } from '../src/jobs/job';
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

it('a pass that outlives its lease keeps the task: the other instance never runs one beside it', async () => {
  let running = 0;
  let overlapped = 0;
  let passes = 0;
  const task: RecurringTask = {
    kind: 'test.long-pass',
    intervalMs: 50,
    leaseMs: 600,
    run: async () => {
      running += 1;
      if (running > 1) overlapped += 1;
      passes += 1;
      // More than three leases long.
      await sleep(2000);
      running -= 1;
    },
  };
  const a = await instance(task);
  const b = await instance(task);
  await a.start();
  await b.start();
  await sleep(4500);
  expect(passes).toBeGreaterThanOrEqual(2);
  expect(overlapped).toBe(0);
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
  while (ran.length === 0) await sleep(20);
  const b = await instance(task('b'), 2000);
  await b.start();
  // Held past several leases by the renewals...
  await sleep(1200);
  expect(ran).toEqual(['a']);
  // ...then given up: b runs it within the hold limit plus one lease (and some polling).
  const began = Date.now();
  while (!ran.includes('b')) {
    if (Date.now() - began > 6000) throw new Error(`the task was not run again: ${ran.join(', ')}`);
    await sleep(20);
  }
}, 20_000);

it('one instance never runs two passes of a task at once, even once the hold limit let its claim lapse', async () => {
  let running = 0;
  let most = 0;
  let passes = 0;
  const task: RecurringTask = {
    kind: 'test.overlong-pass',
    intervalMs: 50,
    leaseMs: 300,
    run: async () => {
      running += 1;
      passes += 1;
      most = Math.max(most, running);
      // Far past the hold limit below.
      await sleep(3000);
      running -= 1;
    },
  };
  const a = await instance(task, 600);
  await a.start();
  await sleep(4000);
  expect(passes).toBeGreaterThanOrEqual(1);
  expect(most).toBe(1);
}, 20_000);
