import { childLogger } from '../../logging/logger';
import type { ObjectStorage } from '../../storage/object-storage';
import { describe } from '../worker-failure';
import { fileKey, trackRelativeKey } from '../object-key';
import type { Recording } from '../recording';
import type { RecordingFileStore, TrackSettleOutcome, TrackToRecord } from '../store/file-store';
import type { RecordingStore } from '../store/recording-store';
import type { PublishedAudioTrack } from '../workers/participant-tracks';
import type { EgressReport } from '../workers/worker-events';
import type { TrackWorkerCalls } from './track-calls';
import { decideForTrack } from './track-rules';

const log = childLogger('tracks');

export interface TrackMediatorOptions {
  outputFolder: string;
  /** RECONCILE_STOPPED_GRACE_MS: how long a track file may take to land once its egress is over. */
  graceMs: number;
  /** Storage events are off (RECORDING_STORAGE_EVENT_ENABLE=false): LiveKit's egress_ended saves a track. */
  savedOnEgressEnd: boolean;
  /** Counts track egresses (recorder_track_egresses_total). */
  onTrackEgress?(outcome: 'started' | 'failed'): void;
}

export type TrackEventOutcome = 'updated' | 'unchanged' | 'unknown_recording' | 'ignored';

/** Whether the recording asked for participant tracks (`options.participant_tracks`). */
export function recordsTracks(recording: Pick<Recording, 'options'>): boolean {
  return recording.options?.participant_tracks === 'audio';
}

/**
 * Between the workers' Track Egress and the recording's files, as the mediator is for the
 * composite: every track egress call is followed by the write that says what it did, and
 * workers never see the database. A track is claimed (its pending file inserted) before its
 * egress starts, so it is started once whoever asks (the start's listing, a webhook, a repeat);
 * a track egress that fails only fails its file, never the recording.
 */
export class TrackMediator {
  constructor(
    private readonly store: RecordingStore,
    private readonly files: RecordingFileStore,
    /** The worker calls, made by the recording mediator. */
    private readonly calls: TrackWorkerCalls,
    private readonly storage: ObjectStorage | undefined,
    private readonly options: TrackMediatorOptions,
  ) {}

  /**
   * Starts a recording that records tracks: the room is listed while the composite starts (its
   * own call, in parallel), then one egress per listed audio track starts, all at once. A track
   * published after the listing comes through its webhook, which claims tracks of an
   * `initiated` recording too, so none is missed. When the composite fails, the track egresses
   * started meanwhile are stopped and the composite's error is thrown. Resolves to the
   * recording with its files.
   */
  async startWith(recording: Recording, startComposite: () => Promise<Recording>): Promise<Recording> {
    if (!this.calls.canRecordTracks(recording) || !recordsTracks(recording)) return startComposite();
    const listing = this.calls.listAudioTracks(recording).catch((err: unknown) => {
      // Tracks published later still come through track_published webhooks.
      log.warn({ recordingId: recording.id, reason: describe(err) }, 'could not list the room participants; recording without the tracks published so far');
      return [] as TrackToRecord[];
    });
    let active: Recording;
    try {
      active = await startComposite();
    } catch (err) {
      await this.stopAll(recording);
      throw err;
    }
    // Still waiting for a recorder (the start queue): its tracks start when it does.
    if (active.status !== 'active') return active;
    await this.record(active, await listing);
    return (await this.store.findById(active.id)) ?? active;
  }

  /** A new microphone in a room (LiveKit's `track_published`): recorded when the room's live recording records tracks. */
  async onTrackPublished(room: string, track: PublishedAudioTrack): Promise<TrackEventOutcome> {
    // Initiated too: the start's listing may have been answered before this track was published.
    const found = await this.store.findLiveInRoom(room);
    const live = found && found.status !== 'queued' && recordsTracks(found) && this.calls.canRecordTracks(found) ? [found] : [];
    if (live.length === 0) return 'ignored';
    let started = false;
    for (const recording of live) {
      const outcomes = await this.record(recording, [track]);
      if (outcomes.includes('started')) started = true;
    }
    return started ? 'updated' : 'unchanged';
  }

  /**
   * Stops every track egress of the recording that may still run, in parallel (each bounded by
   * the worker's timeout), except those in `skip`. Resolves to the egress ids it asked to stop
   * and how many of those stops failed; never throws.
   */
  async stopAll(recording: Recording, skip: ReadonlySet<string> = new Set()): Promise<{ asked: Set<string>; failed: number }> {
    const asked = new Set<string>(skip);
    let failed = 0;
    if (!this.calls.canRecordTracks(recording) || !recordsTracks(recording)) return { asked, failed };
    let pending: { trackId: string; egressId: string }[];
    try {
      pending = (await this.files.pendingTrackEgresses(recording.id)).filter((t) => !skip.has(t.egressId));
    } catch (err) {
      log.warn({ recordingId: recording.id, err: describe(err) }, 'could not read the track egresses to stop; the reconciler will stop them');
      return { asked, failed: failed + 1 };
    }
    await Promise.all(
      pending.map(async ({ trackId, egressId }) => {
        asked.add(egressId);
        try {
          await this.calls.stopTrack(recording, egressId);
        } catch (err) {
          failed += 1;
          log.warn({ recordingId: recording.id, trackId, reason: describe(err) }, 'track egress did not stop; the reconciler will try again');
        }
      }),
    );
    return { asked, failed };
  }

  /** What the worker reports of a track egress: its start time, and its end when it wrote nothing (or storage events are off). */
  async onTrackEgress(egress: EgressReport): Promise<TrackEventOutcome> {
    const file = egress.egressId ? await this.files.trackByEgress(egress.egressId) : null;
    if (!file) return 'unknown_recording';
    if (egress.startedAt) await this.files.noteTrackStarted(egress.egressId, egress.startedAt);
    const { state } = egress;
    if (state.state === 'failed' || state.state === 'aborted') {
      log.warn({ recordingId: file.recordingId, trackId: file.trackId, state: state.state }, 'track egress ended without a file');
      return this.settled(await this.files.settleTrack(file.recordingId, file.trackId, 'failed'), 'failed');
    }
    if (state.state === 'ended' && this.options.savedOnEgressEnd) {
      return this.settled(await this.files.settleTrack(file.recordingId, file.trackId, 'saved', egress.fileSize));
    }
    return 'unchanged';
  }

  /** When the composite's egress began, as the worker reports it (for aligning the tracks with it). */
  async noteCompositeStarted(recordingId: string, startedAt: Date): Promise<void> {
    await this.files.noteCompositeStarted(recordingId, startedAt);
  }

  /** A storage event for a track key: the file landed. */
  async onTrackStored(recordingId: string, trackId: string, size: number | null): Promise<TrackSettleOutcome> {
    const outcome = await this.files.settleTrack(recordingId, trackId, 'saved', size);
    this.settled(outcome);
    return outcome;
  }

  /**
   * The reconciler's look at a recording's pending track files: those in storage are saved,
   * running egresses of a recording that no longer records are stopped, and files that will not
   * come (see decideForTrack) are failed. True while some track file is still pending.
   */
  async reconcile(recording: Recording): Promise<boolean> {
    const pending = await this.files.pendingTracks(recording.id);
    if (pending.length === 0) return false;
    if (!this.calls.canRecordTracks(recording) || !this.storage) return true;
    const egresses = await this.calls.roomEgresses(recording);
    let left = 0;
    for (const track of pending) {
      const stat = await this.storage.statObject(fileKey(this.options.outputFolder, track.relativeKey));
      if (stat) {
        this.settled(await this.files.settleTrack(recording.id, track.trackId, 'saved', stat.size));
        log.info({ recordingId: recording.id, trackId: track.trackId }, 'track file found in storage without a storage event');
        continue;
      }
      const decision = decideForTrack({
        live: recording.status === 'active' || recording.status === 'initiated',
        hasEgress: track.egressId !== null,
        egress: track.egressId ? egresses.get(track.egressId) : undefined,
        idleMs: track.idleMs,
        graceMs: this.options.graceMs,
        nowMs: Date.now(),
      });
      if (decision === 'fail') {
        log.warn({ recordingId: recording.id, trackId: track.trackId }, 'track file never landed; marked failed');
        this.settled(await this.files.settleTrack(recording.id, track.trackId, 'failed'), 'failed');
        continue;
      }
      left += 1;
      if (decision === 'stop') {
        try {
          await this.calls.stopTrack(recording, track.egressId!);
        } catch (err) {
          log.warn({ recordingId: recording.id, trackId: track.trackId, reason: describe(err) }, 'could not stop a track egress');
        }
      }
    }
    return left > 0;
  }

  /**
   * Claims the tracks (one transaction), starts the egresses of those claimed all at once, and
   * notes their ids (one transaction); a failed start fails its file only.
   */
  private async record(recording: Recording, tracks: TrackToRecord[]): Promise<('started' | 'failed')[]> {
    if (tracks.length === 0) return [];
    const { claimed } = await this.files.claimTracks(recording.id, tracks);
    if (claimed.size === 0) return [];
    const results = await Promise.all([...claimed].map((trackId) => this.startEgress(recording, trackId)));
    const started = results.filter((r): r is { trackId: string; egressId: string } => r !== null);
    if (started.length > 0) {
      const status = await this.files.recordTrackEgresses(recording.id, started);
      if (status !== 'active' && status !== 'initiated') {
        // The recording stopped (or failed) while these egresses started: nobody else will stop them.
        log.info({ recordingId: recording.id, status }, 'recording stopped while track egresses started; stopping them');
        await Promise.all(
          started.map(({ egressId }) =>
            this.calls.stopTrack(recording, egressId).catch((err: unknown) => log.warn({ recordingId: recording.id, reason: describe(err) }, 'could not stop a late track egress')),
          ),
        );
      }
    }
    return results.map((r) => (r ? 'started' : 'failed'));
  }

  /** One StartTrackEgress; null (and the file failed) when it did not start. */
  private async startEgress(recording: Recording, trackId: string): Promise<{ trackId: string; egressId: string } | null> {
    const key = fileKey(this.options.outputFolder, trackRelativeKey(recording.id, trackId));
    try {
      const egressId = await this.calls.startTrack(recording, trackId, key);
      this.options.onTrackEgress?.('started');
      return { trackId, egressId };
    } catch (err) {
      log.warn({ recordingId: recording.id, trackId, reason: describe(err) }, 'track egress failed to start; its file is failed');
      this.settled(await this.files.settleTrack(recording.id, trackId, 'failed'), 'failed');
      return null;
    }
  }

  private settled(outcome: TrackSettleOutcome, counted?: 'failed'): TrackEventOutcome {
    if (counted === 'failed' && outcome.result === 'settled') this.options.onTrackEgress?.('failed');
    if (outcome.result !== 'settled') return 'unchanged';
    return 'updated';
  }
}
