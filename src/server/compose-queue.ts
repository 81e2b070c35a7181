import { WORKER_KINDS, type WorkerKind } from '../config/config';
import { enqueue } from '../jobs/job-runner';
import type { RecordingMediator, StartRecorderCalls } from '../recording/mediator';
import { StartQueue } from '../recording/queue/start-queue';
import { Recorders } from '../recording/recorders';
import { startQueuePass, startQueueTryJob } from '../recording/queue/start-queue-jobs';
import { START_QUEUE_TRY_KIND, type StartQueueTryPayload } from '../recording/queue/start-queue-kinds';
import type { RecordingStore } from '../recording/store/recording-store';
import { StartQueueStore } from '../recording/store/start-queue-store';
import { RECURRING_LEASE_MS, type Shared } from './compose-shared';

/** Room for the queue's own statements around a start, in a dispatcher's lease. */
const DISPATCH_MARGIN_MS = 5000;
/** The recurring health poll of the recorders seen one by one (JIBRI_HEALTH_INTERVAL_SECONDS). */
const RECORDER_HEALTH_KIND = 'recorders.health';

/**
 * Capacity: the start queue (RECORDING_START_QUEUE_SECONDS: its store, its try job, its
 * recurring pass) and the recorders operators see (the Jibri health poll, /metrics).
 * `kinds`: the worker kinds the recording modes use.
 */
export function composeCapacity(
  shared: Shared,
  store: RecordingStore,
  mediator: RecordingMediator,
  kinds: readonly WorkerKind[],
  startRecorder?: StartRecorderCalls,
): { queue: StartQueue; recorders: Recorders } {
  const { config, db, metrics, runner, events } = shared;
  const queueStore = new StartQueueStore({ sql: db.sql, events });
  // The longest one start of the kind can take (its lease without the reconciler's grace), plus our margin.
  const dispatchMsOf = (kind: WorkerKind) => mediator.startLeaseMs(kind) - config.reconcile.initiatedGraceMs + DISPATCH_MARGIN_MS;
  const queue = new StartQueue(
    {
      store: queueStore,
      recordings: store,
      start: (recording) => mediator.start(recording),
      findJob: (recording) => mediator.findJob(recording),
      leases: (kind) => ({ dispatchMs: dispatchMsOf(kind), reconcileMs: dispatchMsOf(kind) + mediator.startLeaseMs(kind) }),
      queueTry: async (kind) => {
        await enqueue<StartQueueTryPayload>(db.sql, { kind: START_QUEUE_TRY_KIND, payload: { workerKind: kind } });
      },
      onLeft: (kind, outcome, seconds) => metrics.startQueueWait.observe({ worker_kind: kind, outcome }, seconds),
      ...(startRecorder ? { recordStart: (id, from, to, patch) => startRecorder.record(id, from, to, patch) } : {}),
    },
    { waitMs: config.capacity.startQueueMs, retryBaseMs: 1000, retryMaxMs: 15_000 },
  );
  if (queue.enabled) {
    const longest = Math.max(...WORKER_KINDS.map(dispatchMsOf));
    runner.register(startQueueTryJob(queue, longest));
    runner.every(startQueuePass(queue, RECURRING_LEASE_MS));
    metrics.queuedStarts = () => queue.counts();
  }

  const recorders = new Recorders({
    kinds,
    pools: (kind) => mediator.recorders(kind),
    queuedCounts: () => queue.counts(),
    onIdleFound: (kind) => void queue.signal(kind),
  });
  const polled = kinds.some((kind) => mediator.recorders(kind));
  if (polled) {
    metrics.recorderStates = () => recorders.list();
    const intervalMs = config.capacity.jibriHealthIntervalMs;
    if (intervalMs > 0) runner.every({ kind: RECORDER_HEALTH_KIND, intervalMs, leaseMs: RECURRING_LEASE_MS, run: () => recorders.poll() });
  }
  return { queue, recorders };
}
