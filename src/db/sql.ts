import type { Pool, PoolClient, QueryResultRow } from 'pg';

/**
 * A SQL statement with a name: node-postgres prepares a named statement once per connection
 * and then only binds values, so hot paths (media-auth, storage events) skip PostgreSQL's
 * parse and plan. Every statement of the project is one of these.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export function statement(name: string, text: string): Statement {
  return { name: `recorder_${name}`, text };
}

/**
 * A statement that queues jobs: an INSERT into the jobs table, or an UPDATE that makes a pending
 * job due now, alone or as one part (a CTE) of a larger statement.
 */
const QUEUES_JOBS = /\b(?:INSERT\s+INTO\s+(?:"?public"?\.)?"?jobs\b|UPDATE\s+(?:"?public"?\.)?"?jobs"?\s+(?:\w+\s+)?SET\b[^;]*?\brun_at\s*=\s*now\(\)(?!\s*[-+]))/i;
/**
 * The column a job-queuing statement may return to say how many jobs it queued or made due
 * (JOBS_DUE): when it does, every job it queues is counted there, and rows that all say 0 (or no
 * row) mean nothing was queued, so the runner is not woken for nothing (a guarded change that
 * did not apply, or sent no event).
 */
export const JOBS_DUE = 'jobsDue';

/** What a statement may do to the jobs: nothing, queue some, or queue some and count them in JOBS_DUE. */
type JobQueuing = 'none' | 'queues' | 'counts';
const queuingByStatement = new WeakMap<Statement, JobQueuing>();

/** Read once per statement, from its text. */
function queuingOf(stmt: Statement): JobQueuing {
  let queuing = queuingByStatement.get(stmt);
  if (queuing === undefined) {
    queuing = !QUEUES_JOBS.test(stmt.text) ? 'none' : stmt.text.includes(`"${JOBS_DUE}"`) ? 'counts' : 'queues';
    queuingByStatement.set(stmt, queuing);
  }
  return queuing;
}

/** The statement may queue jobs (see QUEUES_JOBS). */
export function queuesJobs(stmt: Statement): boolean {
  return queuingOf(stmt) !== 'none';
}

/** Whether a statement that may queue jobs did, judged by its rows when it counts them (JOBS_DUE). */
function queuedAny(stmt: Statement, rows: readonly QueryResultRow[]): boolean {
  const queuing = queuingOf(stmt);
  if (queuing !== 'counts') return queuing === 'queues';
  return rows.some((row) => Number(row[JOBS_DUE]) > 0);
}

/** What runs SQL: the pool itself or one connection inside a transaction. */
export interface SqlRunner {
  query<T extends QueryResultRow>(stmt: Statement, values?: unknown[]): Promise<T[]>;
}

/**
 * Queries and transactions over the service's connection pool. It is also the one place that
 * knows jobs were queued: every job is queued by a statement run here (in the same statement or
 * transaction as the change that causes it), so after such a statement takes effect it tells its
 * listeners (the job runner), and no component has to pass the news on.
 */
export class Sql implements SqlRunner {
  private readonly jobsQueuedListeners = new Set<() => void>();

  constructor(private readonly pool: Pool) {}

  /**
   * Calls `listener` after every statement that may have queued jobs took effect: when it returns
   * outside a transaction, at COMMIT inside one (never for a rolled back one). Returns what
   * removes the listener. Only this process hears it: other instances find the jobs by polling.
   */
  onJobsQueued(listener: () => void): () => void {
    this.jobsQueuedListeners.add(listener);
    return () => this.jobsQueuedListeners.delete(listener);
  }

  async query<T extends QueryResultRow>(stmt: Statement, values: unknown[] = []): Promise<T[]> {
    const rows = (await this.pool.query<T>({ name: stmt.name, text: stmt.text, values })).rows;
    if (queuedAny(stmt, rows)) this.jobsQueued();
    return rows;
  }

  /** Runs `work` in one transaction (READ COMMITTED), committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // The server may drop the connection between two statements of the transaction (a restart):
    // node-postgres then emits 'error' on the checked-out client, which must not crash the process.
    // The next statement fails, the transaction rolls back, and the client is discarded.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    const runner = new TransactionRunner(client);
    let result: T;
    try {
      await client.query('BEGIN');
      result = await work(runner);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
        // The connection is unusable (e.g. the server went away): do not return it to the pool.
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      });
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
    if (runner.queuedJobs) this.jobsQueued();
    return result;
  }

  private jobsQueued(): void {
    for (const listener of this.jobsQueuedListeners) listener();
  }
}

/** One transaction's connection; remembers whether a statement that may queue jobs ran on it. */
class TransactionRunner implements SqlRunner {
  queuedJobs = false;

  constructor(private readonly client: PoolClient) {}

  async query<T extends QueryResultRow>(stmt: Statement, values: unknown[] = []): Promise<T[]> {
    const rows = (await this.client.query<T>({ name: stmt.name, text: stmt.text, values })).rows;
    if (queuedAny(stmt, rows)) this.queuedJobs = true;
    return rows;
  }
}

const UNIQUE_VIOLATION = '23505';

/** The error is PostgreSQL's unique_violation (of `constraint`, when given). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === UNIQUE_VIOLATION && (constraint === undefined || e.constraint === constraint);
}
