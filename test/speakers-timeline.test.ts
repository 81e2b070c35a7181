import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../src/config/config';
import { openDatabase, runMigrations, type Database } from '../src/db/database';
import { ArtifactService } from '../src/recording/artifacts/artifact-service';
import { SPEAKERS_JOB_KIND } from '../src/recording/artifacts/artifact-job-kinds';
import { speakersJob } from '../src/recording/artifacts/speakers-job';
import { ArtifactStore } from '../src/recording/store/artifact-store';
import { RecordingFileStore } from '../src/recording/store/file-store';
import { RecordingStore } from '../src/recording/store/recording-store';
import { ArtifactObjects } from '../src/storage/artifact-objects';
import { ObjectStorage } from '../src/storage/object-storage';
import { FFMPEG } from './helpers/media';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';

/**
 * Who spoke when, on real audio: two OGG/Opus tracks made by ffmpeg (alice speaks at 1–3 s and
 * 6–7 s, bob at 3.5–5 s on the composite's time line, his track having started 0.5 s after
 * the composite), stored in s3rver; the recording made ready by the real store, which queues
 * the job; the job's own handler streams each track through ffmpeg and writes speakers.json.
 */

const TOLERANCE_S = 0.3;
let tdb: TestDatabase;
let db: Database;
let s3: TestS3;
let storage: ObjectStorage;

/** An OGG/Opus file of `seconds`, a 440 Hz tone where `speaks` (track time) and digital silence elsewhere. */
function speech(dir: string, name: string, seconds: number, speaks: [number, number][]): Buffer {
  const when = speaks.map(([a, b]) => `between(t,${a},${b})`).join('+');
  const file = path.join(dir, `${name}.ogg`);
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc='if(${when},0.5*sin(2*PI*440*t),0)':s=48000:d=${seconds}`, '-c:a', 'libopus', '-b:a', '32k', file]);
  return readFileSync(file);
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ url: tdb.url, poolSize: 4 });
  await runMigrations(db.dataSource);
  s3 = await startS3Server();
  storage = new ObjectStorage(loadSettings({ ...s3Env(s3) }, 'storage').storage!);
}, 60_000);

afterAll(async () => {
  storage?.close();
  await s3?.close();
  await db?.close();
  await tdb?.drop();
});

it('writes speakers.json with each participant\'s speech on the composite\'s time line, within 0.3 s', async () => {
  const store = new RecordingStore({ sql: db.sql, reconcile: { intervalMs: 60_000, stoppedGraceMs: 600_000, initiatedGraceMs: 60_000 } });
  const files = new RecordingFileStore({ sql: db.sql });
  const recording = await store.createInitiated({
    room: 'speakers',
    mode: 'screen_recording',
    workerKind: 'livekit-video',
    options: { participant_tracks: 'audio' },
    isPermanent: false,
    owner: { sub: 'speakers-owner', email: null, name: null, locale: null, zoneinfo: null, rooms: {} },
    startLeaseMs: 60_000,
  });
  await store.transition(recording.id, ['initiated'], 'active', { workerId: 'EG_speakers' });
  expect(await files.claimTrack(recording.id, { trackId: 'TR_alice', identity: 'alice', name: 'Alice' })).toBe('claimed');
  expect(await files.claimTrack(recording.id, { trackId: 'TR_bob', identity: 'bob', name: 'Bob' })).toBe('claimed');
  await store.transition(recording.id, ['active'], 'stopped');
  const composite = new Date('2026-12-01T10:00:00.000Z');
  await db.sql.query({ name: 't_started', text: `UPDATE recording_files SET started_at = $2::timestamptz + make_interval(secs => CASE track_id WHEN 'TR_bob' THEN 0.5 ELSE 0 END) WHERE recording_id = $1` }, [recording.id, composite]);

  const dir = mkdtempSync(path.join(tmpdir(), 'speakers-'));
  await s3.putObject(`recordings/${recording.id}/TR_alice.ogg`, speech(dir, 'alice', 8, [[1, 3], [6, 7]]), 'audio/ogg');
  await s3.putObject(`recordings/${recording.id}/TR_bob.ogg`, speech(dir, 'bob', 7.5, [[3, 4.5]]), 'audio/ogg');
  await store.markSaved(recording.id);
  await files.settleTrack(recording.id, 'TR_alice', 'saved', 1);
  await files.settleTrack(recording.id, 'TR_bob', 'saved', 1);

  // The statement that made it ready queued the job, once.
  const jobs = await db.sql.query<{ id: string; created_at: Date }>({ name: 't_jobs', text: 'SELECT id, created_at FROM jobs WHERE kind = $1 AND recording_id = $2' }, [SPEAKERS_JOB_KIND, recording.id]);
  expect(jobs).toHaveLength(1);

  const objects = new ArtifactObjects(storage);
  const artifacts = new ArtifactService({
    getForUser: () => Promise.reject(new Error('not used')),
    findById: (id) => store.findById(id),
    resolveShare: () => Promise.reject(new Error('not used')),
    store: new ArtifactStore(db.sql),
    objects,
    settings: { outputFolder: 'recordings', expirationDays: undefined },
  });
  const handler = speakersJob({
    findById: (id) => store.findById(id),
    artifacts,
    objects,
    settings: { ffmpegPath: FFMPEG, noiseDb: -35, minSilenceSeconds: 0.5, timeoutMs: 60_000, outputFolder: 'recordings' },
  });
  expect(handler.maxInFlight).toBe(1);
  const outcome = await handler.run({ id: jobs[0]!.id, kind: SPEAKERS_JOB_KIND, key: null, recordingId: recording.id, payload: {}, attempts: 1, createdAt: jobs[0]!.created_at });
  expect(outcome).toEqual({ status: 'done' });

  const written = JSON.parse((await s3.getObject(`recordings/${recording.id}/artifacts/speakers.json`)).toString()) as { speakers: { identity: string; name: string; segments: [number, number][] }[] };
  const expected: Record<string, [number, number][]> = { alice: [[1, 3], [6, 7]], bob: [[3.5, 5]] };
  expect(written.speakers.map((s) => [s.identity, s.name])).toEqual([['alice', 'Alice'], ['bob', 'Bob']]);
  for (const speaker of written.speakers) {
    const want = expected[speaker.identity]!;
    expect(speaker.segments).toHaveLength(want.length);
    speaker.segments.forEach(([from, to], i) => {
      expect(Math.abs(from - want[i]![0])).toBeLessThanOrEqual(TOLERANCE_S);
      expect(Math.abs(to - want[i]![1])).toBeLessThanOrEqual(TOLERANCE_S);
    });
  }
  expect((await store.findById(recording.id))!.artifacts!.map((a) => a.name)).toEqual(['speakers.json']);
});
