import type { Recording } from '../db/entities/recording.entity';
import { childLogger } from '../logging/logger';
import type { RecordingStore } from './recording-store';
import { RecordingError } from './errors';
import type { RecordingStatus } from './status';
import { objectKeyFor } from './object-key';
import { WorkerError, type StopOutcome } from './workers/worker-service';
import type { WorkerRegistry } from './workers/registry';

const log = childLogger('mediator');

export interface MediatorHooks {
  onWorkerCall?(kind: string, op: 'start' | 'stop', outcome: 'ok' | 'error', seconds: number): void;
}

/**
 * Sits between workers and the database: every worker call is followed by the status
 * change that says truly what the worker did. A failed start frees the room at once
 * (`failed_to_start` is outside the one-live-recording-per-room index).
 */
export class RecordingMediator {
  constructor(
    private readonly store: RecordingStore,
    private readonly registry: WorkerRegistry,
    private readonly outputFolder: string,
    private readonly hooks: MediatorHooks = {},
  ) {}

  objectKey(recording: Pick<Recording, 'id' | 'workerKind'>): string {
    return objectKeyFor(this.outputFolder, recording.id, recording.workerKind);
  }

  /** initiated -> active with the worker id, or -> failed_to_start (then throws worker_failed). */
  async start(recording: Recording): Promise<Recording> {
    const worker = this.registry.forKind(recording.workerKind);
    let workerId: string;
    try {
      workerId = await this.timed(recording.workerKind, 'start', () =>
        worker.start({ recordingId: recording.id, room: recording.room, objectKey: this.objectKey(recording) }),
      );
    } catch (err) {
      const reason = describe(err);
      log.warn({ recordingId: recording.id, worker: recording.workerKind, reason }, 'worker failed to start');
      const failed = await this.store.transition(recording.id, ['initiated'], 'failed_to_start', { workerError: reason });
      throw new RecordingError('worker_failed', workerDetail('start', err), failed ?? recording);
    }
    const active = await this.store.transition(recording.id, ['initiated'], 'active', { workerId, workerError: null });
    if (!active) {
      // Something else (a webhook, the reconciler) moved it meanwhile; keep the worker id if it is missing.
      const current = await this.store.findById(recording.id);
      if (current && !current.workerId) {
        await this.store.transition(recording.id, [current.status], current.status, { workerId });
      }
      return (await this.store.findById(recording.id)) ?? recording;
    }
    log.info({ recordingId: recording.id, worker: recording.workerKind }, 'recording started');
    return active;
  }

  /**
   * active -> stopped/aborted per the worker's answer, or -> failed_to_stop (then throws
   * worker_failed). The reconciler retries a failed stop with `from` = failed_to_stop.
   */
  async stop(recording: Recording, from: readonly RecordingStatus[] = ['active', 'initiated']): Promise<Recording> {
    const worker = this.registry.forKind(recording.workerKind);
    let outcome: StopOutcome;
    try {
      if (!recording.workerId) throw new WorkerError('not_found', 'the recording has no worker id');
      const workerId = recording.workerId;
      outcome = await this.timed(recording.workerKind, 'stop', () => worker.stop(workerId));
    } catch (err) {
      const reason = describe(err);
      log.warn({ recordingId: recording.id, worker: recording.workerKind, reason }, 'worker failed to stop');
      const failed = await this.store.transition(recording.id, from, 'failed_to_stop', { workerError: reason });
      throw new RecordingError('worker_failed', workerDetail('stop', err), failed ?? recording);
    }
    const next = await this.store.transition(recording.id, from, outcome);
    log.info({ recordingId: recording.id, worker: recording.workerKind, outcome }, 'recording stopped');
    return next ?? (await this.store.findById(recording.id)) ?? recording;
  }

  private async timed<T>(kind: string, op: 'start' | 'stop', call: () => Promise<T>): Promise<T> {
    const began = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - began) / 1e9;
    try {
      const value = await call();
      this.hooks.onWorkerCall?.(kind, op, 'ok', seconds());
      return value;
    } catch (err) {
      this.hooks.onWorkerCall?.(kind, op, 'error', seconds());
      throw err;
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof WorkerError) return `${err.code}: ${err.message}`.slice(0, 500);
  return `unexpected: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
}

function workerDetail(op: 'start' | 'stop', err: unknown): string {
  if (err instanceof WorkerError) {
    if (err.code === 'unavailable') return `The recording could not ${op}: no recorder available.`;
    if (err.code === 'not_configured') return `The recording could not ${op}: ${err.message}`;
    if (err.code === 'timeout') return `The recording could not ${op}: the recording worker did not answer in time.`;
    if (err.code === 'unreachable') return `The recording could not ${op}: the recording worker is unreachable.`;
    return `The recording could not ${op}: the recording worker refused (${err.code}).`;
  }
  return `The recording could not ${op}: the recording worker failed.`;
}
