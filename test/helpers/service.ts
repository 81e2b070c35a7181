import jwt from 'jsonwebtoken';
import { loadConfig, type AppConfig } from '../../src/config/config';
import { setLogLevel } from '../../src/logging/logger';
import { startServer, type RunningServer } from '../../src/server/start-server';
import { recordAnswers } from './answer-recorder';
import { createTestDatabase, type TestDatabase } from './pg';

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef-0123456789';
export const TEST_STORAGE_TOKEN = 'storage-token-for-tests';

export interface TestService {
  url: string;
  config: AppConfig;
  running: RunningServer;
  db: TestDatabase;
  /** Stops the service; `keepDatabase` leaves the database for a restart. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * Starts the real service (same start-up path as `npm start`) on a random port, against a
 * throwaway PostgreSQL database unless one is given.
 */
export async function startTestService(env: Record<string, string | undefined> = {}, db?: TestDatabase): Promise<TestService> {
  const database = db ?? (await createTestDatabase());
  const config = loadConfig({
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    LOG_LEVEL: 'silent',
    ...env,
    DATABASE_URL: database.url,
    PORT: '0',
    HOST: '127.0.0.1',
  });
  setLogLevel(config.server.logLevel);
  const running = await startServer(config, () => undefined);
  recordAnswers(running.server);
  return {
    url: running.url.replace('localhost', '127.0.0.1'),
    config,
    running,
    db: database,
    async close(options = {}) {
      await running.shutdown();
      if (!options.keepDatabase) await database.drop();
    },
  };
}

export interface TestUser {
  sub: string;
  email?: string;
  name?: string;
  locale?: string;
  zoneinfo?: string;
  rooms?: Record<string, string>;
}

export function tokenFor(user: TestUser, options: jwt.SignOptions = {}, secret = TEST_JWT_SECRET): string {
  return jwt.sign({ ...user }, secret, { algorithm: 'HS256', expiresIn: '10m', ...options });
}

export function bearer(user: TestUser, options?: jwt.SignOptions): { Authorization: string } {
  return { Authorization: `Bearer ${tokenFor(user, options)}` };
}
