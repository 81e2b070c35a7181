import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './service-process';

/**
 * A private PostgreSQL 15 cluster (Debian's postgresql-common tools), for a test that stops
 * and restarts the database server without disturbing the shared cluster other test files
 * use. Trust authentication on 127.0.0.1; fsync off (the data is thrown away).
 * Needs root (or password-less sudo), as the tests have in CI.
 */

const run = promisify(execFile);
const VERSION = '15';
const TOOL_TIMEOUT_MS = 60_000;

export interface PgCluster {
  name: string;
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  start(): Promise<void>;
  /** Fast shutdown: open sessions are terminated, new connections refused. */
  stop(): Promise<void>;
  /** Stops (if running) and removes the cluster and its files. */
  drop(): Promise<void>;
}

function tool(name: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const [cmd, argv] = asRoot ? [name, args] : ['sudo', ['-n', name, ...args]];
  return run(cmd, argv, { timeout: TOOL_TIMEOUT_MS });
}

export async function createPgCluster(): Promise<PgCluster> {
  const name = `rec_fi_${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  await tool('pg_createcluster', [
    VERSION,
    name,
    '--port',
    String(port),
    '-o',
    'fsync=off',
    '--',
    '--auth=trust',
    '--no-sync',
  ]);
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const cluster: PgCluster = {
    name,
    port,
    urlFor,
    async createDatabase(db: string) {
      const c = new Client({ connectionString: urlFor('postgres'), connectionTimeoutMillis: 5000 });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${db}`);
      } finally {
        await c.end();
      }
      return urlFor(db);
    },
    async start() {
      await tool('pg_ctlcluster', [VERSION, name, 'start']);
    },
    async stop() {
      await tool('pg_ctlcluster', [VERSION, name, 'stop', '-m', 'fast']);
    },
    async drop() {
      await tool('pg_dropcluster', [VERSION, name, '--stop']);
    },
  };
  try {
    await cluster.start();
  } catch (err) {
    await cluster.drop().catch(() => undefined);
    throw err;
  }
  return cluster;
}
