import type { WebhookEvent } from 'livekit-server-sdk';
import type { AppConfig } from '../../config/config';
import type { Recording } from '../recording';
import { childLogger } from '../../logging/logger';
import { matchRecordingKey } from '../object-key';
import type { RecordingStore } from '../store/recording-store';
import type { TrackMediator } from '../tracks/track-mediator';
import { egressFilepaths, toWorkerState } from '../workers/livekit/egress-status';
import { reasonOf } from '../reason';

const log = childLogger('livekit-events');

export type EventOutcome = 'updated' | 'unchanged' | 'unknown_recording' | 'ignored';

/** Another reader of LiveKit's webhooks (room activity, src/rooms): it sees every event first. */
export interface LivekitEventListener {
  handle(event: WebhookEvent): Promise<EventOutcome>;
}

/**
 * Keeps recordings true to what LiveKit Egress reports (webhooks): started/updated confirm
 * `active`; ended moves to stopped, aborted, failed or (when storage events are off) saved;
 * room_finished stops what was still active in the room.
 */
export class LivekitEventHandler {
  constructor(
    private readonly config: AppConfig,
    private readonly store: RecordingStore,
    private readonly onQueued: () => void,
    private readonly rooms?: LivekitEventListener,
    /** Participant tracks: track_published starts them, their egresses' webhooks settle them. */
    private readonly tracks?: TrackMediator,
  ) {}

  async handle(event: WebhookEvent): Promise<EventOutcome> {
    const activity = (await this.rooms?.handle(event)) ?? 'ignored';
    switch (event.event) {
      case 'egress_started':
      case 'egress_updated':
      case 'egress_ended':
        return event.egressInfo ? this.onEgress(event.event, event.egressInfo) : 'ignored';
      case 'room_finished':
        return event.room?.name ? this.onRoomFinished(event.room.name) : 'ignored';
      case 'track_published':
        return this.tracks && event.room?.name ? this.tracks.onTrackPublished(event.room.name, event.participant, event.track) : 'ignored';
      default:
        return activity;
    }
  }

  private async findRecording(info: NonNullable<WebhookEvent['egressInfo']>): Promise<Recording | null> {
    const byWorker = info.egressId ? await this.store.findByWorkerId(info.egressId) : null;
    if (byWorker) return byWorker;
    // The start call may not have stored the egress id yet: the file path names the recording.
    for (const path of egressFilepaths(info)) {
      const match = matchRecordingKey(path, this.config.recording.outputFolder);
      if (match && !match.trackId) {
        const recording = await this.store.findById(match.recordingId);
        if (recording && recording.workerKind.startsWith('livekit')) return recording;
      }
    }
    return null;
  }

  private async onEgress(name: string, info: NonNullable<WebhookEvent['egressInfo']>): Promise<EventOutcome> {
    // A participant's track egress concerns its file only, never the recording's status.
    if (info.request.case === 'track') return this.tracks ? this.tracks.onTrackEgress(info) : 'ignored';
    const recording = await this.findRecording(info);
    if (!recording) return 'unknown_recording';
    if (this.tracks && info.startedAt > 0n) await this.tracks.noteCompositeStarted(recording.id, info.startedAt);
    const id = recording.id;
    const workerId = recording.workerId ?? info.egressId;
    const state = toWorkerState(info);
    let changed: Recording | null = null;

    if (name !== 'egress_ended') {
      if (state.state === 'starting' || state.state === 'active') {
        changed = await this.store.transition(id, ['initiated'], 'active', { workerId });
      }
    } else if (state.state === 'failed') {
      const error = `egress failed: ${state.error ?? 'no detail'}`.slice(0, 500);
      changed =
        (await this.store.transition(id, ['initiated'], 'failed_to_start', { workerError: error, workerId, reason: reasonOf('start_failed', error) })) ??
        (await this.store.transition(id, ['active', 'stopped'], 'failed_to_stop', { workerError: error, reason: reasonOf('worker_error', error) }));
    } else if (state.state === 'aborted') {
      changed = await this.store.transition(id, ['initiated', 'active', 'stopped'], 'aborted', {
        workerError: state.error ? `egress aborted: ${state.error}`.slice(0, 500) : null,
        reason: state.error ? reasonOf('worker_error', `egress aborted: ${state.error}`) : null,
        workerId,
      });
    } else if (state.state === 'ended' && state.outcome === 'complete' && !this.config.storageEvents.enabled) {
      const outcome = await this.store.markSaved(id);
      if (outcome.result === 'saved') {
        if (outcome.jobsQueued > 0) this.onQueued();
        log.info({ recordingId: id }, 'recording saved from egress_ended');
        return 'updated';
      }
      return 'unchanged';
    } else if (state.state === 'ended') {
      // Complete (storage event will save it) or limit reached (the file still comes).
      const why = state.outcome === 'limit_reached' ? reasonOf('limit_reached', 'the egress reached its time limit') : undefined;
      changed = await this.store.transition(id, ['initiated', 'active'], 'stopped', { workerId, ...(why ? { reason: why } : {}) });
    }
    if (changed) log.info({ recordingId: id, event: name, status: changed.status }, 'recording updated from egress event');
    // The composite is over on its own (limit, failure): its track egresses stop with it.
    if (changed && changed.status !== 'active' && this.tracks) await this.tracks.stopAll(changed);
    return changed ? 'updated' : 'unchanged';
  }

  private async onRoomFinished(room: string): Promise<EventOutcome> {
    const live = await this.store.findActiveInRoom(room);
    let changed = false;
    for (const recording of live) {
      if (!recording.workerKind.startsWith('livekit')) continue;
      if (await this.store.transition(recording.id, ['active'], 'stopped', { reason: reasonOf('room_finished') })) {
        changed = true;
        log.info({ recordingId: recording.id }, 'recording stopped: room finished');
      }
    }
    return changed ? 'updated' : 'unchanged';
  }
}
