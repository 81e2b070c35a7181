import { createHash } from 'node:crypto';
import type { ActivityOutcome, RoomActivityEvent } from '../activity-dispatcher';
import { zodDetail } from '../../recording/start-request';
import { jidDomain, JITSI_EVENT_NAMES, jitsiEventBodies, roomNameProblem, type JitsiEventBody, type JitsiEventPath, type JitsiOccupant } from './event-bodies';
import { JITSI_HIDDEN_KIND, JITSI_PERSON_KIND } from '../participant-kind';

/** What became of a posted event: its body refused (and why), or handled. */
export type JitsiEventReceipt =
  | { result: 'malformed'; detail: string }
  | { result: 'handled'; event: string; outcome: ActivityOutcome };

export interface JitsiRoomEventsOptions {
  /** Occupants whose JID is on this domain (the recorders) count as nobody. */
  hiddenDomain?: string;
}

/** event_sync sends no event ids: a delivery is known by what it says, and a retry says the same. */
function eventId(...parts: (string | number | undefined)[]): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  return `jitsi:${digest}`;
}

/**
 * The Jitsi adapter of room activity: Prosody's event_sync bodies become the plain room
 * activity that LiveKit's webhooks become, for the same dispatcher. Rooms are known by their
 * name (the room JID's node). A breakout room is part of its main room: its occupants are the
 * main room's (someone moving to a breakout leaves the main room's count as it was), its own
 * creation and destruction neither start nor finish the main room, and its destruction ends the
 * presence of everyone who was in it (a lost occupant/left is corrected then). The main room's
 * destruction, which event_sync sends only once it and all its breakouts are empty, finishes the
 * room and everyone's presence in it.
 */
export class JitsiRoomEvents {
  private readonly hiddenDomain: string | undefined;

  constructor(
    private readonly rooms: { dispatch(event: RoomActivityEvent): Promise<ActivityOutcome> },
    options: JitsiRoomEventsOptions = {},
  ) {
    this.hiddenDomain = options.hiddenDomain?.toLowerCase();
  }

  async receive(path: JitsiEventPath, body: unknown): Promise<JitsiEventReceipt> {
    const name = (body as { event_name?: unknown } | null)?.event_name;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof name !== 'string') {
      return { result: 'malformed', detail: 'expected a JSON object with an event_name' };
    }
    // Another component's or a newer version's event: nothing to do, and nothing to retry.
    if (name !== JITSI_EVENT_NAMES[path]) return { result: 'handled', event: name.slice(0, 64), outcome: 'ignored' };
    const parsed = jitsiEventBodies[path].safeParse(body);
    if (!parsed.success) return { result: 'malformed', detail: zodDetail(parsed.error) };
    const problem = roomNameProblem(parsed.data);
    if (problem) return { result: 'malformed', detail: `unknown room name format: ${problem}` };
    return { result: 'handled', event: name, outcome: await this.handle(path, parsed.data) };
  }

  private async handle(path: JitsiEventPath, body: JitsiEventBody<JitsiEventPath>): Promise<ActivityOutcome> {
    const room = body.room_name;
    const breakout = body.breakout_room_id;
    switch (path) {
      case 'room/created': {
        const { created_at: at } = body as JitsiEventBody<'room/created'>;
        if (breakout !== undefined) return 'ignored';
        return this.rooms.dispatch({ type: 'room', started: true, room, roomSid: roomSid(at), at, roomCreatedAt: at, eventId: eventId(path, room, at) });
      }
      case 'room/destroyed': {
        const destroyed = body as JitsiEventBody<'room/destroyed'>;
        if (breakout === undefined) {
          return this.rooms.dispatch({
            type: 'room',
            started: false,
            room,
            roomSid: roomSid(destroyed.created_at),
            at: destroyed.destroyed_at,
            roomCreatedAt: destroyed.created_at,
            eventId: eventId(path, room, destroyed.created_at, destroyed.destroyed_at),
          });
        }
        // Everyone who was in the breakout has left it, whatever occupant/left was lost.
        let outcome: ActivityOutcome = 'unchanged';
        for (const occupant of destroyed.all_occupants) {
          const left = { ...occupant, left_at: occupant.left_at ?? destroyed.destroyed_at };
          if ((await this.occupant(room, breakout, left, false, `${path}:occupant`)) === 'updated') outcome = 'updated';
        }
        return outcome;
      }
      case 'occupant/joined':
      case 'occupant/left': {
        const { occupant } = body as JitsiEventBody<'occupant/joined'>;
        return this.occupant(room, breakout, occupant, path === 'occupant/joined', path);
      }
    }
  }

  private occupant(room: string, breakout: string | undefined, occupant: JitsiOccupant, joined: boolean, source: string): Promise<ActivityOutcome> {
    const hidden = this.hiddenDomain !== undefined && jidDomain(occupant.occupant_jid) === this.hiddenDomain;
    // One presence per connection (the full JID) across the main room and its breakouts; each
    // stay in one of them is a session of its own, so a move is a new session of the same row.
    const sid = `${breakout ?? ''}:${occupant.joined_at}`;
    const at = joined ? occupant.joined_at : (occupant.left_at ?? occupant.joined_at);
    return this.rooms.dispatch({
      type: 'participant',
      joined,
      room,
      roomSid: '',
      roomCreatedAt: null,
      identity: occupant.occupant_jid,
      sid,
      kind: hidden ? JITSI_HIDDEN_KIND : JITSI_PERSON_KIND,
      at,
      eventId: eventId(source, room, breakout, occupant.occupant_jid, occupant.joined_at, joined ? undefined : at),
    });
  }
}

/** A room session of Jitsi is known by its creation second. */
function roomSid(createdAt: number): string {
  return `jitsi:${createdAt}`;
}
