import type { WorkerKind } from '../config/config';
import { retryDelayMs, type RetryPolicy } from '../jobs/retry';
import { childLogger } from '../logging/logger';
import { withTimeout } from '../util/with-timeout';
import { RecordingError } from './errors';
import { objectKeyFor, recordingObjectKeys } from './object-key';
import { reasonOf, type RecordingReason } from './reason';
import type { Recording } from './recording';
import type { RecordingStatus } from './status';
import type { TransitionPatch } from './store/recording-changes';
import type { RecordingStore } from './store/recording-store';
import type { TrackWorkerCalls } from './tracks/track-calls';
import { recordsTracks, type TrackMediator } from './tracks/track-mediator';
import type { PublishedAudioTrack, TrackEgressState } from './workers/participant-tracks';
import type { RecorderPool } from './workers/recorder-pool';
import type { WorkerRegistry } from './workers/registry';
import type { ReportSender } from './workers/status-reports';
import { timedCall } from './timed-call';
import { describe, startFailure, workerDetail } from './worker-failure';
import { WorkerError, type StartRequest, type StopOutcome, type WorkerState } from './workers/worker-service';
import type { MediatorOptions, StatusReport } from './mediator-options';

const log = childLogger('mediator');

/** Added to a worker's own start deadline: the time our bookkeeping around it may take. */
const START_MARGIN_MS = 5000;

export type { MediatorOptions, StartRecorderCalls, StatusReport } from './mediator-options';

/**
 * Sits between workers and the database, and is the one caller of workers: it decides which
 * worker a recording's call goes to (the reconciler, deletion, the Jibri webhooks and the track
 * mediator ask it). Every start and stop is followed by the status change that says truly what
 * the worker did, and workers never see the database. A failed start frees the room at once
 * (`failed_to_start` is outside the one-live-recording-per-room index).
 */
export class RecordingMediator implements TrackWorkerCalls {
  /** Participant track egresses: started and stopped with the composite, their worker calls made here. */
  readonly tracks?: TrackMediator;

  constructor(
    private readonly store: RecordingStore,
    private readonly registry: WorkerRegistry,
    private readonly options: MediatorOptions,
    tracks?: (calls: TrackWorkerCalls) => TrackMediator,
  ) {
    this.tracks = tracks?.(this);
  }

  objectKey(recording: Pick<Recording, 'id' | 'workerKind'>): string {
    return objectKeyFor(this.options.outputFolder, recording.id, recording.workerKind);
  }

  /** Every object the recording owns in the bucket: its composite and its participant track files. */
  objectKeys(recording: Pick<Recording, 'id' | 'workerKind' | 'files' | 'artifacts'>): string[] {
    return recordingObjectKeys(this.options.outputFolder, recording);
  }

  startRequest(recording: Pick<Recording, 'id' | 'room' | 'workerKind'> & { options?: Recording['options'] }): StartRequest {
    const request: StartRequest = { recordingId: recording.id, room: recording.room, objectKey: this.objectKey(recording) };
    if (recording.options?.layout) request.layout = recording.options.layout;
    return request;
  }

  /**
   * How long a new recording of this kind belongs to its start: the worker's deadline plus our
   * margin plus the grace. The reconciler leaves an `initiated` recording alone until then, so
   * it never fails a start that is still in flight.
   */
  startLeaseMs(kind: Recording['workerKind'], retry?: RetryPolicy): number {
    const attempts = Math.max(1, retry?.maxAttempts ?? 1);
    let waits = 0;
    // The most the waits between attempts can be (the jitter adds up to 20%).
    for (let attempt = 1; attempt < attempts; attempt += 1) waits += Math.ceil(retryDelayMs(attempt, retry!.baseMs, retry!.maxMs, () => 1));
    return attempts * (this.registry.forKind(kind).startDeadlineMs + START_MARGIN_MS) + waits + this.options.initiatedGraceMs;
  }

  /**
   * initiated -> active with the worker id; anything else is a 502. When the worker failed,
   * the recording is failed_to_start. When the worker started but the recording was moved
   * meanwhile (a webhook, the reconciler), the job is stopped so that nothing records unseen.
   * `retry`: the worker is asked again, with backoff, before the start counts as failed (the
   * recording stays `initiated` meanwhile; its start lease must cover them, see startLeaseMs).
   */
  start(recording: Recording, retry?: RetryPolicy): Promise<Recording> {
    // A recording of tracks lists the room while its composite starts, then starts the tracks.
    if (this.tracks && recordsTracks(recording)) return this.tracks.startWith(recording, () => this.startComposite(recording, retry));
    return this.startComposite(recording, retry);
  }

  private async startComposite(recording: Recording, retry?: RetryPolicy): Promise<Recording> {
    const attempts = Math.max(1, retry?.maxAttempts ?? 1);
    let workerId: string;
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          workerId = await this.startJob(recording);
          break;
        } catch (err) {
          // A worker without settings answers the same every time.
          if (attempt >= attempts || (err instanceof WorkerError && err.code === 'not_configured')) throw err;
          const waitMs = retryDelayMs(attempt, retry!.baseMs, retry!.maxMs);
          log.warn({ recordingId: recording.id, worker: recording.workerKind, attempt, reason: describe(err), waitMs }, 'worker failed to start; asking again');
          await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
      }
    } catch (err) {
      const waiting = await this.options.noRecorder?.(recording, err);
      if (waiting) return waiting;
      const reason = describe(err);
      log.warn({ recordingId: recording.id, worker: recording.workerKind, reason }, 'worker failed to start');
      const failed = await this.store.transition(recording.id, ['initiated'], 'failed_to_start', { workerError: reason, reason: startFailure(err, reason) });
      throw new RecordingError('worker_failed', workerDetail('start', err), failed ?? recording);
    }
    const active = await this.recordStart(recording.id, ['initiated'], 'active', { workerId, workerError: null, reason: null });
    if (active) {
      log.info({ recordingId: recording.id, worker: recording.workerKind, workerId }, 'recording started');
      return active;
    }
    const current = await this.store.findById(recording.id);
    if (current?.status === 'active') {
      // LiveKit's egress_started webhook got there first: the recording is what the caller asked for.
      // Recorded again (the same worker id) so that its start watchdog is queued all the same.
      return (await this.recordStart(current.id, ['active'], 'active', { workerId: current.workerId ?? workerId })) ?? current;
    }
    log.warn({ recordingId: recording.id, status: current?.status }, 'recording moved while its worker started; stopping the job');
    await this.stopUnwanted(recording, workerId);
    const kept = current ? await this.store.transition(current.id, [current.status], current.status, { workerId }) : null;
    throw new RecordingError(
      'worker_failed',
      `The recording could not start: it became "${current?.status ?? 'deleted'}" while the recorder was starting; the recorder was stopped.`,
      kept ?? current ?? recording,
    );
  }

  /** One worker job for the recording, bounded as a start's lease promises; `avoid`: worker ids of jobs given up (another instance when one is free). */
  startJob(recording: Recording, avoid: readonly string[] = []): Promise<string> {
    const worker = this.registry.forKind(recording.workerKind);
    const request = avoid.length > 0 ? { ...this.startRequest(recording), avoid } : this.startRequest(recording);
    // The worker bounds each of its calls; this bounds the whole start.
    return this.timed(recording.workerKind, 'start', () => withTimeout(worker.start(request), worker.startDeadlineMs + START_MARGIN_MS, 'worker start'));
  }

  private recordStart(id: string, from: readonly RecordingStatus[], to: RecordingStatus, patch: TransitionPatch): Promise<Recording | null> {
    return this.options.startRecorder ? this.options.startRecorder.record(id, from, to, patch) : this.store.transition(id, from, to, patch);
  }

  /**
   * active -> stopped/aborted per the worker's answer, or -> failed_to_stop (then throws
   * worker_failed). The reconciler retries a failed stop with `from` = failed_to_stop.
   */
  async stop(recording: Recording, from: readonly RecordingStatus[] = ['active', 'initiated'], why?: RecordingReason): Promise<Recording> {
    if (recording.status === 'queued') return this.cancelQueued(recording, why);
    if (!this.tracks) return this.stopComposite(recording, from, why);
    // Track egresses stop in parallel with the composite; once the status changed no new one can
    // start unseen (see RecordingFileStore.recordTrackEgresses), so a second look stops any that
    // started meanwhile.
    const tracks = this.tracks;
    const stopping = tracks.stopAll(recording);
    try {
      return await this.stopComposite(recording, from, why);
    } finally {
      await tracks.stopAll(recording, (await stopping).asked);
    }
  }

  /** A start still waiting for a recorder: nothing runs, so it is aborted; a conflict when it is being handed to one right now. */
  private async cancelQueued(recording: Recording, why?: RecordingReason): Promise<Recording> {
    const aborted = await this.store.transition(recording.id, ['queued'], 'aborted', why ? { reason: why } : {});
    if (aborted) return aborted;
    throw new RecordingError('conflict', 'The recording is starting right now; stop it again in a moment.', recording);
  }

  /** `why`: the reason of a stop no user asked for (room empty, duration limit). */
  private async stopComposite(recording: Recording, from: readonly RecordingStatus[], why?: RecordingReason): Promise<Recording> {
    const worker = this.registry.forKind(recording.workerKind);
    let outcome: StopOutcome;
    try {
      if (!recording.workerId) throw new WorkerError('not_found', 'the recording has no worker id');
      const workerId = recording.workerId;
      outcome = await this.timed(recording.workerKind, 'stop', () => worker.stop(workerId));
    } catch (err) {
      const reason = describe(err);
      log.warn({ recordingId: recording.id, worker: recording.workerKind, reason }, 'worker failed to stop');
      const failed = await this.store.transition(recording.id, from, 'failed_to_stop', { workerError: reason, reason: reasonOf('worker_error', reason) });
      throw new RecordingError('worker_failed', workerDetail('stop', err), failed ?? recording);
    }
    const next = await this.store.transition(recording.id, from, outcome, why ? { reason: why } : {});
    // The start watchdog replaced the job meanwhile (its change came first): the replacement stops too.
    if (next?.workerId && next.workerId !== recording.workerId) await this.stopUnwanted(next, next.workerId);
    log.info({ recordingId: recording.id, worker: recording.workerKind, workerId: recording.workerId, outcome }, 'recording stopped');
    this.options.onRecorderFreed?.(recording.workerKind);
    return next ?? (await this.store.findById(recording.id)) ?? recording;
  }

  /** Pause and resume (src/recording/pause/): the recorder of stretch `stretch`, writing to `objectKey`; the status is the caller's to change. */
  startStretch(recording: Recording, objectKey: string, stretch: number): Promise<string> {
    const worker = this.registry.forKind(recording.workerKind);
    const request = { ...this.startRequest(recording), objectKey, stretch };
    return this.timed(recording.workerKind, 'start', () => withTimeout(worker.start(request), worker.startDeadlineMs + START_MARGIN_MS, 'worker start'));
  }

  stopStretch(recording: Pick<Recording, 'workerKind'>, workerId: string): Promise<StopOutcome> {
    return this.timed(recording.workerKind, 'stop', () => this.registry.forKind(recording.workerKind).stop(workerId));
  }

  /** What the recording's worker says of its job; unknown when the recording has no worker id. */
  inspect(recording: Pick<Recording, 'workerKind' | 'workerId'>): Promise<WorkerState> {
    if (!recording.workerId) return Promise.resolve({ state: 'unknown' });
    return this.registry.forKind(recording.workerKind).inspect(recording.workerId);
  }

  /** A job the recording's worker runs for it although its id was never stored; null when none. */
  findJob(recording: Pick<Recording, 'id' | 'room' | 'workerKind' | 'options'>): Promise<string | null> {
    return this.registry.forKind(recording.workerKind).findByRecording(this.startRequest(recording));
  }

  /**
   * A status report an instance of a `kind` worker pushed (Jibri's status webhook), for the worker
   * to record; with the live recordings of that kind it shows over. `not_configured`: the kind
   * has no worker taking reports.
   */
  async statusReport(kind: WorkerKind, body: unknown, sender: ReportSender): Promise<StatusReport> {
    const reports = this.registry.forKind(kind).statusReports;
    if (!reports) return { outcome: 'not_configured' };
    let live: Recording[] = [];
    const receipt = await reports.receive(body, sender, async () => {
      live = (await this.store.findActiveOfKind(kind)).filter((r) => r.workerId);
      return live.map((r) => ({ recordingId: r.id, workerId: r.workerId!, activeSince: r.updatedAt }));
    });
    if (receipt.outcome !== 'recorded') return receipt;
    if (receipt.status === 'IDLE') this.options.onRecorderFreed?.(kind);
    const ended = new Set(receipt.ended);
    return { ...receipt, ended: live.filter((r) => ended.has(r.workerId!)) };
  }

  /** The recorders of a kind seen one by one (the Jibri pool), or undefined. */
  recorders(kind: WorkerKind): RecorderPool | undefined {
    return this.registry.forKind(kind).recorders;
  }

  /** Stops every track egress of the recording that may still run (see TrackMediator.stopAll); never throws. */
  async stopTracks(recording: Recording): Promise<{ failed: number }> {
    return this.tracks ? this.tracks.stopAll(recording) : { failed: 0 };
  }

  canRecordTracks(recording: Pick<Recording, 'workerKind'>): boolean {
    return this.registry.forKind(recording.workerKind).participantTracks !== undefined;
  }

  listAudioTracks(recording: Pick<Recording, 'workerKind' | 'room'>): Promise<PublishedAudioTrack[]> {
    return this.trackWorker(recording).listAudioTracks(recording.room);
  }

  startTrack(recording: Pick<Recording, 'workerKind' | 'room'>, trackId: string, objectKey: string): Promise<string> {
    return this.trackWorker(recording).startTrack(recording.room, trackId, objectKey);
  }

  stopTrack(recording: Pick<Recording, 'workerKind'>, egressId: string): Promise<StopOutcome> {
    return this.trackWorker(recording).stopTrack(egressId);
  }

  roomEgresses(recording: Pick<Recording, 'workerKind' | 'room'>): Promise<Map<string, TrackEgressState>> {
    return this.trackWorker(recording).roomEgresses(recording.room);
  }

  private trackWorker(recording: Pick<Recording, 'workerKind'>) {
    const tracks = this.registry.forKind(recording.workerKind).participantTracks;
    if (!tracks) throw new WorkerError('not_configured', `The ${recording.workerKind} worker cannot record participant tracks.`, recording.workerKind);
    return tracks;
  }

  /** Stops a worker job that no live recording stands for; the recording's status stays as it is. Never throws. */
  async stopUnwanted(recording: Pick<Recording, 'id' | 'workerKind'>, workerId: string): Promise<boolean> {
    try {
      await this.timed(recording.workerKind, 'stop', () => this.registry.forKind(recording.workerKind).stop(workerId));
      log.info({ recordingId: recording.id, worker: recording.workerKind }, 'unwanted worker job stopped');
      return true;
    } catch (err) {
      log.warn({ recordingId: recording.id, worker: recording.workerKind, reason: describe(err) }, 'could not stop an unwanted worker job');
      return false;
    }
  }

  private timed<T>(kind: string, op: 'start' | 'stop', call: () => Promise<T>): Promise<T> {
    return timedCall(this.options.onWorkerCall, kind, op, call);
  }
}
