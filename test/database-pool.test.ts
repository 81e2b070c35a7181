import { Client } from 'pg';
import request from 'supertest';
import { loadConfig } from '../src/config/config';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * DATABASE_POOL_SIZE bounds the PostgreSQL connections of one instance (N instances: N times
 * it): however many requests arrive at once, the database sees at most that many sessions
 * from the service, and the requests wait their turn rather than fail.
 */

const POOL_SIZE = 2;
const CONCURRENT = 40;
const user: TestUser = { sub: 'pool-user', email: 'pool@example.org', rooms: { 'pool-room': 'owner' } };

let svc: TestService;
let observer: Client;

beforeAll(async () => {
  svc = await startTestService({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
  observer = new Client({ connectionString: svc.db.url });
  await observer.connect();
});

afterAll(async () => {
  await observer?.end();
  await svc?.close();
});

/** Client sessions on the test database other than the observer's own (an autovacuum worker is no client). */
async function serviceSessions(): Promise<number> {
  const { rows } = await observer.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
  );
  return rows[0]!.n;
}

it(`holds at most DATABASE_POOL_SIZE (${POOL_SIZE}) connections under ${CONCURRENT} concurrent requests`, async () => {
  expect(svc.config.server.databasePoolSize).toBe(POOL_SIZE);
  let done = false;
  const samples: number[] = [];
  const sampling = (async () => {
    while (!done) samples.push(await serviceSessions());
  })();
  const answers = await Promise.all(
    Array.from({ length: CONCURRENT }, () => request(svc.url).get('/api/v1.0/recordings/').set(bearer(user))),
  );
  done = true;
  await sampling;
  expect(answers.map((a) => a.status)).toEqual(Array(CONCURRENT).fill(200));
  expect(samples.length).toBeGreaterThan(0);
  expect(Math.max(...samples)).toBeLessThanOrEqual(POOL_SIZE);
  // The pool was used to its size: the bound held under pressure, not for want of it.
  expect(Math.max(...samples)).toBe(POOL_SIZE);
});

it('defaults to 10 and refuses a size outside 1 to 100, naming the variable', () => {
  const base = { AUTH_JWT_SECRET: 'pool-test-secret-0123456789', RECORDING_STORAGE_EVENT_TOKEN: 'x' };
  expect(loadConfig(base).server.databasePoolSize).toBe(10);
  expect(() => loadConfig({ ...base, DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
  expect(() => loadConfig({ ...base, DATABASE_POOL_SIZE: '101' })).toThrow(/DATABASE_POOL_SIZE/);
  expect(() => loadConfig({ ...base, DATABASE_POOL_SIZE: 'many' })).toThrow(/DATABASE_POOL_SIZE/);
});
