import { childLogger } from '../../logging/logger';
import type { ObjectStorage } from '../../storage/object-storage';
import { RecordingError } from '../errors';
import type { RecordingMediator, StartRecorderCalls } from '../mediator';
import { recordedMs, type Recording } from '../recording';
import { maxDurationReason, reasonOf } from '../reason';
import type { RecordingStore, ReconcileCandidate } from '../store/recording-store';
import type { TrackMediator } from '../tracks/track-mediator';
import type { RecordingPartStore } from '../store/part-store';
import { settleMissingParts } from './missing-parts';
import { decideForLive, decideForMissingFile, type Decision } from './reconcile-rules';
import { backoffMs, type ReconcileSettings } from './schedule';

const log = childLogger('reconciler');

/** Recordings claimed per batch, and batches per pass: a pass ends even when work keeps coming. */
const BATCH = 200;
const MAX_BATCHES = 10;
/**
 * A claimed recording's next look is pushed back by this much (at least one interval): a visit
 * that could not write its outcome (the database went away mid-pass) is retried then, not lost.
 */
const MIN_CLAIM_MS = 1000;
/** An active recording whose worker job cannot be found this many times in a row has lost it. */
const LOST_JOB_ATTEMPTS = 3;

export interface ReconcilerDeps {
  store: RecordingStore;
  mediator: RecordingMediator;
  storage: ObjectStorage | undefined;
  settings: ReconcileSettings & { maxDurationMs: number | undefined };
  /** Counts a correction (recorder_reconciler_corrections_total). */
  onCorrection(action: string): void;
  /** Participant track files: settled from ListEgress and the storage (see TrackMediator.reconcile). */
  tracks?: TrackMediator;
  /** An adopted job is recorded as a start is, with its start watchdog (src/recording/watchdog). */
  startRecorder?: StartRecorderCalls;
  /** A paused recording's parts: those that never arrive are failed here, after the grace. */
  parts?: { store: RecordingPartStore; outputFolder: string };
}

/**
 * Brings the database back in line with the workers and the storage when a webhook was lost,
 * a worker crashed or the service died between a worker call and its database write. It visits
 * the recordings that are due (each recording says when it wants a look, see schedule.ts), oldest
 * due first; a recording it cannot settle is looked at again later, with backoff, so the others
 * are never starved. Every change goes through the same guarded transitions as the normal paths.
 */
export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  /** One pass over what is due. */
  async run(): Promise<void> {
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const due = await this.deps.store.claimForReconcile(BATCH, Math.max(MIN_CLAIM_MS, this.deps.settings.intervalMs));
      for (const r of due) await this.visit(r);
      if (due.length < BATCH) return;
    }
  }

  private async visit(r: ReconcileCandidate): Promise<void> {
    try {
      // Paused once: its parts and files are the join job's (src/recording/pause/join-job.ts) once it
      // stopped; only a part that never arrives is judged here.
      const paused = r.segments.length > 0;
      if (paused && (r.status === 'stopped' || r.status === 'aborted')) return await this.missingParts(r);
      const tracksPending = paused ? false : await this.tracks(r);
      switch (r.status) {
        case 'initiated':
          return await this.initiated(r);
        case 'active':
        case 'failed_to_stop':
          return await this.live(r);
        case 'stopped':
          return await this.stopped(r);
        case 'failed_to_start':
          return await this.failedToStart(r, tracksPending);
        default:
          // Saved (or over) with track files still pending: look again until they are in or failed.
          return await (tracksPending ? this.later(r) : this.settle(r));
      }
    } catch (err) {
      log.warn({ recordingId: r.id, err: err instanceof Error ? err.message : String(err) }, 'reconciliation step failed; will retry');
      await this.later(r);
    }
  }

  /** Settles what it can of the recording's pending track files; true while some are still pending. */
  private async tracks(r: ReconcileCandidate): Promise<boolean> {
    const { tracks } = this.deps;
    if (!tracks || !r.files.some((f) => f.kind === 'track' && f.status === 'pending')) return false;
    return tracks.reconcile(r);
  }

  /** The start's lease ran out and it never wrote its outcome (the service died): adopt the job or fail it. */
  private async initiated(r: ReconcileCandidate): Promise<void> {
    const workerId = await this.deps.mediator.findJob(r);
    if (workerId) {
      const { startRecorder, store } = this.deps;
      const adopted = startRecorder ? await startRecorder.record(r.id, ['initiated'], 'active', { workerId }) : await store.transition(r.id, ['initiated'], 'active', { workerId });
      if (adopted) this.corrected(r, 'adopted', 'worker job found for an initiated recording');
      return;
    }
    if (await this.deps.store.transition(r.id, ['initiated'], 'failed_to_start', {
      workerError: 'reconciler: the worker has no job for this recording',
      reason: reasonOf('start_timeout', 'the recorder had no job for it when its start lease ran out'),
    })) {
      this.corrected(r, 'failed_to_start', 'no worker job for an initiated recording');
    }
  }

  private async live(r: ReconcileCandidate): Promise<void> {
    if (!r.workerId) return this.withoutWorkerId(r);
    const state = await this.deps.mediator.inspect(r);
    const max = this.deps.settings.maxDurationMs;
    const over = r.status === 'active' && max !== undefined && recordedMs(r) > max;
    const decision = decideForLive(r.status as 'active' | 'failed_to_stop', state, over);
    if (decision.action !== 'none') return this.apply(r, decision);
    if (state.state === 'failed') return this.settle(r); // failed_to_stop whose worker failed: nothing runs any more
    if (state.state === 'unknown') return this.later(r);
    await this.deps.store.deferReconcile(r.id, r.status, this.deps.settings.intervalMs, 0);
  }

  /** A live recording that never got its worker id: find its job, else give it up after a few looks. */
  private async withoutWorkerId(r: ReconcileCandidate): Promise<void> {
    const workerId = await this.deps.mediator.findJob(r);
    if (workerId) {
      if (await this.deps.store.transition(r.id, [r.status], r.status, { workerId })) this.corrected(r, 'worker_id', 'worker job found');
      return;
    }
    if (r.status === 'failed_to_stop') return this.settle(r);
    if (r.reconcileAttempts + 1 < LOST_JOB_ATTEMPTS) return this.later(r);
    if (await this.deps.store.transition(r.id, ['active'], 'failed_to_stop', {
      workerError: 'reconciler: no worker job found for this recording',
      reason: reasonOf('worker_error', 'the recorder has no job for it any more'),
    })) {
      this.corrected(r, 'failed_to_stop', 'active without a worker job');
    }
  }

  /** Stopped, but no storage event came: look for the object itself. */
  private async stopped(r: ReconcileCandidate): Promise<void> {
    const { storage, store } = this.deps;
    if (!storage) return this.later(r);
    if (await storage.statObject(this.deps.mediator.objectKey(r))) {
      const outcome = await store.markSaved(r.id, [r.workerKind]);
      if (outcome.result === 'saved') this.corrected(r, 'saved', 'object found in storage without a storage event');
      if (outcome.result === 'untrusted_upload') {
        // A Jibri file that did not come through its one upload URL saves nothing: look less often.
        log.error({ alert: 'jibri_untrusted_file', recordingId: r.id, why: outcome.why }, 'ALERT: the file of this Jibri recording did not come through its upload URL; left unsaved');
        return this.later(r);
      }
      return;
    }
    if (!r.workerId) return this.later(r);
    const decision = decideForMissingFile(await this.deps.mediator.inspect(r));
    if (decision.action === 'none') return this.later(r);
    await this.apply(r, decision);
  }

  /** A stopped recording that was paused: fails the parts still missing after the grace, and wakes the join. */
  private async missingParts(r: ReconcileCandidate): Promise<void> {
    const { parts, storage } = this.deps;
    if (!parts || !storage) return this.deps.store.deferReconcile(r.id, r.status, null, r.reconcileAttempts);
    const outcome = await settleMissingParts({ parts: parts.store, storage, outputFolder: parts.outputFolder, graceMs: this.deps.settings.stoppedGraceMs }, r.id);
    if (outcome.failed > 0) this.corrected(r, 'part_failed', `${outcome.failed} part(s) never arrived`);
    if (outcome.failed > 0 || outcome.landed > 0) await parts.store.nudgeJoin(r.id);
    // Looked at again when the next awaited part's grace is over; never, once none is awaited.
    await this.deps.store.deferReconcile(r.id, r.status, outcome.nextMs === null ? null : Math.max(outcome.nextMs, MIN_CLAIM_MS), r.reconcileAttempts);
  }

  /**
   * A start that failed (often a timeout) may still have reached the worker, which then records
   * with nobody to stop it: look once after the grace and stop any such job.
   */
  private async failedToStart(r: ReconcileCandidate, tracksPending: boolean): Promise<void> {
    const { mediator } = this.deps;
    let workerId = r.workerId;
    if (workerId) {
      const state = await mediator.inspect(r);
      if (state.state !== 'starting' && state.state !== 'active') workerId = null;
    } else {
      workerId = await mediator.findJob(r);
    }
    if (workerId && (await this.deps.mediator.stopUnwanted(r, workerId))) this.corrected(r, 'stopped_late_start', 'worker job found for a failed start');
    else if (workerId) return this.later(r);
    // Track files still pending (their egresses were stopped, their files may come): look again.
    await (tracksPending ? this.later(r) : this.settle(r));
  }

  private async apply(r: ReconcileCandidate, decision: Exclude<Decision, { action: 'none' }>): Promise<void> {
    const max = this.deps.settings.maxDurationMs;
    const why = decision.limit && max !== undefined ? maxDurationReason(max) : undefined;
    if (decision.action === 'transition') {
      if (await this.deps.store.transition(r.id, [r.status], decision.to, why ? { reason: why } : {})) this.corrected(r, decision.to, decision.reason);
      return;
    }
    try {
      const stopped = await this.deps.mediator.stop(r, [r.status], why);
      this.corrected(r, stopped.status, decision.reason);
    } catch (err) {
      if (!(err instanceof RecordingError)) throw err;
      if (r.status !== 'failed_to_stop') this.corrected(r, 'failed_to_stop', `${decision.reason}; stop failed`);
      else await this.later(r); // the stop keeps failing: back off rather than hammer the worker
    }
  }

  /** Look again later, each time a little later. */
  private later(r: ReconcileCandidate): Promise<void> {
    const attempts = r.reconcileAttempts + 1;
    return this.deps.store.deferReconcile(r.id, r.status, backoffMs(attempts, this.deps.settings.intervalMs), attempts);
  }

  /** Nothing left to do for this recording (a failed_to_stop one's composite will not come: failed). */
  private settle(r: ReconcileCandidate): Promise<void> {
    if (r.status === 'failed_to_stop') return this.deps.store.giveUpFailedToStop(r.id, r.reconcileAttempts);
    return this.deps.store.deferReconcile(r.id, r.status, null, r.reconcileAttempts);
  }

  private corrected(r: Recording, action: string, reason: string): void {
    this.deps.onCorrection(action);
    log.info({ recordingId: r.id, from: r.status, action, reason }, 'recording reconciled');
  }
}
