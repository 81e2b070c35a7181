import { randomUUID } from 'node:crypto';
import type { WorkerKind } from '../../config/config';
import { childLogger } from '../../logging/logger';
import { RecordingError } from '../errors';
import { reasonOf } from '../reason';
import type { StartRecorderCalls } from '../mediator';
import type { Recording } from '../recording';
import type { RecordingStore } from '../store/recording-store';
import type { StartQueueStore } from '../store/start-queue-store';
import { describe } from '../worker-failure';
import { WorkerError } from '../workers/worker-states';

const log = childLogger('start-queue');

/** At most this many starts one dispatcher takes from a queue before it lets another instance serve it. */
const MAX_STARTS_PER_TURN = 1000;
const BATCH = 50;

export interface StartQueueSettings {
  /** RECORDING_START_QUEUE_SECONDS in ms; 0: no queue (a start without a recorder fails at once). */
  waitMs: number;
  /** The periodic try of a kind's queue head (for LiveKit, whose capacity is not seen): first after this, doubling. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export type LeftQueue = 'started' | 'failed' | 'expired';

export interface StartQueueDeps {
  store: StartQueueStore;
  recordings: RecordingStore;
  /** Starts a recording taken from the queue (the mediator's start): active, queued again, or throws RecordingError. */
  start(recording: Recording): Promise<Recording>;
  /** The worker job a recording has although its id was never stored (the mediator's findJob). */
  findJob(recording: Recording): Promise<string | null>;
  /** How long a start of the kind may take: its dispatcher's lease, and when the reconciler may judge it. */
  leases(kind: WorkerKind): { dispatchMs: number; reconcileMs: number };
  /** Queues a try of the kind's queue on the job runner. */
  queueTry(kind: WorkerKind): Promise<void>;
  onLeft?(kind: WorkerKind, outcome: LeftQueue, waitedSeconds: number): void;
  /** Records an adopted start as a start is recorded (with its start watchdog); unset: a plain transition. */
  recordStart?: StartRecorderCalls['record'];
}

/**
 * Starts that wait for a free recorder. A start that finds none becomes `queued`; each worker
 * kind's queue is served first come, first served by one dispatcher at a time across instances
 * (the kind's lease in `start_queue_dispatch`), which takes the head, starts it, and goes on
 * while recorders take them. A freed recorder is a signal (a try job); a signal while the
 * lease is held marks it, so the holder looks once more before it lets go and none is lost.
 * The recurring pass fails starts past their deadline, puts back the starts of a dispatcher
 * that died, and tries each queue's head with backoff.
 */
export class StartQueue {
  readonly enabled: boolean;
  /** This process's name as a dispatcher. */
  private readonly holder = randomUUID();

  constructor(
    private readonly deps: StartQueueDeps,
    private readonly settings: StartQueueSettings,
  ) {
    this.enabled = settings.waitMs > 0;
  }

  /** A new start waits behind those already queued of its kind (first come, first served); null when none wait. */
  async joinIfWaiting(recording: Recording): Promise<Recording | null> {
    if (!this.enabled || !(await this.deps.store.waiting(recording.workerKind))) return null;
    return this.enqueue(recording);
  }

  /**
   * The worker had no recorder free for this start: it waits (a fresh start joins the queue, one
   * taken from it goes back in its place). Null when it may not wait: no queue, another failure,
   * or its deadline passed; the mediator then fails it.
   */
  async whenNoRecorder(recording: Recording, err: unknown): Promise<Recording | null> {
    if (!this.enabled || !(err instanceof WorkerError && err.code === 'unavailable')) return null;
    const back = await this.deps.store.requeue(recording.id, this.retry());
    if (back) return back;
    return this.enqueue(recording);
  }

  /** A recorder of `kind` was freed: serve its queue (on the job runner) when starts wait. */
  async signal(kind: WorkerKind): Promise<void> {
    if (!this.enabled) return;
    try {
      if (await this.deps.store.waiting(kind)) await this.deps.queueTry(kind);
    } catch (err) {
      log.warn({ worker: kind, err: err instanceof Error ? err.message : String(err) }, 'could not signal the start queue; the periodic pass will serve it');
    }
  }

  /**
   * Serves the kind's queue while its recorders take starts. `force`: a recorder was freed, so
   * the head is tried even when its periodic try is not due yet.
   */
  async serve(kind: WorkerKind, force: boolean): Promise<void> {
    const { store } = this.deps;
    const { dispatchMs } = this.deps.leases(kind);
    if (!(await store.acquire(kind, this.holder, dispatchMs))) {
      // Someone serves it: they look once more before letting go. Unless they just let go.
      if (await store.markAgain(kind)) return;
      if (!(await store.acquire(kind, this.holder, dispatchMs))) return;
    }
    let tryHead = force;
    let held = true;
    try {
      for (let turn = 0; turn < MAX_STARTS_PER_TURN; turn++) {
        const renewed = await store.renew(kind, this.holder, dispatchMs);
        if (!renewed) return void (held = false); // our lease lapsed and another took it
        if (renewed.again) tryHead = true;
        const outcome = await this.startHead(kind, tryHead);
        if (outcome === 'served') {
          // A recorder took it (or it failed for good): the next one may find one too.
          tryHead = true;
          continue;
        }
        if (await store.release(kind, this.holder)) return void (held = false);
        tryHead = true; // a signal came meanwhile: once more
      }
    } finally {
      // A long turn or a failure: let go anyway, and have the queue looked at again.
      if (held) {
        await store.release(kind, this.holder, true).catch(() => undefined);
        await this.deps.queueTry(kind).catch(() => undefined);
      }
    }
  }

  /** The recurring pass: deadlines, orphaned starts, then each queue whose head's try is due. */
  async pass(): Promise<void> {
    if (!this.enabled) return;
    await this.expire();
    for (const recording of await this.deps.store.orphaned(BATCH)) await this.recover(recording);
    for (const head of await this.deps.store.heads()) if (head.due) await this.serve(head.kind, false);
  }

  /** Queued starts per worker kind. */
  counts(): Promise<Record<string, number>> {
    return this.deps.store.counts();
  }

  private retry() {
    return { baseMs: this.settings.retryBaseMs, maxMs: this.settings.retryMaxMs };
  }

  private async enqueue(recording: Recording): Promise<Recording | null> {
    const queued = await this.deps.store.enqueue(recording.id, this.settings.waitMs, this.settings.retryBaseMs);
    if (queued) log.info({ recordingId: recording.id, worker: recording.workerKind }, 'no recorder free: the start waits in the queue');
    return queued;
  }

  /** `served`: the head left the queue (started or failed); `idle`: none to take, or no recorder took it. */
  private async startHead(kind: WorkerKind, force: boolean): Promise<'served' | 'idle'> {
    const { dispatchMs, reconcileMs } = this.deps.leases(kind);
    const taken = await this.deps.store.takeHead(kind, dispatchMs, reconcileMs, force);
    if (!taken) return 'idle';
    let result: Recording;
    try {
      result = await this.deps.start(taken.recording);
    } catch (err) {
      if (!(err instanceof RecordingError)) throw err;
      this.deps.onLeft?.(kind, 'failed', taken.waitedSeconds);
      return 'served';
    }
    if (result.status === 'queued') return 'idle';
    this.deps.onLeft?.(kind, 'started', taken.waitedSeconds);
    log.info({ recordingId: result.id, worker: kind, waitedSeconds: taken.waitedSeconds }, 'queued start served');
    return 'served';
  }

  private async expire(): Promise<void> {
    const seconds = Math.round(this.settings.waitMs / 1000);
    for (const e of await this.deps.store.expired(BATCH)) {
      const failed = await this.deps.recordings.transition(e.id, ['queued'], 'failed_to_start', {
        workerError: `no recorder became free within ${seconds} s`,
        reason: reasonOf('no_recorder_available', `no recorder became free within ${seconds} s`),
      });
      if (failed) {
        this.deps.onLeft?.(e.workerKind, 'expired', e.waitedSeconds);
        log.info({ recordingId: e.id, worker: e.workerKind }, 'queued start past its deadline: failed_to_start');
      }
    }
  }

  /** A start whose dispatcher died mid-way: adopted when its worker has the job, else back in its place (or failed past its deadline). */
  private async recover(recording: Recording): Promise<void> {
    let workerId: string | null;
    try {
      workerId = await this.deps.findJob(recording);
    } catch (err) {
      log.warn({ recordingId: recording.id, reason: describe(err) }, 'could not ask the worker about an orphaned queued start; later');
      return;
    }
    const { recordings, store } = this.deps;
    if (workerId) {
      const record = this.deps.recordStart ?? ((id, from, to, patch) => recordings.transition(id, from, to, patch));
      if (await record(recording.id, ['initiated'], 'active', { workerId, workerError: null, reason: null })) {
        log.info({ recordingId: recording.id }, 'orphaned queued start adopted: its worker job runs');
      }
      return;
    }
    if (await store.requeue(recording.id, { baseMs: 0, maxMs: 0 })) {
      log.info({ recordingId: recording.id }, 'orphaned queued start put back in its place');
      await this.deps.queueTry(recording.workerKind);
      return;
    }
    await recordings.transition(recording.id, ['initiated'], 'failed_to_start', {
      workerError: 'no recorder took it before its queue deadline',
      reason: reasonOf('no_recorder_available', 'no recorder took it before its queue deadline'),
    });
  }
}
