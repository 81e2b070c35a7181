import { statement, type Sql } from '../../db/sql';
import { queueEvent } from '../../events/outbox';
import type { EventRoutes } from '../../events/routes';

/** What a room's members may do with its recordings. */
export const MEMBER_ACCESS_LEVELS = ['none', 'view', 'download'] as const;
export type MemberAccess = (typeof MEMBER_ACCESS_LEVELS)[number];

const SQL = {
  /** The room's level, its row locked until the transaction ends (none without a row). */
  lock: statement('room_access_lock', `SELECT members FROM room_recording_access WHERE room = $1 FOR UPDATE`),
  /** Sets the room's level ($2) by $3. */
  set: statement(
    'room_access_set',
    `INSERT INTO room_recording_access (room, members, updated_by, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (room) DO UPDATE SET members = EXCLUDED.members, updated_by = EXCLUDED.updated_by, updated_at = now()
     RETURNING members, updated_at AS "updatedAt"`,
  ),
  get: statement('room_access_get', `SELECT members FROM room_recording_access WHERE room = $1`),
};

export interface RoomAccessStoreOptions {
  sql: Sql;
  /** Who receives room.access_changed (unset: nobody). */
  events?: EventRoutes;
}

/** The rooms' member access levels (room_recording_access); a change queues room.access_changed with it. */
export class RoomAccessStore {
  constructor(private readonly options: RoomAccessStoreOptions) {}

  async members(room: string): Promise<MemberAccess> {
    const [row] = await this.options.sql.query<{ members: MemberAccess }>(SQL.get, [room]);
    return row?.members ?? 'none';
  }

  /** Sets the level; the event is queued in the same transaction, only when the level changed. */
  async setMembers(room: string, members: MemberAccess, by: string): Promise<{ changed: boolean; updatedAt: Date }> {
    const { sql, events } = this.options;
    return sql.transaction(async (tx) => {
      const [locked] = await tx.query<{ members: MemberAccess }>(SQL.lock, [room]);
      const previous = locked?.members ?? 'none';
      const [row] = await tx.query<{ members: MemberAccess; updatedAt: Date }>(SQL.set, [room, members, by]);
      if (!row) throw new Error('room access: the upsert returned no row');
      const changed = previous !== row.members;
      if (changed && events) {
        await queueEvent(tx, events, {
          type: 'room.access_changed',
          at: row.updatedAt,
          data: { room, members: row.members, previous, changed_by: { sub: by }, changed_at: row.updatedAt.toISOString() },
        });
      }
      return { changed, updatedAt: row.updatedAt };
    });
  }
}
