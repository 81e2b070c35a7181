import type { AuthUser } from '../../auth/user';
import { statement, type SqlRunner } from '../../db/sql';

/** What a room's members may do with its recordings (set by the room's owners, src/rooms/recording-access.ts). */
export type MemberLevel = 'none' | 'view' | 'download';

const SQL = {
  level: statement('member_level_of_room', `SELECT members FROM room_recording_access WHERE room = $1`),
};

/** Any role in the room makes the user one of its members. */
export function isRoomMember(user: Pick<AuthUser, 'rooms'>, room: string): boolean {
  return Object.prototype.hasOwnProperty.call(user.rooms, room);
}

/** The read model of member access: the room's level, `none` without a row. */
export async function memberLevel(sql: SqlRunner, room: string): Promise<MemberLevel> {
  const [row] = await sql.query<{ members: MemberLevel }>(SQL.level, [room]);
  return row?.members ?? 'none';
}
