import { childLogger } from '../logging/logger';
import type { Applied, ParticipantChange, RoomChange, RoomPlatform, RoomStore } from './store/room-store';

const log = childLogger('rooms');

/**
 * One change of a room's activity as the meeting platform tells it, in plain terms (LiveKit's
 * webhooks, translated by the LiveKit adapter in recording/workers/livekit/; Jitsi's event_sync
 * bodies, translated by rooms/jitsi/).
 */
export type RoomActivityEvent = ({ type: 'room' } & RoomChange) | ({ type: 'participant' } & ParticipantChange);

export type ActivityOutcome = 'updated' | 'unchanged' | 'ignored';

/** Room names and participant identities longer than this are nobody's: ignored. */
const MAX_NAME = 255;
/** Event ids are kept (for applying each once) up to this length. */
const MAX_EVENT_ID = 128;

/**
 * Keeps rooms' activity from their started/finished and joined/left events. Each event is applied
 * once (its id) and in order (its time and the sessions' sids), whatever order it arrives in.
 */
export class RoomActivityDispatcher {
  constructor(
    private readonly store: RoomStore,
    /** The platform whose adapter feeds this dispatcher, noted on the rooms it changes. */
    private readonly platform: RoomPlatform = 'livekit',
  ) {}

  async dispatch(event: RoomActivityEvent): Promise<ActivityOutcome> {
    if (!event.room || event.room.length > MAX_NAME) return 'ignored';
    const eventId = event.eventId ? event.eventId.slice(0, MAX_EVENT_ID) : null;
    let applied: Applied;
    if (event.type === 'room') {
      const { type: _type, ...change } = event;
      applied = await this.store.applyRoom({ ...change, eventId, platform: this.platform });
    } else {
      if (!event.identity || event.identity.length > MAX_NAME) return 'ignored';
      const { type: _type, ...change } = event;
      applied = await this.store.applyParticipant({ ...change, eventId, platform: this.platform });
    }
    if (applied.result !== 'applied') log.debug({ room: event.room, event: event.type, result: applied.result }, 'room event changed nothing');
    return applied.result === 'applied' ? 'updated' : 'unchanged';
  }
}
