import { openDatabase, runMigrations, type Database } from '../src/db/database';
import { EventRoutes } from '../src/events/routes';
import { RecordingStore } from '../src/recording/store/recording-store';
import { createTestDatabase, type TestDatabase } from './helpers/pg';

/**
 * The outbox on the real store and PostgreSQL: the statement that changes a recording queues
 * its event's deliveries (one per endpoint, one event id), a change that is not one queues
 * none, and a change that rolls back leaves none behind.
 */

const settings = { intervalMs: 60_000, stoppedGraceMs: 600_000, initiatedGraceMs: 60_000 };
const ENDPOINTS = ['https://a.example/hooks', 'https://b.example/hooks'];

let tdb: TestDatabase;
let db: Database;
let store: RecordingStore;
let n = 0;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ url: tdb.url, poolSize: 4 });
  await runMigrations(db.dataSource);
  store = new RecordingStore({ sql: db.sql, reconcile: settings, tagsObjects: false, events: new EventRoutes(ENDPOINTS, ['recording.started', 'recording.stopped', 'recording.ready', 'recording.failed', 'recording.deleted']) });
});
afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

async function initiated() {
  n += 1;
  return store.createInitiated({
    room: `outbox-${n}`,
    mode: 'screen_recording',
    workerKind: 'livekit-video',
    options: {},
    isPermanent: false,
    owner: { sub: `owner-${n}`, email: `owner-${n}@example.org`, name: null, locale: null, zoneinfo: null, rooms: {} },
    startLeaseMs: 60_000,
  });
}

async function deliveries(recordingId: string): Promise<{ type: string; eventId: string; endpoint: string; recording: { status: string } }[]> {
  return db.sql.query({ name: 'test_deliveries', text: `SELECT payload->>'type' AS type, payload->>'eventId' AS "eventId", payload->>'endpoint' AS endpoint, payload->'recording' AS recording FROM jobs WHERE kind = 'webhook.delivery' AND recording_id = $1 ORDER BY created_at` }, [recordingId]);
}

it('queues one delivery per endpoint with one event id, carrying the state the change left', async () => {
  const r = await initiated();
  expect(await deliveries(r.id)).toEqual([]);
  await store.transition(r.id, ['initiated'], 'active', { workerId: 'EG_1' });
  const queued = await deliveries(r.id);
  expect(queued.map((d) => [d.type, d.endpoint]).sort()).toEqual([
    ['recording.started', ENDPOINTS[0]],
    ['recording.started', ENDPOINTS[1]],
  ]);
  expect(new Set(queued.map((d) => d.eventId)).size).toBe(1);
  expect(queued[0]!.recording.status).toBe('active');
});

it('queues nothing for a worker-id patch that leaves the status as it was, nor for a guard that fails', async () => {
  const r = await initiated();
  await store.transition(r.id, ['initiated'], 'active', { workerId: 'EG_2' });
  await store.transition(r.id, ['active'], 'active', { workerId: 'EG_2b' });
  expect(await store.transition(r.id, ['initiated'], 'failed_to_start')).toBeNull();
  expect((await deliveries(r.id)).map((d) => d.type)).toEqual(['recording.started', 'recording.started']);
});

it('leaves no event behind when the change rolls back', async () => {
  const r = await initiated();
  await expect(
    db.sql.transaction(async (tx) => {
      expect(await store.transition(r.id, ['initiated'], 'active', { workerId: 'EG_3' }, tx)).not.toBeNull();
      throw new Error('rolled back on purpose');
    }),
  ).rejects.toThrow('rolled back on purpose');
  expect(await deliveries(r.id)).toEqual([]);
  expect((await store.findById(r.id))!.status).toBe('initiated');
});

it('queues the ready event once however many times the save is repeated', async () => {
  const r = await initiated();
  await store.transition(r.id, ['initiated'], 'active', { workerId: 'EG_4' });
  await store.transition(r.id, ['active'], 'stopped');
  await Promise.all([store.markSaved(r.id), store.markSaved(r.id), store.markSaved(r.id)]);
  const [row] = await db.sql.query<{ n: number }>({ name: 'test_ready_jobs', text: `SELECT count(*)::int AS n FROM jobs WHERE kind = 'webhook.ready' AND recording_id = $1` }, [r.id]);
  expect(row!.n).toBe(1);
  expect((await deliveries(r.id)).map((d) => d.type)).toEqual(['recording.started', 'recording.started', 'recording.stopped', 'recording.stopped']);
});

it('queues recording.deleted with the last state in the delete, and failed with its reason', async () => {
  const r = await initiated();
  await store.transition(r.id, ['initiated'], 'failed_to_start', { workerError: 'unavailable: egress is down' });
  const [failed] = await db.sql.query<{ reason: string }>({ name: 'test_reason', text: `SELECT payload->>'reason' AS reason FROM jobs WHERE kind = 'webhook.delivery' AND recording_id = $1 AND payload->>'type' = 'recording.failed' LIMIT 1` }, [r.id]);
  expect(failed!.reason).toBe('unavailable: egress is down');
  await store.delete(r.id);
  const types = (await deliveries(r.id)).map((d) => `${d.type}:${d.recording.status}`);
  expect(types.filter((t) => t.startsWith('recording.deleted'))).toEqual(['recording.deleted:failed_to_start', 'recording.deleted:failed_to_start']);
});

it('queues nothing at all without endpoints', async () => {
  const quiet = new RecordingStore({ sql: db.sql, reconcile: settings, tagsObjects: false, events: EventRoutes.none() });
  const r = await initiated();
  await quiet.transition(r.id, ['initiated'], 'active', { workerId: 'EG_6' });
  expect(await deliveries(r.id)).toEqual([]);
});
