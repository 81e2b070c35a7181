import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from './helpers/pg';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

it('a connection the server drops between two statements of a transaction fails that transaction, not the process', () => {
  const script = path.join(__dirname, 'fixtures/scripts/dropped-transaction.ts');
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, db.url], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8', timeout: 30_000 });
  expect(run.stderr).not.toMatch(/Unhandled 'error' event/);
  expect(run.status).toBe(0);
  // The transaction failed, and the pool went on with a new connection.
  expect(JSON.parse(run.stdout)).toEqual({ failed: true, after: 1 });
});
