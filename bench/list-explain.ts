/**
 * bench/list-explain: EXPLAIN (ANALYZE, BUFFERS) of the list's statement for each query of
 * bench/list, on the same data, as the service sends it: a prepared statement, run once with a
 * custom plan (the first five executions on a connection) and once with the generic plan
 * PostgreSQL may switch to after them. Prints the median execution time of 11 runs, the
 * planning time and the shared buffers each plan touched; load moves these far less than the
 * HTTP latencies.
 *
 *   npx tsx bench/list-explain.ts [--files] [--plans]
 * `--files` gives every recording its composite file row; `--plans` prints each plan.
 */
import { Client } from 'pg';
import { createTestDatabase } from '../test/helpers/pg';
import { LIST_PAGE_WITH_COUNT } from '../src/recording/recording-list';
import { LIST_USER, seedList } from './list-seed';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
const RUNS = 11;
const PAGE_SIZE = 20;

interface Filter { room?: string; statuses?: string[]; after?: Date; before?: Date; contains?: string; page?: number }

/** The statement's parameters for the bench's caller, in its order ($1..$9). */
function parameters(f: Filter): unknown[] {
  return [LIST_USER.sub, f.room ?? null, f.statuses ?? null, f.after ?? null, f.before ?? null, f.contains ?? null,
    Object.keys(LIST_USER.rooms), PAGE_SIZE, ((f.page ?? 1) - 1) * PAGE_SIZE];
}

/** A parameter as an SQL literal (EXECUTE takes literals). */
function literal(db: Client, value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return db.escapeLiteral(value.toISOString());
  if (Array.isArray(value)) return db.escapeLiteral(`{${value.map((v) => `"${String(v)}"`).join(',')}}`);
  return db.escapeLiteral(String(value));
}

async function explain(db: Client, values: unknown[], mode: 'force_custom_plan' | 'force_generic_plan', printPlan: boolean): Promise<string> {
  await db.query(`SET plan_cache_mode = ${mode}`);
  await db.query('DEALLOCATE ALL');
  await db.query(`PREPARE list_page AS ${LIST_PAGE_WITH_COUNT.text}`);
  const args = values.map((v) => literal(db, v)).join(', ');
  const runs: { execution: number; planning: number; buffers: string; plan: string }[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE list_page(${args})`);
    const plan = rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    runs.push({
      execution: Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1]),
      planning: Number(/Planning Time: ([\d.]+)/.exec(plan)?.[1] ?? 0),
      buffers: /Buffers: shared hit=(\d+)(?: read=(\d+))?/.exec(plan)?.slice(1).filter(Boolean).join('+') ?? '?',
      plan,
    });
  }
  runs.sort((a, b) => a.execution - b.execution);
  const median = runs[Math.floor(RUNS / 2)]!;
  if (printPlan) console.log(median.plan);
  return `execution ${median.execution.toFixed(2)} ms (planning ${median.planning.toFixed(2)}), buffers ${median.buffers}`;
}

async function main(): Promise<void> {
  const testDb = await createTestDatabase();
  const db = new Client({ connectionString: testDb.url });
  await db.connect();
  try {
    await seedList(db, { files: process.argv.includes('--files') });
    await db.query('VACUUM ANALYZE');
    const monthAgo = new Date(Date.now() - 30 * 86400_000);
    const queries: [string, Filter][] = [
      ['no filter', {}],
      ['room', { room: 'room-42' }],
      ['status', { statuses: ['saved', 'notification_succeeded'] }],
      ['created_after', { after: monthAgo }],
      ['created_before', { before: monthAgo }],
      ['q', { contains: 'oom-4' }],
      ['all combined', { room: 'room-42', statuses: ['saved'], before: new Date(), contains: '42' }],
      ['member rooms, page 5', { page: 5 }],
    ];
    const printPlans = process.argv.includes('--plans');
    for (const [name, filter] of queries) {
      for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
        const line = await explain(db, parameters(filter), mode, printPlans);
        console.log(`  ${name.padEnd(22)} ${mode === 'force_custom_plan' ? 'custom ' : 'generic'}  ${line}`);
      }
    }
  } finally {
    await db.end();
    await testDb.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
