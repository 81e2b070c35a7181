import type { ApiDeps } from '../api/api-deps';
import { OidcSignIn } from '../auth/oidc-sign-in';
import { PageSessions } from '../auth/page-session';
import { PageSessionStore } from '../auth/page-session-store';
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
import { expiryReminderJob } from '../notifications/expiry-reminder-job';
import { createSmtpTransport, type SmtpTransporter } from '../notifications/smtp-transport';
import { RecordingPages } from '../pages/recording-page';
import { JibriStatusWebhook } from '../recording/events/jibri-status';
import { WorkerEventHandler } from '../recording/events/worker-event-handler';
import { StorageEvents } from '../recording/events/storage-events';
import { JibriUploadUrls } from '../recording/jibri-uploads';
import { JibriUploadStore } from '../recording/store/jibri-upload-store';
import { RecordingMediator } from '../recording/mediator';
import { Reconciler } from '../recording/reconciler/reconciler';
import { RecordingFiles } from '../recording/recording-files';
import { RecordingService } from '../recording/recording-service';
import { RecordingPermanence } from '../recording/retention/permanence';
import { expireFilesJob } from '../recording/retention/expire-files-job';
import { EXPIRY_SWEEP_KIND, ExpirySweep } from '../recording/retention/expiry-sweep';
import { retentionTagJob } from '../recording/retention/retention-tag-job';
import { ShareLinkService } from '../recording/share-links';
import { ExpiryStore } from '../recording/store/expiry-store';
import { RecordingStore } from '../recording/store/recording-store';
import { ShareLinkStore } from '../recording/store/share-link-store';
import { RecordingFileStore } from '../recording/store/file-store';
import { TrackMediator } from '../recording/tracks/track-mediator';
import { WORKER_FACTORIES } from '../recording/workers/factories';
import { JibriPoolStore } from '../recording/workers/jibri/pool-store';
import { livekitParticipants } from '../recording/workers/livekit/participant-lister';
import { LivekitWebhookAdapter } from '../recording/workers/livekit/webhook-adapter';
import { createWorkerRegistry } from '../recording/workers/registry';
import { RoomActivityDispatcher } from '../rooms/activity-dispatcher';
import { autoStartJob } from '../rooms/auto-start-job';
import { autoStopJob } from '../rooms/auto-stop-job';
import { RoomReconciler } from '../rooms/room-reconciler';
import { RoomsService } from '../rooms/rooms-service';
import { RoomStore } from '../rooms/store/room-store';
import { webhookDeliveryJob } from '../events/delivery-job';
import { EventBodies } from '../events/event-body';
import { disabledEventJobs } from '../events/disabled-event-jobs';
import { readyEventJob } from '../events/ready-job';
import { EventRoutes } from '../events/routes';
import { recordingJson, serializerSettings } from '../api/recording-json';
import { ensureRecordingLifecycle } from '../storage/bucket-lifecycle';
import { createObjectStorage, type ObjectStorage } from '../storage/object-storage';
import { RetentionTagger } from '../storage/retention-tag';

const log = childLogger('server');

/**
 * The lease of every recurring task (reconcile, rooms, expiry sweep): a running pass renews it
 * (see RecurringTask), so this is only how long an instance killed mid-pass holds the task.
 */
const RECURRING_LEASE_MS = 30_000;

/**
 * Expiry enforced, when RECORDING_EXPIRATION_DAYS is set: the sweep (a recurring task) queues
 * the removal of expired files (with a storage) and the reminders before expiry (with
 * RECORDING_EXPIRY_REMINDER_DAYS and an SMTP server); their jobs do the work.
 */
function composeExpiry(
  config: AppConfig,
  db: Database,
  runner: JobRunner,
  metrics: Metrics,
  storage: ObjectStorage | undefined,
  transport: SmtpTransporter | null,
  events: EventRoutes,
): void {
  const { expirationDays, expiryReminderDays, outputFolder } = config.recording;
  if (expiryReminderDays && (!expirationDays || !transport)) {
    log.warn(`RECORDING_EXPIRY_REMINDER_DAYS is set but ${expirationDays ? 'no SMTP server is configured' : 'RECORDING_EXPIRATION_DAYS is not'}: no reminder will be sent`);
  }
  if (!expirationDays) return;
  const store = new ExpiryStore({ sql: db.sql, events, onEventsQueued: () => runner.kick() });
  if (storage) {
    runner.register(
      expireFilesJob({
        store,
        storage,
        settings: { outputFolder, expirationDays, storageTimeoutMs: storage.settings.timeoutMs },
        onFileRemoved: () => metrics.expiryFilesRemoved.inc(),
        onStorageError: () => metrics.expiryStorageErrors.inc(),
        onExpired: () => metrics.recordingsExpired.inc(),
      }),
    );
  }
  const reminderDays = transport ? expiryReminderDays : undefined;
  if (transport && reminderDays) runner.register(expiryReminderJob(config, store, transport, () => metrics.expiryRemindersSent.inc()));
  if (!storage && !reminderDays) return;
  const sweep = new ExpirySweep({ store, expirationDays, removesFiles: storage !== undefined, reminderDays, onQueued: () => runner.kick() });
  runner.every({
    kind: EXPIRY_SWEEP_KIND,
    intervalMs: config.recording.expirySweepIntervalMs,
    leaseMs: RECURRING_LEASE_MS,
    run: async () => void (await sweep.run()),
  });
}

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

  // Events to the host application: queued by the statements that change state, delivered by jobs.
  const { webhooks } = config;
  const events = new EventRoutes(webhooks.endpoints, webhooks.events);
  const store = new RecordingStore({ sql: db.sql, reconcile: config.reconcile, tagsObjects: storage !== undefined, events, onEventsQueued: kick });
  if (events.enabled && webhooks.secret) {
    const serialize = serializerSettings(config);
    const bodies = new EventBodies({
      serialize: (recording) => recordingJson(recording, 'owner', serialize),
      presignGet: storage && ((key) => storage.presignedGet(key, webhooks.mediaUrlTtlSeconds)),
    });
    runner.register(
      // One of the runner's slots always stays free of deliveries (unless it has only one).
      webhookDeliveryJob({ ...webhooks, secret: webhooks.secret, maxInFlight: Math.max(1, config.jobs.concurrency - 1) }, bodies, (type, outcome) => metrics.webhookDeliveries.inc({ event_type: type, outcome })),
    );
    runner.register(readyEventJob(db.sql, store, events, kick));
  } else {
    for (const handler of disabledEventJobs((type) => metrics.webhookDeliveries.inc({ event_type: type, outcome: 'cancelled' }))) runner.register(handler);
  }
  const jibriUploadStore = new JibriUploadStore({ sql: db.sql });
  const registry = createWorkerRegistry(config, WORKER_FACTORIES, { jibriPool: new JibriPoolStore(db.sql), uploadCapabilities: jibriUploadStore });
  const mediator = new RecordingMediator(
    store,
    registry,
    {
      outputFolder: config.recording.outputFolder,
      initiatedGraceMs: config.reconcile.initiatedGraceMs,
      onWorkerCall: (kind, op, outcome, seconds) => metrics.workerCallDuration.observe({ worker_kind: kind, operation: op, outcome }, seconds),
    },
    (calls) => new TrackMediator(store, new RecordingFileStore({ sql: db.sql, tagsObjects: storage !== undefined, events }), calls, storage, {
      outputFolder: config.recording.outputFolder,
      graceMs: config.reconcile.stoppedGraceMs,
      savedOnEgressEnd: !config.storageEvents.enabled,
      onTrackEgress: (outcome) => metrics.trackEgresses.inc({ outcome }),
      onQueued: kick,
    }),
  );
  const { tracks } = mediator;
  const recordings = new RecordingService({ store, sql: db.sql, mediator, registry, storage, settings: config.recording });
  const tagger = storage && new RetentionTagger(storage);
  if (storage && tagger) {
    runner.register(retentionTagJob(store, tagger, { outputFolder: config.recording.outputFolder, storageTimeoutMs: storage.settings.timeoutMs }));
  }
  const permanence = new RecordingPermanence({ store, get: (user, id) => recordings.get(user, id), tagger, settings: config.recording, onQueued: kick });
  const downloadSecret = new DownloadSecret(config, db.sql);
  const shareLinks = new ShareLinkService(recordings, store, new ShareLinkStore({ sql: db.sql, changes: store.accessChanges }), {
    ...config.pages.shareLinks,
    expirationDays: config.recording.expirationDays,
    publicUrl: config.server.publicUrl,
  });
  const recordingPages = new RecordingPages({
    recordings,
    shareLinks,
    files: new RecordingFiles(config.recording.outputFolder),
    downloadSecret,
    settings: {
      mediaUrlPrefix: config.downloads.mediaUrlPrefix,
      expirationDays: config.recording.expirationDays,
      downloadLinkTtlSeconds: config.downloads.linkTtlSeconds,
      shareDefaultDays: config.pages.shareLinks.defaultDays,
      shareMaxDays: config.pages.shareLinks.maxDays,
    },
  });
  // Sign-in sessions exist only with OIDC: rows in page_sessions, ended ones pruned every 10 minutes.
  const pageSessions = config.pages.oidc
    ? new PageSessions(downloadSecret, new PageSessionStore(db.sql, config.pages.sessionIdleMinutes * 60), config.server.publicUrl.startsWith('https:'))
    : undefined;
  if (pageSessions) runner.every({ kind: 'page-sessions.prune', intervalMs: 600_000, leaseMs: RECURRING_LEASE_MS, run: () => pageSessions.prune().then(() => undefined) });
  const oidc = config.pages.oidc ? new OidcSignIn(config.pages.oidc, `${config.server.publicUrl}/auth/oidc/callback`) : undefined;

  const transport = createSmtpTransport(config.email);
  if (transport) runner.register(recordingSavedEmailJob(config, db.sql, store, transport));
  composeExpiry(config, db, runner, metrics, storage, transport, events);
  if (config.reconcile.intervalMs > 0) {
    const reconciler = new Reconciler({
      store,
      mediator,
      storage,
      settings: { ...config.reconcile, maxDurationMs: config.recording.maxDurationMs },
      onCorrection: (action) => metrics.reconcilerCorrections.inc({ action }),
      onQueued: kick,
      tracks,
    });
    // A pass that outlived its lease anyway (a stalled instance) overlapping another is harmless:
    // each recording is claimed by one pass at a time (claim_for_reconcile).
    runner.every({ kind: 'reconcile', intervalMs: config.reconcile.intervalMs, leaseMs: RECURRING_LEASE_MS, run: () => reconciler.run() });
  }

  // Rooms: activity from LiveKit's webhooks, recording policies and their automatic recordings.
  const roomStore = new RoomStore({ sql: db.sql, autoStopGraceMs: config.rooms.autoStopGraceMs, events });
  const liveRecording = (room: string) => store.findLiveInRoom(room);
  const autoStartRetry = { maxAttempts: config.rooms.autoStartAttempts, baseMs: config.rooms.autoStartRetryBaseMs, maxMs: 60_000 };
  runner.register(
    autoStartJob({
      rooms: roomStore,
      liveRecording,
      start: (user, room, body, how) => recordings.start(user, room, body, how),
      workerRetry: autoStartRetry,
      leaseMs: mediator.startLeaseMs('livekit-video', autoStartRetry) + 60_000,
      onOutcome: (outcome, recording) => {
        metrics.automaticStarts.inc({ outcome });
        // Counted like the API's starts too, so dashboards and alerts see automatic recordings.
        if (recording && outcome === 'started') metrics.recordingsStarted.inc({ worker_kind: recording.workerKind });
        if (recording && outcome === 'failed') metrics.recordingsFailed.inc({ worker_kind: recording.workerKind, operation: 'start' });
      },
    }),
  );
  runner.register(
    autoStopJob({
      rooms: roomStore,
      liveRecording,
      stop: (recording, why) => mediator.stop(recording, undefined, why),
      graceMs: config.rooms.autoStopGraceMs,
      onOutcome: (outcome) => metrics.automaticStops.inc({ outcome }),
    }),
  );
  if (config.livekit && config.rooms.reconcileIntervalMs > 0) {
    const roomReconciler = new RoomReconciler({
      rooms: roomStore,
      lister: livekitParticipants(config.livekit, config.workers.timeoutMs),
      onQueued: kick,
      onCorrection: () => metrics.reconcilerCorrections.inc({ action: 'room_activity' }),
    });
    runner.every({ kind: 'rooms.reconcile', intervalMs: config.rooms.reconcileIntervalMs, leaseMs: RECURRING_LEASE_MS, run: () => roomReconciler.run() });
  } else {
    runner.every({ kind: 'rooms.prune', intervalMs: 3600_000, leaseMs: RECURRING_LEASE_MS, run: () => roomStore.prune() });
  }
  metrics.roomTotals = () => roomStore.totals();

  const api: ApiDeps = {
    config,
    verifier,
    metrics,
    recordings,
    rooms: new RoomsService({
      rooms: roomStore,
      liveRecording,
      accessOf: async (id, sub) => (await store.findAccess(id, sub))?.role ?? null,
      modes: registry,
      allowPermanent: config.recording.allowPermanent,
      onQueued: kick,
    }),
    permanence,
    mediaAuthorizer: new MediaAuthorizer({ config, sql: db.sql, accessChanges: store.accessChanges, verifier, secret: downloadSecret, sessions: pageSessions }),
    downloadSecret,
    storageEvents: new StorageEvents(config, store, metrics, kick, tracks),
    livekitEvents: new LivekitWebhookAdapter(config.livekit, { rooms: new RoomActivityDispatcher(roomStore, kick), recordings: new WorkerEventHandler(config, store, kick, tracks) }),
    jibriWebhook: new JibriStatusWebhook(
      new JibriWebhookAuth({ token: config.jibri.webhookToken, instanceTokens: config.jibri.webhookTokens, jwt: config.jibri.webhookJwt }),
      mediator,
      store,
      metrics,
    ),
    jibriUploads: new JibriUploadUrls(config, store, storage, jibriUploadStore, mediator),
    shareLinks,
    recordingPages,
    pageSessions,
    oidc,
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
      await registry.close();
      transport?.close();
      storage?.close();
    },
  };
}
