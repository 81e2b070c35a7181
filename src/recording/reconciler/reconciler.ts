import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/config';
import type { Recording } from '../../db/entities/recording.entity';
import { childLogger } from '../../logging/logger';
import type { Metrics } from '../../metrics/metrics';
import { saveAndQueueNotifications } from '../../notifications/save-and-queue';
import type { ObjectStorage } from '../../storage/object-storage';
import type { RecordingMediator } from '../mediator';
import type { RecordingStore } from '../recording-store';
import { RecordingError } from '../errors';
import { extensionForKind } from '../object-key';
import type { RecordingStatus } from '../status';
import type { WorkerRegistry } from '../workers/registry';
import type { WorkerState } from '../workers/worker-service';
import { decideForLive, decideForMissingFile, type Decision } from './reconcile-rules';

const log = childLogger('reconciler');

/** Arbitrary constant: one reconciliation pass at a time across instances sharing the database. */
export const RECONCILE_LOCK_KEY = 7_314_820_992;

/**
 * Brings the database back in line with the workers and the storage when a webhook was
 * lost, a worker crashed or the service died between a worker call and its database write.
 * Every change goes through the same guarded transitions (and the same save-and-queue) as
 * the normal paths, so running it twice, or on two instances at once, is harmless; the
 * advisory lock only avoids duplicate worker calls.
 */
export class Reconciler {
  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly store: RecordingStore,
    private readonly registry: WorkerRegistry,
    private readonly mediator: RecordingMediator,
    private readonly storage: ObjectStorage | undefined,
    private readonly metrics: Metrics,
    private readonly onQueued: () => void,
    /** The embedded database has one connection: it cannot hold a lock while working. */
    private readonly useLock = true,
  ) {}

  async run(): Promise<void> {
    if (!this.useLock) return this.pass();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [RECONCILE_LOCK_KEY])) as { locked: boolean }[];
      if (!row?.locked) return;
      try {
        await this.pass();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [RECONCILE_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }

  /** One pass over every recording that may be out of date. */
  async pass(): Promise<void> {
    const { initiatedGraceMs, stoppedGraceMs } = this.config.reconcile;
    for (const r of await this.olderThan(['initiated'], initiatedGraceMs)) await this.guard(r, () => this.initiated(r));
    for (const r of await this.olderThan(['active', 'failed_to_stop'], 0)) await this.guard(r, () => this.live(r));
    for (const r of await this.olderThan(['stopped'], stoppedGraceMs)) await this.guard(r, () => this.stopped(r));
  }

  private olderThan(statuses: RecordingStatus[], ms: number): Promise<Recording[]> {
    return this.store.findStale(statuses, new Date(Date.now() - ms), 200);
  }

  private async guard(recording: Recording, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      log.warn({ recordingId: recording.id, err: err instanceof Error ? err.message : String(err) }, 'reconciliation step failed');
    }
  }

  private startRequest(r: Recording) {
    return { recordingId: r.id, room: r.room, objectKey: this.mediator.objectKey(r) };
  }

  /** The service died between the worker's start and the database write: adopt the job or fail it. */
  private async initiated(r: Recording): Promise<void> {
    const worker = this.registry.forKind(r.workerKind);
    const workerId = await worker.findByRecording(this.startRequest(r));
    if (workerId) {
      if (await this.store.transition(r.id, ['initiated'], 'active', { workerId })) this.corrected(r, 'adopted', 'worker job found for an initiated recording');
      return;
    }
    if (await this.store.transition(r.id, ['initiated'], 'failed_to_start', { workerError: 'reconciler: the worker has no job for this recording' })) {
      this.corrected(r, 'failed_to_start', 'no worker job for an initiated recording');
    }
  }

  private async live(r: Recording): Promise<void> {
    if (!r.workerId) return;
    const state = await this.registry.forKind(r.workerKind).inspect(r.workerId);
    const max = this.config.recording.maxDurationMs;
    const over = r.status === 'active' && max !== undefined && Date.now() - r.createdAt.getTime() > max;
    await this.apply(r, decideForLive(r.status as 'active' | 'failed_to_stop', state, over));
  }

  /** Stopped, but no storage event came: look for the object itself. */
  private async stopped(r: Recording): Promise<void> {
    if (!this.storage) return;
    const stat = await this.storage.statObject(this.mediator.objectKey(r));
    if (stat) {
      const outcome = await saveAndQueueNotifications(this.dataSource, r.id, [r.workerKind]);
      if (outcome.result === 'saved') {
        this.corrected(r, 'saved', `object found in storage (${extensionForKind(r.workerKind)}) without a storage event`);
        if (outcome.queued > 0) this.onQueued();
      }
      return;
    }
    if (!r.workerId) return;
    const state: WorkerState = await this.registry.forKind(r.workerKind).inspect(r.workerId);
    await this.apply(r, decideForMissingFile(state));
  }

  private async apply(r: Recording, decision: Decision): Promise<void> {
    if (decision.action === 'transition') {
      if (await this.store.transition(r.id, [r.status], decision.to)) this.corrected(r, decision.to, decision.reason);
    } else if (decision.action === 'stop') {
      try {
        const stopped = await this.mediator.stop(r, [r.status]);
        this.corrected(r, stopped.status, decision.reason);
      } catch (err) {
        if (!(err instanceof RecordingError)) throw err;
        if (r.status !== 'failed_to_stop') this.corrected(r, 'failed_to_stop', `${decision.reason}; stop failed`);
      }
    }
  }

  private corrected(r: Recording, action: string, reason: string): void {
    this.metrics.reconcilerCorrections.inc({ action });
    log.info({ recordingId: r.id, from: r.status, action, reason }, 'recording reconciled');
  }
}
