import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createApp } from '../api/app';
import type { AppConfig } from '../config/config';
import { devOwnerToken, devSecret, startupNotes } from '../config/dev-mode';
import { openDatabase, runMigrations } from '../db/database';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded-postgres';
import { childLogger } from '../logging/logger';
import { compose, type Composed } from './compose';

const log = childLogger('server');

export interface RunningServer {
  server: Server;
  app: Express;
  parts: Composed;
  url: string;
  /** Stops accepting connections, finishes in-flight requests, stops background work, closes the pool. */
  shutdown(): Promise<void>;
}

/** How this process reaches its own server (the embedded store posts its events there). */
function ownAddress(address: AddressInfo): string {
  const any = address.address === '0.0.0.0' || address.address === '::';
  const host = any ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Starts everything: database (embedded when DATABASE_URL is unset), migrations, HTTP server, background work. */
export async function startServer(config: AppConfig, print: (line: string) => void = (l) => console.log(l)): Promise<RunningServer> {
  let embedded: EmbeddedPostgres | undefined;
  let dbUrl = config.server.databaseUrl;
  if (!dbUrl) {
    embedded = await startEmbeddedPostgres(config.server.dataDir);
    dbUrl = embedded.url;
  }
  // PGlite serves one session: its pool holds one connection.
  const db = await openDatabase({ url: dbUrl, poolSize: embedded ? 1 : config.server.databasePoolSize });
  const applied = await runMigrations(db.dataSource, { lock: !embedded });
  if (applied.length) log.info({ migrations: applied }, 'database migrations applied');

  const secret = config.auth.devMode ? devSecret(config.server.dataDir) : undefined;
  // Development mode: an embedded store and a mail capture stand in for what is not configured.
  // Its embedded S3 and SMTP servers are loaded only then.
  const dev = secret ? await import('../devmode/dev-stack').then(({ startDevStack }) => startDevStack(config, devOwnerToken(secret))).catch(async (err: unknown) => {
    await db.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw err;
  }) : undefined;
  const parts = compose(dev?.config ?? config, db, { devSecret: secret });
  const app = createApp(parts.api, dev?.tools);

  const server = await new Promise<Server>((resolve, reject) => {
    // Express 5 hands a listen error (port taken) to this callback instead of throwing.
    const s = app.listen(config.server.port, config.server.host, (error?: Error) => {
      if (error) reject(new Error(`PORT ${config.server.port}: cannot listen (${(error as NodeJS.ErrnoException).code ?? error.message})`));
      else resolve(s);
    });
  }).catch(async (err: unknown) => {
    // Nothing else has started yet: close the database before the process exits.
    await dev?.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw err;
  });
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://localhost:${port}`;
  if (dev && typeof address === 'object' && address) dev.listening(ownAddress(address));

  await parts.start();

  log.info({ port, devMode: config.auth.devMode }, 'recording orchestrator listening');
  for (const line of [...startupNotes(dev?.config ?? config, url, dev?.tools.ownerToken), ...(dev?.notes(url) ?? [])]) print(line);

  let closing: Promise<void> | null = null;
  const shutdown = () => {
    closing ??= (async () => {
      log.info('shutting down: finishing in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      force.unref();
      await closed;
      clearTimeout(force);
      await parts.stop();
      await dev?.stop();
      await db.close();
      await embedded?.stop();
      log.info('shut down');
    })();
    return closing;
  };
  return { server, app, parts, url, shutdown };
}
