import { LivekitRoomServiceClient } from '../recording/workers/livekit/livekit-clients';
import { twirpCode } from '../recording/workers/livekit/livekit-errors';
import { withTimeout } from '../util/with-timeout';
import { kindName } from '../recording/workers/livekit/participant-kind';
import type { ParticipantSnapshot } from './store/room-store';

/** Who is in a room right now, as LiveKit's RoomService says; null when LiveKit does not know the room. */
export interface ParticipantLister {
  list(room: string): Promise<ParticipantSnapshot>;
}

/** ParticipantLister on RoomService.ListParticipants, each call bounded by `timeoutMs`. */
export function livekitParticipants(livekit: { url: string; apiKey: string; apiSecret: string }, timeoutMs: number): ParticipantLister {
  const client = new LivekitRoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret, {
    requestTimeout: timeoutMs / 1000,
    failover: false,
  });
  return {
    async list(room) {
      try {
        const participants = await withTimeout(client.listParticipants(room), timeoutMs, 'LiveKit ListParticipants');
        return participants.map((p) => ({ identity: p.identity, sid: p.sid, kind: kindName(p.kind) }));
      } catch (err) {
        if (twirpCode(err) === 'not_found') return null;
        throw err;
      }
    },
  };
}
