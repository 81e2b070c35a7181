import type { Recording } from '../recording';
import type { PublishedAudioTrack, TrackEgressState } from '../workers/participant-tracks';
import type { StopOutcome } from '../workers/worker-states';

/**
 * The worker calls of a recording's participant tracks. The recording mediator makes them (it is
 * the one caller of workers and knows which worker records the recording); the track mediator
 * decides when, and writes what they did.
 */
export interface TrackWorkerCalls {
  /** Whether the recording's worker can record participant tracks at all. */
  canRecordTracks(recording: Pick<Recording, 'workerKind'>): boolean;
  /** The room's published microphone tracks. */
  listAudioTracks(recording: Pick<Recording, 'workerKind' | 'room'>): Promise<PublishedAudioTrack[]>;
  /** Starts recording one track to exactly `objectKey`; resolves to the egress id. */
  startTrack(recording: Pick<Recording, 'workerKind' | 'room'>, trackId: string, objectKey: string): Promise<string>;
  /** Stops a track egress; one that already ended counts as stopped. */
  stopTrack(recording: Pick<Recording, 'workerKind'>, egressId: string): Promise<StopOutcome>;
  /** Every egress the worker knows in the recording's room, by egress id. */
  roomEgresses(recording: Pick<Recording, 'workerKind' | 'room'>): Promise<Map<string, TrackEgressState>>;
}
