import { z } from 'zod';
import { canManageRoom, type AuthUser } from '../auth/user';
import { childLogger } from '../logging/logger';
import { badRequest, forbidden } from '../recording/errors';
import { roomName, zodDetail } from '../recording/start-request';
import { MEMBER_ACCESS_LEVELS, type MemberAccess, type RoomAccessStore } from './store/recording-access-store';

const log = childLogger('rooms');

/** Body of PUT /rooms/{room}/recording-access/. */
export const recordingAccessBody = z.object({ members: z.enum(MEMBER_ACCESS_LEVELS) }).strict();

/** Told after a room's level changed, so this instance's media-auth decides afresh at once. */
export type RoomAccessListener = (room: string) => void;

/**
 * What a room's members may do with its recordings: `none` (the default), `view` (list and
 * watch) or `download` (also download). Owners and administrators of the room set it.
 */
export class RoomRecordingAccess {
  private readonly listeners = new Set<RoomAccessListener>();

  constructor(private readonly store: RoomAccessStore) {}

  onChange(listener: RoomAccessListener): void {
    this.listeners.add(listener);
  }

  members(room: string): Promise<MemberAccess> {
    return this.store.members(room);
  }

  async set(user: AuthUser, room: string, body: unknown): Promise<{ room: string; members: MemberAccess; updatedAt: Date }> {
    const parsed = roomName.safeParse(room);
    if (!parsed.success) throw badRequest(`Invalid room name: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
    const name = parsed.data;
    if (!canManageRoom(user, name)) throw forbidden('Only owners and administrators of this room may set what its members may do with its recordings.');
    const wanted = recordingAccessBody.safeParse(body ?? {});
    if (!wanted.success) throw badRequest(zodDetail(wanted.error));
    const { changed, updatedAt } = await this.store.setMembers(name, wanted.data.members, user.sub);
    if (changed) {
      log.info({ room: name, members: wanted.data.members }, "room members' recording access changed");
      for (const listener of this.listeners) {
        try {
          listener(name);
        } catch {
          // the change is committed; a listener cannot undo it
        }
      }
    }
    return { room: name, members: wanted.data.members, updatedAt };
  }
}
