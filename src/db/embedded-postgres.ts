import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDataDir } from './embedded-lock';

/**
 * Development database: PGlite (PostgreSQL compiled to WebAssembly) stored under dataDir,
 * served on a loopback port so the same `pg` driver and TypeORM code run unchanged.
 * PGlite runs one session, so the pool talking to it must hold a single connection. One
 * process at a time opens a data dir: a lock file in it names the process holding it.
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = path.resolve(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    const db = await PGlite.create(dir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start().catch(async (err: unknown) => {
      await db.close().catch(() => undefined);
      throw err;
    });
    return {
      url: `postgres://postgres@${server.getServerConn()}/postgres`,
      async stop() {
        try {
          await server.stop();
          await db.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
