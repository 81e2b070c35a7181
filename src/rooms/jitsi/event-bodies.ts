import { z } from 'zod';
import { roomName } from '../../recording/start-request';

/**
 * The bodies Prosody's `event_sync` component (jitsi-contrib/prosody-plugins) POSTs to
 * `{api_prefix}/events/room/created`, `/room/destroyed`, `/occupant/joined` and
 * `/occupant/left`. Fields this service does not read (speaker stats, the whole JWT user
 * context with `include_user_info`, attributes other modules add) are allowed and dropped.
 * Timestamps are Unix seconds.
 */

/** What each path receives, by its `event_name`. */
export const JITSI_EVENT_NAMES = {
  'room/created': 'muc-room-created',
  'room/destroyed': 'muc-room-destroyed',
  'occupant/joined': 'muc-occupant-joined',
  'occupant/left': 'muc-occupant-left',
} as const;
export type JitsiEventPath = keyof typeof JITSI_EVENT_NAMES;

/** No control characters (PostgreSQL stores no NUL, logs should hold none). */
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;
const text = z.string().min(1).max(255).regex(PRINTABLE, 'control characters are not allowed');
const unixSeconds = z.number().int().min(0).max(2 ** 40);

/** A full JID `node@domain/resource` (the node and the resource may be absent). */
const jid = text.regex(/^(?:[^@/\s]+@)?[^@/\s]+(?:\/.+)?$/, 'expected a JID');

const occupant = z.object({
  occupant_jid: jid,
  joined_at: unixSeconds,
  left_at: unixSeconds.optional(),
  // Present with JWT authentication only; never stored or logged.
  name: z.unknown().optional(),
  email: z.unknown().optional(),
  id: z.unknown().optional(),
});
export type JitsiOccupant = z.infer<typeof occupant>;

const room = {
  room_name: text,
  room_jid: text,
  is_breakout: z.boolean(),
  // The breakout room's JID node (a UUID in Jitsi), only with is_breakout.
  breakout_room_id: text.max(48).regex(/^[^@/\s]+$/, 'expected a JID node').optional(),
};

export const jitsiEventBodies = {
  'room/created': z.object({ ...room, created_at: unixSeconds }),
  'room/destroyed': z.object({ ...room, created_at: unixSeconds, destroyed_at: unixSeconds, all_occupants: z.array(occupant).max(10_000) }),
  'occupant/joined': z.object({ ...room, active_occupants_count: z.number().int().min(0).optional(), occupant }),
  'occupant/left': z.object({ ...room, active_occupants_count: z.number().int().min(0).optional(), occupant }),
} as const;

export type JitsiEventBody<P extends JitsiEventPath> = z.infer<(typeof jitsiEventBodies)[P]>;
type RoomFields = z.infer<z.ZodObject<typeof room>>;

/**
 * Why the room of a body is none this service knows, or null. Rooms are named as in the API
 * (`/rooms/{room}/`): the room JID's node, which must be the body's `room_name`. A multi-tenant
 * name (`[tenant]room`, a JID node that start-recording could not name) is refused, and so is
 * a breakout room without its id (or an id without is_breakout).
 */
export function roomNameProblem(body: RoomFields): string | null {
  if (!roomName.safeParse(body.room_name).success) return 'room_name is not a valid room name';
  if (body.room_name.startsWith('[')) return 'room_name names a tenant ([tenant]room): tenants are not supported';
  const at = body.room_jid.indexOf('@');
  if (at < 0 || body.room_jid.slice(0, at).toLowerCase() !== body.room_name.toLowerCase()) return "room_jid's node is not room_name";
  if (body.is_breakout !== (body.breakout_room_id !== undefined)) return 'breakout_room_id must be given exactly when is_breakout is true';
  return null;
}

/** The domain part of a JID (lower case). */
export function jidDomain(value: string): string {
  const bare = value.split('/', 1)[0]!;
  return bare.slice(bare.indexOf('@') + 1).toLowerCase();
}
