import type { ParticipantLister } from '../../../rooms/room-reconciler';
import { withTimeout } from '../../../util/with-timeout';
import { LivekitRoomServiceClient } from './livekit-clients';
import { twirpCode } from './livekit-errors';
import { kindName } from './participant-kind';

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
