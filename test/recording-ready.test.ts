import { openDatabase, runMigrations, type Database } from '../src/db/database';
import { RecordingFileStore } from '../src/recording/store/file-store';
import { RecordingStore } from '../src/recording/store/recording-store';
import { createTestDatabase, type TestDatabase } from './helpers/pg';

/**
 * "The recording is ready" under concurrency, on the real store and real PostgreSQL (READ
 * COMMITTED, separate pool connections): when the last files of a recording land at the same
 * moment, exactly one of them makes it ready and the emails are queued exactly once.
 */

const ITERATIONS = 60;
const settings = { intervalMs: 60_000, stoppedGraceMs: 600_000, initiatedGraceMs: 60_000 };

let tdb: TestDatabase;
let db: Database;
let store: RecordingStore;
let files: RecordingFileStore;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ url: tdb.url, poolSize: 8 });
  await runMigrations(db.dataSource);
  store = new RecordingStore({ sql: db.sql, reconcile: settings });
  files = new RecordingFileStore({ sql: db.sql });
});
afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

/** A stopped recording with two owners (two emails) and `tracks` pending track files. */
async function stoppedWithTracks(n: number, tracks: number): Promise<{ id: string; trackIds: string[] }> {
  const recording = await store.createInitiated({
    room: `ready-${n}`,
    mode: 'screen_recording',
    workerKind: 'livekit-video',
    options: { participant_tracks: 'audio' },
    isPermanent: false,
    owner: { sub: `owner-${n}`, email: `owner-${n}@example.org`, name: null, locale: null, zoneinfo: null, rooms: {} },
    startLeaseMs: 60_000,
  });
  await db.sql.query({ name: 'test_second_owner', text: `INSERT INTO recording_accesses (id, recording_id, user_sub, role, email) VALUES (gen_random_uuid(), $1, $2, 'owner', $3)` }, [
    recording.id,
    `co-owner-${n}`,
    `co-owner-${n}@example.org`,
  ]);
  await store.transition(recording.id, ['initiated'], 'active', { workerId: `EG_${n}` });
  const trackIds = Array.from({ length: tracks }, (_, i) => `TR_${n}x${i}`);
  for (const trackId of trackIds) {
    expect(await files.claimTrack(recording.id, { trackId, identity: trackId, name: '' })).toBe('claimed');
  }
  await store.transition(recording.id, ['active'], 'stopped');
  return { id: recording.id, trackIds };
}

async function emailJobs(id: string): Promise<number> {
  const [row] = await db.sql.query<{ n: number }>({ name: 'test_email_jobs', text: `SELECT count(*)::int AS n FROM jobs WHERE recording_id = $1 AND kind LIKE 'email.%'` }, [id]);
  return row!.n;
}

async function pendingCount(id: string): Promise<number> {
  const [row] = await db.sql.query<{ n: number }>({ name: 'test_pending', text: 'SELECT tracks_pending AS n FROM recordings WHERE id = $1' }, [id]);
  return row!.n;
}

it(`two track files saved at the same moment after the composite: exactly one makes it ready (${ITERATIONS} runs)`, async () => {
  for (let n = 0; n < ITERATIONS; n++) {
    const { id, trackIds } = await stoppedWithTracks(n, 2);
    const saved = await store.markSaved(id);
    expect(saved).toEqual({ result: 'saved', ready: false, queued: 0, jobsQueued: 0 });
    const outcomes = await Promise.all(trackIds.map((t) => files.settleTrack(id, t, 'saved', 100)));
    expect(outcomes.filter((o) => o.result === 'settled' && o.ready)).toHaveLength(1);
    expect(outcomes.map((o) => (o.result === 'settled' ? o.queued : -1)).sort()).toEqual([0, 2]);
    expect(await emailJobs(id)).toBe(2);
    expect(await pendingCount(id)).toBe(0);
  }
});

it(`the composite and the last track at the same moment, with a repeated event and a failed track among them (${ITERATIONS} runs)`, async () => {
  for (let n = ITERATIONS; n < 2 * ITERATIONS; n++) {
    const { id, trackIds } = await stoppedWithTracks(n, 3);
    const [first, second, third] = trackIds as [string, string, string];
    expect(await files.settleTrack(id, first, 'saved')).toEqual({ result: 'settled', ready: false, queued: 0, jobsQueued: 0 });
    const outcomes = await Promise.all([
      store.markSaved(id),
      files.settleTrack(id, second, 'saved'),
      files.settleTrack(id, second, 'saved'), // MinIO's retry of the same event
      files.settleTrack(id, third, 'failed'), // the reconciler giving up on one at that moment
    ]);
    const ready = outcomes.filter((o) => (o.result === 'saved' || o.result === 'settled') && o.ready);
    expect(ready).toHaveLength(1);
    expect(outcomes.filter((o) => o.result === 'already')).toHaveLength(1);
    expect(await emailJobs(id)).toBe(2);
    expect(await pendingCount(id)).toBe(0);
    const recording = await store.findById(id);
    expect(recording!.status).toBe('saved');
    expect(recording!.files.map((f) => f.status)).toEqual(['saved', 'saved', 'saved', 'failed']);
  }
});

it('a recording with tracks still pending is saved but not ready, and its reconciler look is set to their grace', async () => {
  const { id, trackIds } = await stoppedWithTracks(10_000, 1);
  expect(await store.markSaved(id, undefined, 4096)).toEqual({ result: 'saved', ready: false, queued: 0, jobsQueued: 0 });
  const [row] = await db.sql.query<{ due_in: number }>(
    { name: 'test_due_in', text: 'SELECT extract(epoch FROM reconcile_at - now())::float8 * 1000 AS due_in FROM recordings WHERE id = $1' },
    [id],
  );
  expect(row!.due_in).toBeGreaterThan(settings.stoppedGraceMs - 60_000);
  expect(await emailJobs(id)).toBe(0);
  expect(await files.settleTrack(id, trackIds[0]!, 'saved')).toEqual({ result: 'settled', ready: true, queued: 2, jobsQueued: 2 });
  expect((await store.findById(id))!.files[0]).toMatchObject({ kind: 'composite', status: 'saved', size: 4096 });
});

it(`the start's listing and a track_published webhook claiming the same track at once: one claim, counted once (${ITERATIONS} runs)`, async () => {
  for (let n = 20_000; n < 20_000 + ITERATIONS; n++) {
    const recording = await store.createInitiated({
      room: `claim-${n}`,
      mode: 'screen_recording',
      workerKind: 'livekit-video',
      options: { participant_tracks: 'audio' },
      isPermanent: false,
      owner: { sub: `o-${n}`, email: null, name: null, locale: null, zoneinfo: null, rooms: {} },
      startLeaseMs: 60_000,
    });
    await store.transition(recording.id, ['initiated'], 'active', { workerId: `EG_c${n}` });
    const a = { trackId: `TR_a${n}`, identity: 'a', name: 'A' };
    const b = { trackId: `TR_b${n}`, identity: 'b', name: 'B' };
    const [listing, webhook, retry] = await Promise.all([
      files.claimTracks(recording.id, [a, b]),
      files.claimTracks(recording.id, [b]),
      files.claimTracks(recording.id, [b]),
    ]);
    expect(listing.claimed.has(a.trackId)).toBe(true);
    expect([listing, webhook, retry].filter((c) => c.claimed.has(b.trackId))).toHaveLength(1);
    expect(await pendingCount(recording.id)).toBe(2);
  }
});
