/** A user's role in a room, from the JWT's `rooms` claim. */
export type RoomRole = 'owner' | 'administrator' | 'member';

/** The caller, as the host application's JWT describes them (docs/api.md, Authentication). */
export interface AuthUser {
  sub: string;
  email: string | null;
  name: string | null;
  locale: string | null;
  zoneinfo: string | null;
  rooms: Record<string, RoomRole>;
}

/** Owners and administrators of a room may start and stop its recordings. */
export function canManageRoom(user: AuthUser, room: string): boolean {
  const role = Object.prototype.hasOwnProperty.call(user.rooms, room) ? user.rooms[room] : undefined;
  return role === 'owner' || role === 'administrator';
}
