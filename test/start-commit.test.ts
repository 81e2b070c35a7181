import { openDatabase, runMigrations, type Database } from '../src/db/database';
import { RecordingStore } from '../src/recording/store/recording-store';
import { createTestDatabase, type TestDatabase } from './helpers/pg';

/**
 * A start's first write (the `initiated` row) commits without waiting for the disk; the
 * guarantee rests on the status change after it waiting, and flushing both. So the setting must
 * stay inside that one statement's transaction: the next statements and transactions, on every
 * connection of the pool, run with synchronous_commit on again.
 */

const settings = { intervalMs: 60_000, stoppedGraceMs: 600_000, initiatedGraceMs: 60_000 };

let tdb: TestDatabase;
let db: Database;
let store: RecordingStore;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ url: tdb.url, poolSize: POOL });
  await runMigrations(db.dataSource);
  store = new RecordingStore({ sql: db.sql, reconcile: settings, tagsObjects: false });
});
afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

const POOL = 3;
const SHOW = { name: 'test_show_sync_commit', text: 'SHOW synchronous_commit' };

it('leaves synchronous_commit on for what follows on the same connection', async () => {
  /** The setting on every connection at once (each busy with one SHOW, so all are asked). */
  const everyConnection = async () => (await Promise.all(Array.from({ length: POOL }, () => db.sql.transaction((tx) => tx.query(SHOW))))).flat();
  const on = Array(POOL).fill({ synchronous_commit: 'on' });
  expect(await everyConnection()).toEqual(on);
  const r = await store.createInitiated({
    room: 'commit-room',
    mode: 'screen_recording',
    workerKind: 'livekit-video',
    options: {},
    isPermanent: false,
    owner: { sub: 'commit-owner', email: null, name: null, locale: null, zoneinfo: null, rooms: {} },
    startLeaseMs: 60_000,
  });
  expect(r.status).toBe('initiated');
  expect(await everyConnection()).toEqual(on);
  expect(await db.sql.query(SHOW)).toEqual([{ synchronous_commit: 'on' }]);
  // The row is committed and visible to every session at once, like any other.
  expect((await store.transition(r.id, ['initiated'], 'active', { workerId: 'EG_commit' }))?.status).toBe('active');
});
