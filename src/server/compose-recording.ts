import { JibriWebhookAuth } from '../auth/jibri-webhook-auth';
import { JibriStatusWebhook } from '../recording/events/jibri-status';
import { StorageEvents } from '../recording/events/storage-events';
import { WorkerEventHandler } from '../recording/events/worker-event-handler';
import { JibriUploadUrls } from '../recording/jibri-uploads';
import { RecordingMediator } from '../recording/mediator';
import { Reconciler } from '../recording/reconciler/reconciler';
import { joinPartsJob } from '../recording/pause/join-job';
import { PartEvents } from '../recording/pause/part-events';
import { PauseService } from '../recording/pause/pause-service';
import { RecordingService } from '../recording/recording-service';
import { RecordingPartStore } from '../recording/store/part-store';
import { RecordingFileStore } from '../recording/store/file-store';
import { JibriUploadStore } from '../recording/store/jibri-upload-store';
import { RecordingStore } from '../recording/store/recording-store';
import { StartWatchStore } from '../recording/store/start-watch-store';
import { TrackMediator } from '../recording/tracks/track-mediator';
import { maxDurationJob } from '../recording/watchdog/max-duration-job';
import { StartRecorder } from '../recording/watchdog/start-recorder';
import { StartWatchdog } from '../recording/watchdog/start-watchdog';
import { WORKER_FACTORIES } from '../recording/workers/factories';
import { JibriPoolStore } from '../recording/workers/jibri/pool-store';
import { createWorkerRegistry } from '../recording/workers/registry';
import { composeCapacity } from './compose-queue';
import type { Shared } from './compose-shared';
import type { StartQueue } from '../recording/queue/start-queue';
import type { Recorders } from '../recording/recorders';

/**
 * Recordings: their store (the lifecycle), the workers behind the mediator, participant tracks,
 * the reconciler, and the handlers of what storage, LiveKit and Jibri report.
 */
export function composeRecording(shared: Shared) {
  const { config, db, metrics, runner, storage, events } = shared;
  const store = new RecordingStore({ sql: db.sql, reconcile: config.reconcile, tagsObjects: storage !== undefined, events });
  const jibriUploadStore = new JibriUploadStore({ sql: db.sql });
  const registry = createWorkerRegistry(config, WORKER_FACTORIES, { jibriPool: new JibriPoolStore(db.sql), uploadCapabilities: jibriUploadStore });
  const watchStore = new StartWatchStore(db.sql);
  const maxDurationMs = config.recording.maxDurationJobMs;
  const startRecorder = new StartRecorder(store, watchStore, { timeoutMs: config.startWatchdog.timeoutMs, maxDurationMs });
  const mediator = new RecordingMediator(
    store,
    registry,
    {
      outputFolder: config.recording.outputFolder,
      initiatedGraceMs: config.reconcile.initiatedGraceMs,
      onWorkerCall: (kind, op, outcome, seconds) => metrics.workerCallDuration.observe({ worker_kind: kind, operation: op, outcome }, seconds),
      // The queue is built below, on this mediator: bound late.
      noRecorder: (recording, err) => queue.whenNoRecorder(recording, err),
      onRecorderFreed: (kind) => void queue.signal(kind),
      startRecorder,
    },
    (calls) =>
      new TrackMediator(store, new RecordingFileStore({ sql: db.sql, tagsObjects: storage !== undefined, events }), calls, storage, {
        outputFolder: config.recording.outputFolder,
        graceMs: config.reconcile.stoppedGraceMs,
        savedOnEgressEnd: !config.storageEvents.enabled,
        onTrackEgress: (outcome) => metrics.trackEgresses.inc({ outcome }),
      }),
  );
  const kinds = [...new Set(registry.modeNames.map((mode) => registry.kindForMode(mode)!))];
  const { queue, recorders }: { queue: StartQueue; recorders: Recorders } = composeCapacity(shared, store, mediator, kinds, startRecorder);
  const { tracks } = mediator;
  // A check or a duration stop holds its job for a stop and a start of the slowest worker.
  const longestStartMs = Math.max(0, ...Object.values(config.workers.modes).map((kind) => mediator.startLeaseMs(kind)));
  const watchLeaseMs = 2 * longestStartMs + 10_000;
  const watchdog = new StartWatchdog(store, watchStore, startRecorder, mediator, { retries: config.startWatchdog.retries, leaseMs: watchLeaseMs });
  runner.register(watchdog.job());
  if (maxDurationMs !== undefined) runner.register(maxDurationJob({ store, mediator, sql: db.sql, maxDurationMs, leaseMs: watchLeaseMs }));
  const parts = new RecordingPartStore(db.sql, store);
  const pauses = new PauseService(store, parts, mediator, config.recording.outputFolder);
  if (storage) {
    runner.register(joinPartsJob({
      store,
      parts,
      files: new RecordingFileStore({ sql: db.sql, tagsObjects: true, events }),
      storage,
      settings: { ...config.join, outputFolder: config.recording.outputFolder },
      onJoined: (copy, seconds) => metrics.joinDuration.observe({ method: copy ? 'copy' : 'reencode' }, seconds),
    }));
  }
  const recordings = new RecordingService({ store, sql: db.sql, mediator, registry, storage, settings: config.recording, pauses, queue });

  if (config.reconcile.intervalMs > 0) {
    const reconciler = new Reconciler({
      store,
      mediator,
      storage,
      settings: { ...config.reconcile, maxDurationMs: config.recording.maxDurationMs },
      onCorrection: (action) => metrics.reconcilerCorrections.inc({ action }),
      tracks,
      startRecorder,
      parts: { store: parts, outputFolder: config.recording.outputFolder },
    });
    // A pass that outlived its lease anyway (a stalled instance) overlapping another is harmless:
    // each recording is claimed by one pass at a time (claim_for_reconcile).
    runner.every({ kind: 'reconcile', intervalMs: config.reconcile.intervalMs, leaseMs: config.reconcile.leaseMs, run: () => reconciler.run() });
  }

  const jibriAuth = new JibriWebhookAuth({ token: config.jibri.webhookToken, instanceTokens: config.jibri.webhookTokens, jwt: config.jibri.webhookJwt });
  return {
    store,
    queue,
    recorders,
    registry,
    mediator,
    recordings,
    pauses,
    parts,
    storageEvents: new StorageEvents(config, store, metrics, tracks, new PartEvents(parts, config.recording.outputFolder)),
    workerEvents: new WorkerEventHandler(config, store, tracks, watchdog),
    jibriWebhook: new JibriStatusWebhook(jibriAuth, mediator, store, metrics, watchdog),
    jibriUploads: new JibriUploadUrls(config, store, storage, jibriUploadStore, mediator, parts),
  };
}

export type ComposedRecording = ReturnType<typeof composeRecording>;
