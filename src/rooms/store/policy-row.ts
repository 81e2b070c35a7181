import type { StartOptions } from '../../recording/start-request';
import type { RecordingPolicy, Trigger } from '../policy';

/** A room_policies row as ROOM_SQL's policy statements return it. */
export type PolicyRow = {
  room: string;
  trigger: Trigger;
  mode: string;
  options: StartOptions;
  authorSub: string;
  authorEmail: string | null;
  authorName: string | null;
  authorLocale: string | null;
  authorZoneinfo: string | null;
  authorSuspendedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export function toPolicy(row: PolicyRow): RecordingPolicy {
  return {
    room: row.room,
    trigger: row.trigger,
    mode: row.mode,
    options: row.options ?? {},
    author: { sub: row.authorSub, email: row.authorEmail, name: row.authorName, locale: row.authorLocale, zoneinfo: row.authorZoneinfo },
    authorSuspendedAt: row.authorSuspendedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
