import { TrackSource, TrackType, type EgressClient, type ParticipantInfo, type RoomServiceClient } from 'livekit-server-sdk';
import type { AppConfig } from '../../../config/config';
import { childLogger } from '../../../logging/logger';
import type { ParticipantTrackWorker, PublishedAudioTrack, TrackEgressState } from '../participant-tracks';
import { WorkerError, type StopOutcome } from '../worker-service';
import { trackFileOutput } from './egress-request';
import { toWorkerState } from './egress-status';
import { callLivekit, type CallContext } from './livekit-call';

const log = childLogger('livekit-worker');

/**
 * ParticipantInfo.Kind (livekit_models.proto), which the SDK does not re-export: these
 * participants only bring media in or take it out, they are nobody speaking. A missing kind
 * reads as 0, STANDARD.
 */
const KIND_INGRESS = 1;
const KIND_EGRESS = 2;

/** A participant whose microphone is worth a file of its own. */
export function isRecordableParticipant(participant: Pick<ParticipantInfo, 'kind'>): boolean {
  return participant.kind !== KIND_INGRESS && participant.kind !== KIND_EGRESS;
}

/** A published microphone track (the speaker's voice; not screen-share audio, not video). */
export function isMicrophoneTrack(track: { type: TrackType; source: TrackSource }): boolean {
  return track.type === TrackType.AUDIO && track.source === TrackSource.MICROPHONE;
}

interface Clients {
  client: EgressClient;
  rooms: RoomServiceClient;
  storage: NonNullable<AppConfig['storage']>;
  call: CallContext;
}

/** Track Egress on LiveKit: the room's audio tracks from RoomService, one egress per track. */
export class LivekitTrackWorker implements ParticipantTrackWorker {
  constructor(
    private readonly clients: Clients,
    /** The egress worker's stop: an egress that already ended counts as stopped. */
    private readonly stopEgress: (egressId: string) => Promise<StopOutcome>,
  ) {}

  async listAudioTracks(room: string): Promise<PublishedAudioTrack[]> {
    const { rooms, call } = this.clients;
    const participants = await callLivekit(call, 'ListParticipants', () => rooms.listParticipants(room));
    const found: PublishedAudioTrack[] = [];
    for (const participant of participants) {
      if (!isRecordableParticipant(participant)) continue;
      for (const track of participant.tracks) {
        if (track.sid && isMicrophoneTrack(track)) found.push({ trackId: track.sid, identity: participant.identity, name: participant.name });
      }
    }
    return found;
  }

  async startTrack(room: string, trackId: string, objectKey: string): Promise<string> {
    const { client, storage, call } = this.clients;
    const info = await callLivekit(call, 'StartTrackEgress', () => client.startTrackEgress(room, trackFileOutput(objectKey, storage), trackId));
    if (!info.egressId) throw new WorkerError('invalid_response', 'LiveKit answered StartTrackEgress without an egress id', call.kind);
    log.info({ kind: call.kind, trackId, egressId: info.egressId }, 'track egress started');
    return info.egressId;
  }

  stopTrack(egressId: string): Promise<StopOutcome> {
    return this.stopEgress(egressId);
  }

  async roomEgresses(room: string): Promise<Map<string, TrackEgressState>> {
    const { client, call } = this.clients;
    const items = await callLivekit(call, 'ListEgress', () => client.listEgress({ roomName: room }));
    const states = new Map<string, TrackEgressState>();
    for (const info of items) {
      const endedAtMs = info.endedAt > 0n ? Number(info.endedAt / 1_000_000n) : null;
      states.set(info.egressId, { state: toWorkerState(info), endedAtMs });
    }
    return states;
  }
}
