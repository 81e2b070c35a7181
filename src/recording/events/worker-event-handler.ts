import type { AppConfig, WorkerKind } from '../../config/config';
import { recordedMs, type Recording } from '../recording';
import { childLogger } from '../../logging/logger';
import { matchRecordingKey } from '../object-key';
import type { RecordingStore } from '../store/recording-store';
import type { TrackMediator } from '../tracks/track-mediator';
import type { EgressReport, WorkerEvent, WorkerEventOutcome } from '../workers/worker-events';
import { maxDurationReason, reasonOf, type RecordingReason } from '../reason';

const log = childLogger('worker-events');

/** What the handler tells the start watchdog (src/recording/watchdog/start-watchdog.ts). */
export interface StartWatchEvents {
  isStale(recordingId: string, workerId: string): Promise<boolean>;
  confirm(recordingId: string, workerId: string): Promise<void>;
  startFailed(recording: Recording, workerId: string, error: string): Promise<boolean>;
}

/**
 * Keeps recordings true to what their workers report on their own (LiveKit Egress's webhooks,
 * translated in workers/livekit/): started/updated confirm `active`; ended moves to stopped,
 * aborted, failed or (when storage events are off) saved; room_finished stops what was still
 * active in the room; a published track starts its egress.
 */
export class WorkerEventHandler {
  constructor(
    private readonly config: AppConfig,
    private readonly store: RecordingStore,
    /** Participant tracks: track_published starts them, their egresses' reports settle them. */
    private readonly tracks?: TrackMediator,
    /** The start watchdog: replaced jobs' reports are stale, a job seen active is confirmed, one failing before is replaced. */
    private readonly watch?: StartWatchEvents,
  ) {}

  async handle(event: WorkerEvent): Promise<WorkerEventOutcome> {
    switch (event.type) {
      case 'egress':
        return this.onEgress(event.phase, event.kinds, event.egress);
      case 'room_finished':
        return this.onRoomFinished(event.room, event.kinds);
      case 'track_published':
        return this.tracks ? this.tracks.onTrackPublished(event.room, event.track) : 'ignored';
    }
  }

  private async findRecording(egress: EgressReport, kinds: readonly WorkerKind[]): Promise<Recording | null> {
    const byWorker = egress.egressId ? await this.store.findByWorkerId(egress.egressId) : null;
    if (byWorker) return byWorker;
    // The start call may not have stored the egress id yet: the file path names the recording.
    for (const path of egress.filepaths) {
      const match = matchRecordingKey(path, this.config.recording.outputFolder);
      if (match && !match.trackId) {
        const recording = await this.store.findById(match.recordingId);
        if (recording && kinds.includes(recording.workerKind)) return recording;
      }
    }
    return null;
  }

  private async onEgress(phase: 'started' | 'updated' | 'ended', kinds: readonly WorkerKind[], egress: EgressReport): Promise<WorkerEventOutcome> {
    // A participant's track egress concerns its file only, never the recording's status.
    if (egress.track) return this.tracks ? this.tracks.onTrackEgress(egress) : 'ignored';
    const recording = await this.findRecording(egress, kinds);
    if (!recording) return 'unknown_recording';
    // A late report about a job the watchdog gave up and replaced changes nothing.
    if (this.watch && egress.egressId && (await this.watch.isStale(recording.id, egress.egressId))) return 'ignored';
    // Paused once: an earlier stretch's egress ends on its own time and its file is the join's.
    const paused = recording.segments.length > 0;
    if (paused && egress.egressId && recording.workerId !== egress.egressId) return 'ignored';
    if (this.tracks && egress.startedAt) await this.tracks.noteCompositeStarted(recording.id, egress.startedAt);
    const id = recording.id;
    const workerId = recording.workerId ?? egress.egressId;
    const { state } = egress;
    let changed: Recording | null = null;

    if (phase !== 'ended') {
      if (state.state === 'starting' || state.state === 'active') {
        changed = await this.store.transition(id, ['initiated'], 'active', { workerId });
      }
      if (state.state === 'active' && this.watch && egress.egressId) await this.watch.confirm(id, egress.egressId);
    } else if (state.state === 'failed') {
      const error = `egress failed: ${state.error ?? 'no detail'}`.slice(0, 500);
      // Failed before it was ever seen recording: the watchdog replaces it (or fails the start).
      if (this.watch && egress.egressId && (await this.watch.startFailed(recording, egress.egressId, error))) return 'updated';
      changed =
        (await this.store.transition(id, ['initiated'], 'failed_to_start', { workerError: error, workerId, reason: reasonOf('start_failed', error) })) ??
        (await this.store.transition(id, ['active', 'stopped'], 'failed_to_stop', { workerError: error, reason: reasonOf('worker_error', error) }));
    } else if (state.state === 'aborted') {
      changed = await this.store.transition(id, ['initiated', 'active', 'stopped'], 'aborted', {
        workerError: state.error ? `egress aborted: ${state.error}`.slice(0, 500) : null,
        reason: state.error ? reasonOf('worker_error', `egress aborted: ${state.error}`) : null,
        workerId,
      });
    } else if (state.state === 'ended' && state.outcome === 'complete' && !this.config.storageEvents.enabled && !paused) {
      const outcome = await this.store.markSaved(id);
      if (outcome.result === 'saved') {
        log.info({ recordingId: id }, 'recording saved from egress_ended');
        return 'updated';
      }
      return 'unchanged';
    } else if (state.state === 'ended') {
      // Complete (storage event will save it) or limit reached (the file still comes).
      const why = this.endedReason(recording, state.outcome);
      changed = await this.store.transition(id, ['initiated', 'active'], 'stopped', { workerId, ...(why ? { reason: why } : {}) });
    }
    if (changed) log.info({ recordingId: id, event: `egress_${phase}`, status: changed.status }, 'recording updated from egress event');
    // The composite is over on its own (limit, failure): its track egresses stop with it.
    if (changed && changed.status !== 'active' && this.tracks) await this.tracks.stopAll(changed);
    return changed ? 'updated' : 'unchanged';
  }

  /**
   * Past the maximum duration, the end is the limit's stop (this report may come before the
   * stopping job's own status change): the same reason as that job's, whoever writes first.
   */
  private endedReason(recording: Recording, outcome: 'complete' | 'limit_reached'): RecordingReason | undefined {
    const max = this.config.recording.maxDurationMs;
    if (max !== undefined && recordedMs(recording) >= max) return maxDurationReason(max);
    return outcome === 'limit_reached' ? reasonOf('limit_reached', 'the egress reached its time limit') : undefined;
  }

  private async onRoomFinished(room: string, kinds: readonly WorkerKind[]): Promise<WorkerEventOutcome> {
    const live = await this.store.findActiveInRoom(room);
    let changed = false;
    for (const recording of live) {
      if (!kinds.includes(recording.workerKind)) continue;
      if (await this.store.transition(recording.id, ['active'], 'stopped', { reason: reasonOf('room_finished') })) {
        changed = true;
        log.info({ recordingId: recording.id }, 'recording stopped: room finished');
      }
    }
    return changed ? 'updated' : 'unchanged';
  }
}
