import 'reflect-metadata';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from './migrations';
import { Sql } from './sql';

export interface DatabaseOptions {
  url: string;
  /** Connection pool size; the embedded database serves one connection at a time. */
  poolSize?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/** The service's database: TypeORM runs the migrations, the project's SQL runs on the same pool. */
export interface Database {
  dataSource: DataSource;
  sql: Sql;
  close(): Promise<void>;
}

/**
 * Opens the pool. TypeORM's documented `driver` option takes the `pg` module it builds its
 * pool with; handing it one whose Pool class remembers the instance gives the project the
 * very same pool (one set of connections, one size limit) without reaching into TypeORM.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let pool: pg.Pool | undefined;
  class SharedPool extends pg.Pool {
    constructor(config?: pg.PoolConfig) {
      super(config);
      pool = this;
    }
  }
  const driver = Object.create(pg, { Pool: { value: SharedPool } }) as typeof pg;
  const dataSource = new DataSource({
    type: 'postgres',
    driver,
    url: options.url,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    poolSize: options.poolSize ?? 10,
    extra: {
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      statement_timeout: options.statementTimeoutMs ?? 15000,
      idleTimeoutMillis: 30000,
    },
  });
  try {
    await dataSource.initialize();
  } catch (err) {
    throw new Error(`DATABASE_URL: cannot connect to ${describeDatabaseUrl(options.url)} (${connectFailure(err, options.url)})`);
  }
  if (!pool) throw new Error('database: the connection pool was not created');
  return { dataSource, sql: new Sql(pool), close: () => dataSource.destroy() };
}

/** "host:port/database" of a database URL, for messages: no user, no password. */
export function describeDatabaseUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    return `${url.hostname}:${url.port || '5432'}/${database}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Why a connection failed, in one line: the system error code or the server's words, never the password. */
function connectFailure(err: unknown, rawUrl: string): string {
  const e = err as NodeJS.ErrnoException & { errors?: unknown[] };
  // A host with several addresses fails with an AggregateError whose own message is empty.
  const first = (e.errors?.[0] ?? e) as NodeJS.ErrnoException;
  let reason = first.code && /^E[A-Z]+$/.test(first.code) ? first.code : (first.message || e.message || String(err));
  if (/client password must be a string/.test(reason)) reason = 'the URL has no password';
  let password = '';
  try {
    password = decodeURIComponent(new URL(rawUrl).password);
  } catch {
    password = '';
  }
  if (password) reason = reason.split(password).join('***');
  return reason.replace(/\s+/g, ' ').trim();
}

/** Arbitrary constant: serialises migrations when several instances start at once. */
const MIGRATION_LOCK_KEY = 7_314_820_991;

/** Applies pending migrations under an advisory lock; returns the names applied. */
export async function runMigrations(dataSource: DataSource, options: { lock?: boolean } = {}): Promise<string[]> {
  if (options.lock === false) {
    // Single-connection pools (the embedded database) cannot hold the lock and migrate at once.
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
