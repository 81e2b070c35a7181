import type { ApiDeps } from '../api/app';
import { JibriWebhookAuth } from '../auth/jibri-webhook-auth';
import { TokenVerifier } from '../auth/token-verifier';
import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import { DownloadSecret } from '../downloads/download-secret';
import { MediaAuthorizer } from '../downloads/media-authorizer';
import { JobRunner } from '../jobs/job-runner';
import { childLogger } from '../logging/logger';
import { Metrics } from '../metrics/metrics';
import { recordingSavedEmailJob } from '../notifications/recording-saved-job';
import { createSmtpTransport } from '../notifications/smtp-transport';
import { JibriStatusWebhook } from '../recording/events/jibri-status';
import { LivekitEventHandler } from '../recording/events/livekit-events';
import { StorageEvents } from '../recording/events/storage-events';
import { JibriUploadUrls } from '../recording/jibri-uploads';
import { RecordingMediator } from '../recording/mediator';
import { Reconciler } from '../recording/reconciler/reconciler';
import { RecordingService } from '../recording/recording-service';
import { RecordingStore } from '../recording/store/recording-store';
import { WORKER_FACTORIES } from '../recording/workers/factories';
import { JibriPoolStore } from '../recording/workers/jibri/pool-store';
import { createWorkerRegistry } from '../recording/workers/registry';
import { ensureRecordingLifecycle } from '../storage/bucket-lifecycle';
import { createObjectStorage } from '../storage/object-storage';

const log = childLogger('server');

export interface Composed {
  api: ApiDeps;
  runner: JobRunner;
  /** After the HTTP server listens: background work and start-up checks. */
  start(): Promise<void>;
  /** After the HTTP server closed: stops background work and closes connections out. */
  stop(): Promise<void>;
}

/**
 * The composition root: the one place that knows every concern. It builds each part from the
 * configuration and the database and hands the HTTP layer what its routes need.
 */
export function compose(config: AppConfig, db: Database, options: { devSecret?: string } = {}): Composed {
  const metrics = new Metrics();
  const storage = createObjectStorage(config);
  const verifier = new TokenVerifier({
    secret: config.auth.secret ?? options.devSecret,
    publicKey: config.auth.publicKey,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });

  const runner = new JobRunner(db.sql, {
    pollIntervalMs: config.jobs.pollIntervalMs,
    concurrency: config.jobs.concurrency,
    onResult: (kind, result) => {
      metrics.jobs.inc({ kind, result });
      if (kind.startsWith('email.')) metrics.emails.inc({ outcome: result === 'done' ? 'sent' : result });
    },
  });
  const kick = () => runner.kick();

  const store = new RecordingStore(db.sql, config.reconcile);
  const registry = createWorkerRegistry(config, WORKER_FACTORIES, { jibriPool: new JibriPoolStore(db.sql) });
  const mediator = new RecordingMediator(store, registry, {
    outputFolder: config.recording.outputFolder,
    initiatedGraceMs: config.reconcile.initiatedGraceMs,
    onWorkerCall: (kind, op, outcome, seconds) => metrics.workerCallDuration.observe({ worker_kind: kind, operation: op, outcome }, seconds),
  });
  const recordings = new RecordingService(store, mediator, registry, storage);
  const downloadSecret = new DownloadSecret(config, db.sql);

  const transport = createSmtpTransport(config.email);
  if (transport) runner.register(recordingSavedEmailJob(config, store, transport));
  if (config.reconcile.intervalMs > 0) {
    const reconciler = new Reconciler({
      store,
      registry,
      mediator,
      storage,
      settings: { ...config.reconcile, maxDurationMs: config.recording.maxDurationMs },
      onCorrection: (action) => metrics.reconcilerCorrections.inc({ action }),
      onQueued: kick,
    });
    runner.every({ kind: 'reconcile', intervalMs: config.reconcile.intervalMs, leaseMs: 10 * 60_000, run: () => reconciler.run() });
  }

  const api: ApiDeps = {
    config,
    verifier,
    metrics,
    recordings,
    mediaAuthorizer: new MediaAuthorizer(config, store, verifier, downloadSecret),
    downloadSecret,
    storageEvents: new StorageEvents(config, store, metrics, kick),
    livekitEvents: new LivekitEventHandler(config, store, kick),
    jibriWebhook: new JibriStatusWebhook(
      new JibriWebhookAuth({ token: config.jibri.webhookToken, jwt: config.jibri.webhookJwt }),
      registry,
      store,
      metrics,
    ),
    jibriUploads: new JibriUploadUrls(config, store, storage),
    readinessChecks: [
      { name: 'database', check: async () => void (await db.dataSource.query('SELECT 1')) },
      ...(storage
        ? [
            {
              name: 'storage',
              check: async () => {
                if (!(await storage.bucketExists())) throw new Error('bucket missing');
              },
            },
          ]
        : []),
    ],
    countByStatus: () => store.countByStatus(),
  };

  return {
    api,
    runner,
    async start() {
      await runner.start();
      try {
        await downloadSecret.get();
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'download-link key not loaded yet; will retry on first use');
      }
      await ensureRecordingLifecycle(storage, config.recording, childLogger('storage'));
    },
    async stop() {
      await runner.stop();
      transport?.close();
    },
  };
}
