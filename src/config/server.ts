import { z } from 'zod';
import { concern } from './concern';
import { EMBEDDED_DATABASE, envDatabaseUrl } from './database-url';
import { envInt, envString, envUrl, issue } from './env-parsers';
import { envTrustProxy } from './trust-proxy';

const logLevel = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim() || 'info')
  .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));

/** The process: where it listens, logs, its database and how it is reached from outside. */
export const serverConcern = concern(
  {
    NODE_ENV: envString(),
    PORT: envInt({ min: 0, max: 65535 }),
    HOST: envString(),
    LOG_LEVEL: logLevel,
    TRUST_PROXY: envTrustProxy(),
    DATABASE_URL: envDatabaseUrl(),
    DATABASE_POOL_SIZE: envInt({ min: 1, max: 100 }),
    DATA_DIR: envString(),
    PUBLIC_URL: envUrl(),
    WEBHOOK_RATE_LIMIT_PER_MINUTE: envInt({ min: 0, max: 1000000 }),
  },
  (env, ctx) => {
    const port = env.PORT ?? 8080;
    const production = env.NODE_ENV === 'production';
    const productionAnyCase = env.NODE_ENV?.toLowerCase() === 'production';
    // The embedded database holds one connection under DATA_DIR: production takes it only when asked.
    if (productionAnyCase && env.DATABASE_URL === undefined)
      issue(ctx, 'DATABASE_URL', 'unset in production: set a PostgreSQL URL, or DATABASE_URL=embedded to use the embedded database on purpose');
    return {
      production,
      port,
      host: env.HOST ?? '0.0.0.0',
      logLevel: env.LOG_LEVEL,
      trustProxy: env.TRUST_PROXY,
      /** Unset (development) or `embedded`: the embedded PostgreSQL (PGlite) under dataDir. */
      databaseUrl: env.DATABASE_URL === EMBEDDED_DATABASE ? undefined : env.DATABASE_URL,
      /**
       * Most PostgreSQL connections this process holds (its one pool: requests, jobs,
       * migrations); N instances hold at most N times this. The embedded database uses 1.
       */
      databasePoolSize: env.DATABASE_POOL_SIZE ?? 10,
      dataDir: env.DATA_DIR ?? './data',
      /** The service's public base URL, as browsers reach it (through nginx). */
      publicUrl: env.PUBLIC_URL ?? `http://localhost:${port}`,
      /** Per source address, for the endpoints anyone can reach before a credential check. */
      webhookRateLimitPerMinute: env.WEBHOOK_RATE_LIMIT_PER_MINUTE ?? 1200,
    };
  },
);
