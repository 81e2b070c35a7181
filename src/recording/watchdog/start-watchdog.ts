import type { Job, JobHandler, JobOutcome } from '../../jobs/job';
import { childLogger } from '../../logging/logger';
import type { RecordingMediator } from '../mediator';
import { reasonOf, type RecordingReason } from '../reason';
import type { Recording } from '../recording';
import type { RecordingStore } from '../store/recording-store';
import type { StartWatchStore } from '../store/start-watch-store';
import { describe } from '../worker-failure';
import type { StartRecorder } from './start-recorder';
import { START_WATCH_KIND, type StartWatchPayload } from './watch-job-kinds';

const log = childLogger('start-watchdog');

const LIVE = ['initiated', 'active'];

export interface StartWatchdogOptions {
  /** RECORDING_START_RETRIES: replacements per recording. */
  retries: number;
  /** How long one check may hold its job: a stop and a start, each under its deadline. */
  leaseMs: number;
}

/**
 * A start that does not hang: a worker job that is not seen recording within the start timeout
 * (LiveKit's EGRESS_ACTIVE by webhook, else asked with ListEgress when the check runs), or that
 * fails before it ever was, is stopped and replaced by a new job for the same recording (same
 * id, same object key, status kept). When the replacements are spent the recording is
 * `failed_to_start` with `start_timeout` or `start_failed`. Each check is a job of the runner,
 * queued with the start it watches (StartRecorder), so a restart loses none and one instance
 * runs each; the replacement itself is claimed under the recording's row lock.
 */
export class StartWatchdog {
  constructor(
    private readonly store: RecordingStore,
    private readonly watch: StartWatchStore,
    private readonly recorder: StartRecorder,
    private readonly mediator: RecordingMediator,
    private readonly options: StartWatchdogOptions,
  ) {}

  /** The handler of the checks. */
  job(): JobHandler<StartWatchPayload> {
    return {
      kind: START_WATCH_KIND,
      leaseMs: this.options.leaseMs,
      // Only for what went wrong around the worker (the database, ListEgress unreachable).
      retry: { maxAttempts: 10, baseMs: 2000, maxMs: 60_000 },
      run: (job) => this.check(job),
    };
  }

  /** A report about a job the watchdog replaced: it says nothing about the recording any more. */
  isStale(recordingId: string, workerId: string): Promise<boolean> {
    return this.watch.isReplaced(recordingId, workerId);
  }

  /** The worker says the job records now (EGRESS_ACTIVE): its check has nothing left to do. */
  async confirm(recordingId: string, workerId: string): Promise<void> {
    await this.watch.confirm(recordingId, workerId);
  }

  /**
   * The worker says the recording's job failed. True when it was never seen recording, so it is
   * the watchdog's to replace (its check is queued to run now); false: the usual paths settle it.
   */
  async startFailed(recording: Recording, workerId: string, error: string): Promise<boolean> {
    // Only once the start recorded it (active): a start still in flight settles its own outcome.
    if (recording.status !== 'active' || recording.workerId !== workerId) return false;
    const latest = await this.watch.latestJob(recording.id);
    if (!latest || latest.workerId !== workerId || latest.confirmedAt || latest.replacedAt) return false;
    await this.recorder.queueFailedCheck(recording.id, workerId, latest.attempt, error);
    return true;
  }

  private async check(job: Job<StartWatchPayload>): Promise<JobOutcome> {
    const { workerId, failed } = job.payload;
    const recording = job.recordingId ? await this.store.findById(job.recordingId) : null;
    if (!recording || !LIVE.includes(recording.status) || recording.workerId !== workerId) return { status: 'done' };
    const latest = await this.watch.latestJob(recording.id);
    if (!latest || latest.workerId !== workerId || latest.confirmedAt || latest.replacedAt) return { status: 'done' };
    let cause: RecordingReason;
    if (failed !== undefined) {
      cause = reasonOf('start_failed', failed);
    } else {
      // No webhook said it records: ask the worker (ListEgress), in case one was missed.
      const state = await this.mediator.inspect(recording);
      if (state.state === 'active') {
        await this.watch.confirm(recording.id, workerId);
        return { status: 'done' };
      }
      // Over on its own: its events (or the reconciler) settle the recording.
      if (state.state === 'ended' || state.state === 'aborted') return { status: 'done' };
      cause =
        state.state === 'failed'
          ? reasonOf('start_failed', `egress failed: ${state.error ?? 'no detail'}`)
          : reasonOf('start_timeout', `the recorder did not start recording within ${Math.round(this.recorder.timeoutMs / 1000)} s`);
    }
    await this.replace(recording, latest.attempt, cause);
    return { status: 'done' };
  }

  /** Stops the job and starts another while replacements are left; else the recording failed to start. */
  private async replace(recording: Recording, attempt: number, cause: RecordingReason): Promise<void> {
    const replacedId = recording.workerId!;
    if (!(await this.watch.claimReplacement(recording.id, replacedId, attempt))) return;
    log.warn({ recordingId: recording.id, worker: recording.workerKind, attempt, reason: cause.code }, 'worker job did not start recording; replacing it');
    await this.mediator.stopUnwanted(recording, replacedId);
    let why = cause;
    for (let next = attempt + 1; next <= this.options.retries; next += 1) {
      let workerId: string;
      try {
        workerId = await this.mediator.startJob(recording, [replacedId]);
      } catch (err) {
        why = reasonOf('start_failed', describe(err));
        log.warn({ recordingId: recording.id, attempt: next, reason: why.detail }, 'replacement worker job failed to start');
        continue;
      }
      if (await this.recorder.recordReplacement(recording.id, replacedId, workerId, next)) {
        log.info({ recordingId: recording.id, worker: recording.workerKind, attempt: next }, 'worker job replaced');
        return;
      }
      // The recording moved on meanwhile (stopped, deleted): nothing may record for it.
      await this.mediator.stopUnwanted(recording, workerId);
      return;
    }
    // A replacement start that timed out may have reached the worker all the same.
    if (why !== cause) await this.stopStray(recording, replacedId);
    const failed = await this.store.transition(recording.id, LIVE as Recording['status'][], 'failed_to_start', {
      workerError: `${why.code}: ${why.detail ?? ''}`.slice(0, 500),
      reason: why,
    });
    if (!failed) return;
    log.warn({ recordingId: recording.id, worker: recording.workerKind, reason: why.code }, 'recording failed to start: replacements spent');
    await this.mediator.stopTracks(failed);
  }

  /** Stops a job the worker runs for the recording that is not the one given up (never throws). */
  private async stopStray(recording: Recording, replacedId: string): Promise<void> {
    const stray = await this.mediator.findJob(recording).catch(() => null);
    if (stray && stray !== replacedId) await this.mediator.stopUnwanted(recording, stray);
  }
}
