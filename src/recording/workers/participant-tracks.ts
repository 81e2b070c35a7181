import type { StopOutcome, WorkerState } from './worker-states';

/** A participant's published audio track, as the worker found it in the room. */
export interface PublishedAudioTrack {
  trackId: string;
  identity: string;
  name: string;
}

/** What the worker knows of one track egress (reconciliation). */
export interface TrackEgressState {
  state: WorkerState;
  /** When it ended (ms since the epoch), once it has. */
  endedAtMs: number | null;
}

/**
 * Per-participant audio tracks, a capability only LiveKit workers have (Track Egress); a worker
 * without it leaves `WorkerService.participantTracks` undefined. Like every worker call, these
 * throw only WorkerError, each bounded by the worker's timeout, and never touch the database:
 * the mediator makes them for the track mediator, which writes what they did.
 */
export interface ParticipantTrackWorker {
  /** The room's published microphone tracks, without egress and ingress participants. */
  listAudioTracks(room: string): Promise<PublishedAudioTrack[]>;
  /** Starts recording one track to exactly `objectKey`; resolves to the egress id. */
  startTrack(room: string, trackId: string, objectKey: string): Promise<string>;
  /** Stops a track egress; one that already ended counts as stopped. */
  stopTrack(egressId: string): Promise<StopOutcome>;
  /** Every egress the worker knows in the room, by egress id (one call, for the reconciler). */
  roomEgresses(room: string): Promise<Map<string, TrackEgressState>>;
}
