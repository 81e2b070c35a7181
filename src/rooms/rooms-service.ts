import type { AuthUser } from '../auth/user';
import { canManageRoom } from '../auth/user';
import { childLogger } from '../logging/logger';
import { badRequest, forbidden } from '../recording/errors';
import type { Recording } from '../recording/recording';
import { parseStart, roomName, zodDetail } from '../recording/start-request';
import type { RoomRole } from '../auth/user';
import type { AccessRole } from '../recording/status';
import type { WorkerKind } from '../config/config';
import { AuthorNotes } from './author-notes';
import { recordingPolicyBody, type RecordingPolicy } from './policy';
import type { MemberAccess } from './store/recording-access-store';
import type { RoomActivity, RoomStore } from './store/room-store';

const log = childLogger('rooms');

/** What the room view shows (GET /rooms/{room}/). */
export interface RoomView {
  room: string;
  isActive: boolean;
  participants: number;
  startedAt: Date | null;
  /** The room's live recording and the caller's access to it (null: none; they see it, not more). */
  recording: { recording: Recording; access: AccessRole | null; canStop: boolean } | null;
  policy: RecordingPolicy | null;
  /** What the room's members may do with its recordings (src/rooms/recording-access.ts). */
  recordingAccess: MemberAccess;
}

export interface RoomsServiceDeps {
  rooms: RoomStore;
  liveRecording(room: string): Promise<Recording | null>;
  accessOf(recordingId: string, userSub: string): Promise<AccessRole | null>;
  membersAccess(room: string): Promise<MemberAccess>;
  modes: { kindForMode(mode: string): WorkerKind | undefined; modeNames: string[] };
  /** RECORDING_ALLOW_PERMANENT: a policy may start permanent recordings. */
  allowPermanent: boolean;
  /** Jitsi's room events are received (JITSI_EVENTS_TOKEN): a policy may start a Jibri. */
  jibriPolicies: boolean;
  /** What was noted lately of callers' roles (a clock for tests); a new one by default. */
  authorNotes?: AuthorNotes;
}

/** Rooms for the API: their activity, live recording and recording policy; independent of HTTP. */
export class RoomsService {
  private readonly authorNotes: AuthorNotes;

  constructor(private readonly deps: RoomsServiceDeps) {
    this.authorNotes = deps.authorNotes ?? new AuthorNotes();
  }

  /** Any role in the room may look, members included: participants must be able to know they are recorded. */
  async view(user: AuthUser, room: string): Promise<RoomView> {
    const name = parseRoom(room);
    if (!roleIn(user, name)) throw forbidden('You have no role in this room.');
    const [activity, live, policy, recordingAccess] = await Promise.all([
      this.deps.rooms.activity(name),
      this.deps.liveRecording(name),
      this.deps.rooms.policy(name),
      this.deps.membersAccess(name),
    ]);
    return {
      room: name,
      ...activityOf(activity),
      recording: live
        ? { recording: live, access: await this.deps.accessOf(live.id, user.sub), canStop: canManageRoom(user, name) && live.status === 'active' }
        : null,
      policy,
      recordingAccess,
    };
  }

  /** Owners and administrators set the policy; its mode and options are checked like start-recording's. */
  async putPolicy(user: AuthUser, room: string, body: unknown): Promise<RecordingPolicy> {
    const name = parseRoom(room);
    if (!canManageRoom(user, name)) throw forbidden('Only owners and administrators of this room may set its recording policy.');
    const parsed = recordingPolicyBody.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(zodDetail(parsed.error));
    const { mode, kind, options } = parseStart(parsed.data, this.deps.modes, { allowPermanent: this.deps.allowPermanent });
    if (kind === 'jibri' && !this.deps.jibriPolicies) {
      throw badRequest(`Invalid request body: mode: "${mode}" is recorded by Jibri; a policy follows Jitsi rooms only with JITSI_EVENTS_TOKEN set (Prosody's event_sync), so it needs a LiveKit mode.`);
    }
    const { sub, email, name: authorName, locale, zoneinfo } = user;
    try {
      const { policy } = await this.deps.rooms.putPolicy(name, {
        trigger: parsed.data.trigger,
        mode,
        options,
        author: { sub, email, name: authorName, locale, zoneinfo },
      });
      return policy;
    } finally {
      // What was noted of the author (a note made while the policy was written, too) may predate it.
      this.authorNotes.forget(sub);
    }
  }

  /**
   * Every authenticated request: the token's `rooms` claim is the truth about the caller's roles
   * now. Policies they set in rooms they no longer manage stop acting; they act again once a
   * token shows the role back. Returns the policies whose state changed. A caller noted lately
   * with the same roles, or found to author no policy, is not noted again (AuthorNotes).
   */
  async noteCaller(user: AuthUser): Promise<{ room: string; suspended: boolean }[]> {
    const managed = Object.keys(user.rooms).filter((room) => canManageRoom(user, room));
    if (this.authorNotes.fresh(user.sub, managed)) return [];
    const { changed, authors } = await this.deps.rooms.noteAuthorRoles(user.sub, managed);
    this.authorNotes.remember(user.sub, managed, authors);
    for (const { room, suspended } of changed) {
      log.info({ room }, suspended ? "recording policy suspended: its author's token shows no owner/administrator role" : 'recording policy acts again');
    }
    return changed;
  }

  /** Back to no automatic recording; a recording it started keeps running until it is stopped or the room empties. */
  async deletePolicy(user: AuthUser, room: string): Promise<void> {
    const name = parseRoom(room);
    if (!canManageRoom(user, name)) throw forbidden('Only owners and administrators of this room may remove its recording policy.');
    await this.deps.rooms.deletePolicy(name);
  }
}

function activityOf(activity: RoomActivity | null): Pick<RoomView, 'isActive' | 'participants' | 'startedAt'> {
  if (!activity?.isActive) return { isActive: false, participants: activity?.participants ?? 0, startedAt: null };
  return { isActive: true, participants: activity.participants, startedAt: activity.startedAt };
}

function roleIn(user: AuthUser, room: string): RoomRole | undefined {
  return Object.prototype.hasOwnProperty.call(user.rooms, room) ? user.rooms[room] : undefined;
}

function parseRoom(room: string): string {
  const parsed = roomName.safeParse(room);
  if (!parsed.success) throw badRequest(`Invalid room name: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  return parsed.data;
}
