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

/** What runs SQL: the pool itself or one connection inside a transaction. */
export interface SqlRunner {
  query<T extends QueryResultRow>(stmt: Statement, values?: unknown[]): Promise<T[]>;
}

/** Queries and transactions over the service's connection pool. */
export class Sql implements SqlRunner {
  constructor(private readonly pool: Pool) {}

  async query<T extends QueryResultRow>(stmt: Statement, values: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>({ name: stmt.name, text: stmt.text, values })).rows;
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
    try {
      await client.query('BEGIN');
      const result = await work(clientRunner(client));
      await client.query('COMMIT');
      return result;
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
  }
}

function clientRunner(client: PoolClient): SqlRunner {
  return {
    async query<T extends QueryResultRow>(stmt: Statement, values: unknown[] = []): Promise<T[]> {
      return (await client.query<T>({ name: stmt.name, text: stmt.text, values })).rows;
    },
  };
}

const UNIQUE_VIOLATION = '23505';

/** The error is PostgreSQL's unique_violation (of `constraint`, when given). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === UNIQUE_VIOLATION && (constraint === undefined || e.constraint === constraint);
}
