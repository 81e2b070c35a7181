import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { Notification } from './entities/notification.entity';
import { RecordingAccess } from './entities/recording-access.entity';
import { Recording } from './entities/recording.entity';
import { MIGRATIONS } from './migrations';

export const ENTITIES = [Recording, RecordingAccess, Notification];

export interface DataSourceOptions {
  url: string;
  /** Connection pool size; the embedded database serves one connection at a time. */
  poolSize?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
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
