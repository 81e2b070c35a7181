import type { ApiDeps } from '../api/api-deps';
import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import { EventRoutes } from '../events/routes';
import { JobRunner } from '../jobs/job-runner';
import { childLogger } from '../logging/logger';
import { Metrics } from '../metrics/metrics';
import { recordingSavedEmailJob } from '../notifications/recording-saved-job';
import { createSmtpTransport } from '../notifications/smtp-transport';
import { LivekitWebhookAdapter } from '../recording/workers/livekit/webhook-adapter';
import { ensureRecordingLifecycle } from '../storage/bucket-lifecycle';
import { createObjectStorage, type ObjectStorage } from '../storage/object-storage';
import { composeAccess } from './compose-access';
import { composeArtifacts } from './compose-artifacts';
import { composeEvents } from './compose-events';
import { composeRecording } from './compose-recording';
import { composeRetention } from './compose-retention';
import { composeRooms } from './compose-rooms';
import type { Shared } from './compose-shared';

const log = childLogger('server');

export interface Composed {
  api: ApiDeps;
  runner: JobRunner;
  /** After the HTTP server listens: background work and start-up checks. */
  start(): Promise<void>;
  /** After the HTTP server closed: stops background work and closes connections out. */
  stop(): Promise<void>;
}

async function bucketPresent(storage: ObjectStorage): Promise<void> {
  if (!(await storage.bucketExists())) throw new Error('bucket missing');
}

function jobRunner(config: AppConfig, db: Database, metrics: Metrics): JobRunner {
  return new JobRunner(db.sql, {
    pollIntervalMs: config.jobs.pollIntervalMs,
    concurrency: config.jobs.concurrency,
    onResult: (kind, result) => {
      metrics.jobs.inc({ kind, result });
      if (kind.startsWith('email.')) metrics.emails.inc({ outcome: result === 'done' ? 'sent' : result });
    },
  });
}

/**
 * The composition root: builds what every concern shares (the job runner, metrics, storage,
 * event routes), then each concern in its own module (recording, events, retention, access,
 * rooms), each registering its own jobs, and hands the HTTP layer what its routes need.
 */
export function compose(config: AppConfig, db: Database, options: { devSecret?: string } = {}): Composed {
  const metrics = new Metrics();
  const runner = jobRunner(config, db, metrics);
  const storage = createObjectStorage(config);
  const events = new EventRoutes(config.webhooks.endpoints, config.webhooks.events);
  const shared: Shared = { config, db, metrics, runner, storage, events };

  const recording = composeRecording(shared);
  const { store, recordings } = recording;
  const access = composeAccess(shared, recording, options.devSecret);
  const { artifactTokens, artifacts } = composeArtifacts(shared, recording, access);
  composeEvents(shared, store, artifactTokens);
  const transport = createSmtpTransport(config.email);
  if (transport) runner.register(recordingSavedEmailJob(config, db.sql, store, transport));
  const { permanence } = composeRetention(shared, { store, get: (user, id) => recordings.get(user, id), transport });
  const { rooms, activity, jitsiEvents, roomAccess } = composeRooms(shared, recording);
  // A room's member level changed here: this instance's media-auth decides afresh at once.
  roomAccess.onChange(() => access.mediaAuthorizer.forgetAll());

  const api: ApiDeps = {
    config,
    metrics,
    ...access,
    artifacts,
    artifactTokens,
    recordings,
    pauses: recording.pauses,
    recorders: recording.recorders,
    rooms,
    roomAccess,
    permanence,
    storageEvents: recording.storageEvents,
    livekitEvents: new LivekitWebhookAdapter(config.livekit, { rooms: activity, recordings: recording.workerEvents }),
    jibriWebhook: recording.jibriWebhook,
    jitsiEvents,
    jibriUploads: recording.jibriUploads,
    readinessChecks: [
      { name: 'database', check: async () => void (await db.dataSource.query('SELECT 1')) },
      ...(storage ? [{ name: 'storage', check: () => bucketPresent(storage) }] : []),
    ],
    countByStatus: () => store.countByStatus(),
  };

  return {
    api,
    runner,
    async start() {
      await runner.start();
      try {
        await access.downloadSecret.get();
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'download-link key not loaded yet; will retry on first use');
      }
      await ensureRecordingLifecycle(storage, config.recording, childLogger('storage'));
    },
    async stop() {
      await runner.stop();
      await recording.registry.close();
      transport?.close();
      storage?.close();
    },
  };
}
