import type { SqlRunner } from '../../db/sql';
import { enqueue } from '../../jobs/job-runner';
import type { Recording } from '../recording';
import type { RecordingStatus } from '../status';
import type { RecordingStore } from '../store/recording-store';
import type { StartWatchStore } from '../store/start-watch-store';
import type { TransitionPatch } from '../store/recording-changes';
import { MAX_DURATION_KIND, START_WATCH_KIND, startWatchKey, type StartWatchPayload } from './watch-job-kinds';

export interface StartRecorderOptions {
  /** RECORDING_START_TIMEOUT_SECONDS, in ms. */
  timeoutMs: number;
  /** RECORDING_MAX_DURATION_SECONDS, in ms; unset: no duration job. */
  maxDurationMs?: number;
}

/**
 * Writes a started worker job onto its recording together with what watches it, atomically:
 * the job's row in recording_worker_jobs, its start check (run after the start timeout) and,
 * for the first start, the duration limit's stop (a first start's in one statement, a
 * replacement's in one transaction). Both are jobs of the one runner
 * (src/jobs), so they survive restarts and run on exactly one instance.
 */
export class StartRecorder {
  constructor(
    private readonly store: RecordingStore,
    private readonly watch: StartWatchStore,
    private readonly options: StartRecorderOptions,
  ) {}

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /**
   * The guarded change that stores a first start's worker id (RecordingStore.transition), with
   * its watch (the start check and the duration limit's stop) queued by the same statement.
   */
  record(id: string, from: readonly RecordingStatus[], to: RecordingStatus, patch: TransitionPatch): Promise<Recording | null> {
    const max = this.options.maxDurationMs;
    const watch = {
      checkKey: startWatchKey(id, 0),
      checkAt: new Date(Date.now() + this.options.timeoutMs),
      maxDurationKey: `${MAX_DURATION_KIND}:${id}`,
      maxDurationMs: max ?? null,
    };
    return this.store.transition(id, from, to, { ...patch, watch });
  }

  /**
   * The replacement `workerId` (attempt `attempt`) of the recording's job `replacedId`, stored
   * only while the recording is still live with the replaced job: null when it moved on (a stop,
   * a delete), and the caller then stops the replacement. Its status stays as it is.
   */
  async recordReplacement(id: string, replacedId: string, workerId: string, attempt: number): Promise<Recording | null> {
    return this.watch.transaction(async (tx) => {
      const status = await this.watch.lockLiveWith(tx, id, replacedId);
      if (!status) return null;
      const recording = await this.store.transition(id, [status as RecordingStatus], status as RecordingStatus, { workerId }, tx);
      if (!recording) return null;
      await this.watch.recordJob(tx, id, attempt, workerId);
      await this.queueCheck(tx, id, workerId, attempt);
      return recording;
    });
  }

  /** The worker reported the job failed before it was seen recording: its check runs now. */
  async queueFailedCheck(id: string, workerId: string, attempt: number, error: string): Promise<void> {
    const payload: StartWatchPayload = { workerId, attempt, failed: error };
    await enqueue(this.watch.runner, { kind: START_WATCH_KIND, key: startWatchKey(id, attempt, true), recordingId: id, payload });
  }

  private queueCheck(tx: SqlRunner, id: string, workerId: string, attempt: number): Promise<boolean> {
    const payload: StartWatchPayload = { workerId, attempt };
    return enqueue(tx, { kind: START_WATCH_KIND, key: startWatchKey(id, attempt), recordingId: id, payload, runAt: new Date(Date.now() + this.options.timeoutMs) });
  }
}
