import type { WebhookEvent } from 'livekit-server-sdk';
import { childLogger } from '../logging/logger';
import { kindName } from './participant-kind';
import type { Applied, RoomStore } from './store/room-store';

const log = childLogger('rooms');

export type ActivityOutcome = 'updated' | 'unchanged' | 'ignored';

/** Unix seconds from the protobuf int64 LiveKit sends (the SDK decodes it as a bigint); null when absent. */
function seconds(value: bigint | number | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : null;
}

/**
 * Keeps rooms' activity from LiveKit's room_started, participant_joined, participant_left and
 * room_finished webhooks (the other events are not about activity). Each event is applied once
 * (its `id`) and in order (its `createdAt` and the sessions' sids), whatever order it arrives in.
 */
export class RoomActivityEvents {
  constructor(
    private readonly store: RoomStore,
    private readonly onQueued: () => void,
  ) {}

  async handle(event: WebhookEvent): Promise<ActivityOutcome> {
    const room = event.room?.name;
    if (!room || room.length > 255) return 'ignored';
    const at = seconds(event.createdAt) ?? Math.floor(Date.now() / 1000);
    const common = {
      eventId: event.id ? event.id.slice(0, 128) : null,
      at,
      room,
      roomSid: event.room?.sid ?? '',
      roomCreatedAt: seconds(event.room?.creationTime),
    };
    let applied: Applied;
    switch (event.event) {
      case 'room_started':
      case 'room_finished':
        applied = await this.store.applyRoom({ ...common, started: event.event === 'room_started' });
        break;
      case 'participant_joined':
      case 'participant_left': {
        const p = event.participant;
        if (!p?.identity || p.identity.length > 255) return 'ignored';
        applied = await this.store.applyParticipant({
          ...common,
          identity: p.identity,
          sid: p.sid ?? '',
          kind: kindName(p.kind),
          joined: event.event === 'participant_joined',
        });
        break;
      }
      default:
        return 'ignored';
    }
    if (applied.queued) this.onQueued();
    if (applied.result !== 'applied') log.debug({ room, event: event.event, result: applied.result }, 'room event changed nothing');
    return applied.result === 'applied' ? 'updated' : 'unchanged';
  }
}
