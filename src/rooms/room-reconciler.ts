import { childLogger } from '../logging/logger';
import type { ParticipantSnapshot, RoomStore } from './store/room-store';

/**
 * Who is in a room right now, as its meeting platform says (LiveKit's RoomService, see
 * recording/workers/livekit/participant-lister.ts); null when it does not know the room.
 */
export interface ParticipantLister {
  list(room: string): Promise<ParticipantSnapshot>;
}

const log = childLogger('rooms');

/** Rooms looked at per pass; the least recently changed first, so every live room gets its turn. */
const ROOMS_PER_PASS = 200;

/**
 * A recurring pass (on the job runner, one instance at a time) that corrects live rooms from
 * LiveKit's ListParticipants: webhooks can be lost, and a lost participant_left would otherwise
 * keep a room occupied (and its automatic recording running) for ever. It also forgets old
 * webhook ids and departed participants.
 */
export class RoomReconciler {
  constructor(
    private readonly deps: {
      rooms: RoomStore;
      lister: ParticipantLister;
      onCorrection?: () => void;
    },
  ) {}

  async run(): Promise<void> {
    const { rooms, lister } = this.deps;
    for (const { room } of await rooms.roomsToReconcile(ROOMS_PER_PASS)) {
      // Before the call: an event LiveKit sends after the answer is newer than the snapshot.
      const at = Math.floor(Date.now() / 1000);
      let snapshot;
      try {
        snapshot = await lister.list(room);
      } catch (err) {
        log.warn({ room, err: err instanceof Error ? err.message : String(err) }, 'could not list the participants of the room');
        continue;
      }
      const before = await rooms.activity(room);
      await rooms.reconcile(room, snapshot, at);
      const after = await rooms.activity(room);
      if (before && after && (before.participants !== after.participants || before.isActive !== after.isActive)) {
        this.deps.onCorrection?.();
        log.info({ room, participants: after.participants, isActive: after.isActive }, 'room activity corrected from LiveKit');
      }
    }
    await rooms.prune();
  }
}
