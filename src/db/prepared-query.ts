import type { DataSource } from 'typeorm';

/** The part of node-postgres's Pool used here. */
interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * TypeORM's PostgreSQL driver keeps its node-postgres Pool in `driver.master`. Querying it
 * directly with a named statement (prepared once per connection) skips TypeORM's per-query
 * QueryRunner and PostgreSQL's parse/plan: about half the time of `dataSource.query`. For hot
 * paths only (media-auth, storage events); falls back to `dataSource.query` without that pool.
 */
export async function preparedQuery<T>(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const master = (dataSource.driver as { master?: unknown }).master;
  if (master && typeof (master as PgPool).query === 'function') {
    return (await (master as PgPool).query({ name, text, values })).rows as T[];
  }
  return (await dataSource.query(text, values)) as T[];
}
