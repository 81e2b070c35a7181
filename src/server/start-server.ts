import type { Server } from 'node:http';
import type { Express } from 'express';
import type { DataSource } from 'typeorm';
import { createApp } from '../api/app';
import type { AppConfig } from '../config/config';
import { devOwnerToken, devSecret, startupNotes } from '../config/dev-mode';
import { createDataSource, runMigrations } from '../db/data-source';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded-postgres';
import { childLogger } from '../logging/logger';
import type { BackgroundJob } from './background-job';
import { assembleParts } from './assemble';
import type { AppContext } from './context';

const log = childLogger('server');

export interface RunningServer {
  server: Server;
  app: Express;
  ctx: AppContext;
  url: string;
  /** Stops accepting connections, finishes in-flight requests, stops jobs, closes the pool. */
  shutdown(): Promise<void>;
}

/** Starts everything: database (embedded when DATABASE_URL is unset), migrations, HTTP server, background jobs. */
export async function startServer(config: AppConfig, print: (line: string) => void = (l) => console.log(l)): Promise<RunningServer> {
  let embedded: EmbeddedPostgres | undefined;
  let dbUrl = config.database.url;
  if (!dbUrl) {
    embedded = await startEmbeddedPostgres(config.database.dataDir);
    dbUrl = embedded.url;
  }
  const dataSource: DataSource = createDataSource({ url: dbUrl, poolSize: embedded ? 1 : 10 });
  await dataSource.initialize();
  const applied = await runMigrations(dataSource, { lock: !embedded });
  if (applied.length) log.info({ migrations: applied }, 'database migrations applied');

  const secret = config.devMode ? devSecret(config.database.dataDir) : undefined;
  const parts = assembleParts(config, dataSource, { devSecret: secret, embeddedDatabase: embedded !== undefined });
  const ctx = parts.ctx;
  const app = createApp(ctx, parts.app);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;

  const jobs: BackgroundJob[] = parts.jobs;
  for (const job of jobs) job.start();
  await parts.onStart?.();

  log.info({ port, devMode: config.devMode }, 'recording orchestrator listening');
  for (const line of startupNotes(config, url, secret ? devOwnerToken(secret) : undefined)) print(line);

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
      await Promise.all(jobs.map((j) => j.stop()));
      await parts.onStop?.();
      await dataSource.destroy();
      await embedded?.stop();
      log.info('shut down');
    })();
    return closing;
  };
  return { server, app, ctx, url, shutdown };
}
