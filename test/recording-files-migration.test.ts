import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { openDatabase, runMigrations } from '../src/db/database';
import { InitialSchema1763800000000 } from '../src/db/migrations/1763800000000-initial-schema';
import { JobRunner1764600000000 } from '../src/db/migrations/1764600000000-job-runner';
import { MIGRATIONS } from '../src/db/migrations';
import { RecordingStore } from '../src/recording/store/recording-store';
import { queryDb } from './helpers/flow';
import { createTestDatabase } from './helpers/pg';

/** Upgrading a database that has recordings: each gets its composite as its one file. */
it('gives every existing recording its composite file, saved when the recording was', async () => {
  const tdb = await createTestDatabase({ empty: true });
  try {
    const before = new DataSource({
      type: 'postgres',
      url: tdb.url,
      migrations: [InitialSchema1763800000000, JobRunner1764600000000],
      migrationsTableName: 'typeorm_migrations',
    });
    await before.initialize();
    await before.runMigrations();
    await before.query(`
      INSERT INTO recordings (id, room, mode, status, worker_kind) VALUES
        ('11111111-1111-4111-8111-111111111111', 'a', 'screen_recording', 'notification_succeeded', 'livekit-video'),
        ('22222222-2222-4222-8222-222222222222', 'b', 'transcript', 'stopped', 'livekit-audio'),
        ('33333333-3333-4333-8333-333333333333', 'c', 'jitsi', 'saved', 'jibri')`);
    await before.destroy();

    const db = await openDatabase({ url: tdb.url });
    try {
      // Every migration after the first two runs, in order.
      expect(await runMigrations(db.dataSource)).toEqual(MIGRATIONS.slice(2).map((m) => m.name));
      const rows = await queryDb(tdb.url, 'SELECT recording_id::text, relative_key, kind, content_type, status FROM recording_files ORDER BY relative_key');
      expect(rows).toEqual([
        { recording_id: '11111111-1111-4111-8111-111111111111', relative_key: '11111111-1111-4111-8111-111111111111.mp4', kind: 'composite', content_type: 'video/mp4', status: 'saved' },
        { recording_id: '22222222-2222-4222-8222-222222222222', relative_key: '22222222-2222-4222-8222-222222222222.ogg', kind: 'composite', content_type: 'audio/ogg', status: 'pending' },
        { recording_id: '33333333-3333-4333-8333-333333333333', relative_key: '33333333-3333-4333-8333-333333333333.mp4', kind: 'composite', content_type: 'video/mp4', status: 'saved' },
      ]);
      // The old stopped recording saves as before, and is ready at once: it has no tracks.
      const store = new RecordingStore({ sql: db.sql, reconcile: { intervalMs: 1000, stoppedGraceMs: 1000, initiatedGraceMs: 1000 } });
      expect(await store.markSaved('22222222-2222-4222-8222-222222222222')).toEqual({ result: 'saved', ready: true, queued: 0, jobsQueued: 0 });
      const saved = await store.findById('22222222-2222-4222-8222-222222222222');
      expect(saved).toMatchObject({ status: 'notification_succeeded', files: [{ kind: 'composite', status: 'saved', relativeKey: '22222222-2222-4222-8222-222222222222.ogg' }] });
    } finally {
      await db.close();
    }
  } finally {
    await tdb.drop();
  }
});
