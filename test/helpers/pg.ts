import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

/** The admin URL set by scripts/test.sh; tests create a throwaway database per test file from it. */
export function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through `npm test`');
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** An empty database (no tables, no migrations applied) instead of a migrated one. */
  empty?: boolean;
}

const MIGRATIONS_DIR = resolve(__dirname, '../../src/db/migrations');

/**
 * The migrated template's name, from a hash of every file in src/db/migrations: a migration
 * added, removed or edited gives a new template, built on first use. Branches with different
 * migrations on one server each get their own.
 */
export function templateName(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(file).update('\0').update(readFileSync(join(MIGRATIONS_DIR, file))).update('\0');
  }
  return `rec_tmpl_${hash.digest('hex').slice(0, 16)}`;
}

function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

async function exists(admin: Client, name: string): Promise<boolean> {
  return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
}

/**
 * Makes sure the migrated template exists. One jest worker builds it, the others wait on an
 * advisory lock. It is migrated under another name and renamed when complete, so a template
 * that exists is a finished one, even after a build was killed half-way. It then refuses
 * connections: CREATE DATABASE ... TEMPLATE fails while any session is connected to it.
 */
async function ensureTemplate(template: string): Promise<void> {
  await withAdmin(async (admin) => {
    if (await exists(admin, template)) return;
    const lockKey = BigInt(`0x${template.slice(-15)}`).toString();
    await admin.query('SELECT pg_advisory_lock($1)', [lockKey]);
    try {
      if (await exists(admin, template)) return;
      const building = `${template}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      // Loaded here only: most test files never build the template.
      const { openDatabase, runMigrations } = await import('../../src/db/database');
      const db = await openDatabase({ url: databaseUrl(building), poolSize: 2 });
      try {
        await runMigrations(db.dataSource);
      } finally {
        await db.close();
      }
      await admin.query(`ALTER DATABASE ${building} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true`);
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    }
  });
}

/**
 * Creates a uniquely named database and returns its URL: a copy of the migrated template
 * (every migration applied, no rows), or an empty one with `empty: true`.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `rec_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const template = options.empty ? undefined : templateName();
  if (template) await ensureTemplate(template);
  await withAdmin((admin) => admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`));
  return {
    url: databaseUrl(name),
    name,
    async drop() {
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
