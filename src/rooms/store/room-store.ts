import type { Sql, SqlRunner } from '../../db/sql';
import { queueEvent } from '../../events/outbox';
import type { EventRoutes } from '../../events/routes';
import { enqueue } from '../../jobs/job-runner';
import type { StartOptions } from '../../recording/start-request';
import { settle } from '../activity-rules';
import { AUTO_START_KIND, type AutoStartPayload } from '../room-job-kinds';
import { AUTO_STOP_KIND, type AutoStopPayload } from '../room-job-kinds';
import { countsAsPerson } from '../participant-kind';
import { actingTrigger, conditionHolds, type PolicyAuthor, type RecordingPolicy, type Trigger } from '../policy';
import { toPolicy, type PolicyRow } from './policy-row';
import type { Applied, ParticipantChange, ParticipantSnapshot, RoomActivity, RoomChange, RoomPlatform } from './room-changes';
import { ROOM_SQL } from './statements';

// The store's own types live in room-changes.ts (this file stays short); its users import them from here.
export type { Applied, ChangeResult, ParticipantChange, ParticipantSnapshot, RoomActivity, RoomChange, RoomPlatform } from './room-changes';

export interface RoomStoreOptions {
  sql: Sql;
  /** How long a room stays empty before the policy's recording is stopped. */
  autoStopGraceMs: number;
  /** Who receives room.started / room.finished (unset: nobody). */
  events?: EventRoutes;
}

/** How one change to a room settles what follows it (see RoomStore.change). */
interface ChangeOptions {
  /** The webhook's id (a repeat changes nothing); null for changes that are no webhook. */
  eventId: string | null;
  /** Where the event comes from, noted on the room. */
  platform?: RoomPlatform;
  /** The grace before an emptied room's recording stops (default: the store's autoStopGraceMs). */
  graceMs?: number;
  /** Also queue a start when the condition holds and none is queued, not only when it has just become true. */
  recheck?: boolean;
}

const DAY_MS = 24 * 3600_000;

function joinsFinishedSession(change: ParticipantChange, before: RoomActivity): boolean {
  if (change.at < before.finishedAt) return true;
  return change.roomSid !== '' && change.roomSid === before.finishedSid;
}

/**
 * The one home of room state: activity from LiveKit's webhooks (one presence row per
 * identity; the count is derived from them), the recording policies, and the automatic-
 * recording jobs a change queues. Each change runs in one transaction that holds the room's
 * row lock, so changes to a room apply one after the other on any number of instances, and
 * the jobs a change queues are written with it (outbox).
 */
export class RoomStore {
  private readonly sql: Sql;
  private readonly autoStopGraceMs: number;
  private readonly events: EventRoutes | undefined;

  constructor(options: RoomStoreOptions) {
    this.sql = options.sql;
    this.autoStopGraceMs = options.autoStopGraceMs;
    this.events = options.events;
  }

  /** A join that makes the room live (its start event is late or lost) announces room.started, once. */
  async applyParticipant(change: ParticipantChange): Promise<Applied> {
    let announced = false;
    const applied = await this.change(change.room, { eventId: change.eventId, platform: change.platform }, async (tx, before) => {
      // Nobody joins a room session that has finished: a late join of it is stale.
      if (change.joined && joinsFinishedSession(change, before)) return false;
      const statement = change.joined ? ROOM_SQL.joined : ROOM_SQL.left;
      const counted = countsAsPerson(change.kind);
      const rows = await tx.query(statement, [change.room, change.identity, change.sid, change.kind, counted, change.at, change.eventId]);
      if (rows.length === 0) return false;
      if (change.joined && (await tx.query(ROOM_SQL.activeByParticipant, [change.room, change.roomSid, change.at, change.roomCreatedAt])).length > 0) {
        announced = await this.queueRoomEvent(tx, 'room.started', { room: change.room, roomSid: change.roomSid, at: change.roomCreatedAt ?? change.at });
      }
      return true;
    });
    return announced && applied.result === 'applied' ? { ...applied, queued: true } : applied;
  }

  /**
   * room_started / room_finished. The host application hears of a room session once: room.started
   * when a room that was not live (or ran another session) starts, room.finished when a session
   * ends, each queued in the change's transaction.
   */
  async applyRoom(change: RoomChange): Promise<Applied> {
    let announced = false;
    // At room_finished the policy's recording stops at once, not after the grace.
    const how: ChangeOptions = { eventId: change.eventId, platform: change.platform, ...(change.started ? {} : { graceMs: 0 }) };
    const applied = await this.change(change.room, how, async (tx, before) => {
      if (change.started) {
        if ((await tx.query(ROOM_SQL.roomStarted, [change.room, change.roomSid, change.at, change.roomCreatedAt])).length === 0) return false;
        const again = before.isActive && (change.roomSid === '' || change.roomSid === before.roomSid);
        if (!again) announced = await this.queueRoomEvent(tx, 'room.started', change);
        return true;
      }
      const finished = await tx.query(ROOM_SQL.roomFinished, [change.room, change.roomSid, change.at]);
      if (finished.length === 0) return false;
      await tx.query(ROOM_SQL.everyoneLeft, [change.room, change.at]);
      const again = !before.isActive && change.roomSid !== '' && change.roomSid === before.finishedSid;
      if (!again) announced = await this.queueRoomEvent(tx, 'room.finished', change);
      return true;
    });
    return announced && applied.result === 'applied' ? { ...applied, queued: true } : applied;
  }

  /** True when deliveries were queued. */
  private async queueRoomEvent(tx: SqlRunner, type: 'room.started' | 'room.finished', change: Pick<RoomChange, 'room' | 'roomSid' | 'at'>): Promise<boolean> {
    if (!this.events) return false;
    const at = new Date(change.at * 1000);
    return 0 < await queueEvent(tx, this.events, {
      type,
      at,
      data: { room: change.room, room_sid: change.roomSid || null, [type === 'room.started' ? 'started_at' : 'finished_at']: at.toISOString() },
    });
  }

  /**
   * Corrects a room from what LiveKit's ListParticipants answered at Unix second `at`; webhooks
   * newer than that still win. A condition that holds with no start queued (the last one gave
   * up, or its webhook was lost) gets a start queued again.
   */
  reconcile(room: string, snapshot: ParticipantSnapshot, at: number): Promise<Applied> {
    return this.change(room, { eventId: null, recheck: true }, async (tx) => {
      if (snapshot === null) {
        await tx.query(ROOM_SQL.inactiveBySnapshot, [room, at]);
        await tx.query(ROOM_SQL.absentBySnapshot, [room, [], at]);
      } else {
        // One row per identity (an upsert may not touch a row twice); the last listed wins.
        const people = [...new Map(snapshot.map((p) => [p.identity, p])).values()];
        await tx.query(ROOM_SQL.presentBySnapshot, [
          room,
          people.map((p) => p.identity),
          people.map((p) => p.sid),
          people.map((p) => p.kind),
          people.map((p) => countsAsPerson(p.kind)),
          at,
        ]);
        await tx.query(ROOM_SQL.absentBySnapshot, [room, people.map((p) => p.identity), at]);
        if (people.length > 0) await tx.query(ROOM_SQL.activeBySnapshot, [room, at]);
      }
      return true;
    });
  }

  async activity(room: string): Promise<RoomActivity | null> {
    return (await this.sql.query<RoomActivity>(ROOM_SQL.activity, [room]))[0] ?? null;
  }

  async policy(room: string): Promise<RecordingPolicy | null> {
    const [row] = await this.sql.query<PolicyRow>(ROOM_SQL.policy, [room]);
    return row ? toPolicy(row) : null;
  }

  /**
   * Sets the room's policy. It decides afresh: when its condition already holds, a start is
   * queued now (the room need not empty and fill first).
   */
  async putPolicy(
    room: string,
    policy: { trigger: Trigger; mode: string; options: StartOptions; author: PolicyAuthor },
  ): Promise<{ policy: RecordingPolicy; queued: boolean }> {
    let saved: RecordingPolicy | undefined;
    const { queued } = await this.change(room, { eventId: null, recheck: true }, async (tx) => {
      const { author } = policy;
      const [row] = await tx.query<PolicyRow>(ROOM_SQL.putPolicy, [
        room,
        policy.trigger,
        policy.mode,
        policy.options,
        author.sub,
        author.email,
        author.name,
        author.locale,
        author.zoneinfo,
      ]);
      saved = toPolicy(row!);
      await tx.query(ROOM_SQL.resetAuto, [room]);
      return true;
    });
    return { policy: saved!, queued };
  }

  /** What a request of author `sub` showed: `managed`, the rooms their token lets them manage (see noteAuthorRoles). */
  async noteAuthorRoles(sub: string, managed: string[]): Promise<{ changed: { room: string; suspended: boolean }[]; authors: boolean }> {
    const [row] = await this.sql.query<{ changed: { room: string; suspended: boolean }[]; authors: boolean }>(ROOM_SQL.noteAuthorRoles, [sub, managed]);
    return row!;
  }

  async deletePolicy(room: string): Promise<boolean> {
    return (await this.sql.query(ROOM_SQL.deletePolicy, [room])).length > 0;
  }

  /** The policy's recording started or one was found running: no other automatic start until the room empties for the grace. */
  async markAutoDone(room: string): Promise<void> {
    await this.sql.query(ROOM_SQL.markAutoDone, [room]);
  }

  /** The room stayed empty for the whole grace of this vacancy: its fill is over. */
  async endFill(room: string, vacancy: number): Promise<void> {
    await this.sql.query(ROOM_SQL.endFill, [room, vacancy]);
  }

  roomsToReconcile(limit: number): Promise<{ room: string }[]> {
    return this.sql.query<{ room: string }>(ROOM_SQL.roomsToReconcile, [limit]);
  }

  /** Rooms live and the people in them, for /metrics. */
  async totals(): Promise<{ live: number; participants: number }> {
    const [row] = await this.sql.query<{ live: number; participants: number }>(ROOM_SQL.totals);
    return row ?? { live: 0, participants: 0 };
  }

  /** Forgets webhook ids and departed participants after a day: no retry or late delivery comes that late. */
  async prune(): Promise<void> {
    await this.sql.query(ROOM_SQL.pruneEvents, [DAY_MS]);
    await this.sql.query(ROOM_SQL.prunePresences, [DAY_MS]);
  }

  /**
   * One change to a room, in one transaction: the webhook id is recorded (a repeat changes
   * nothing), the room's row is locked, `apply` changes the presences (false: the event was
   * stale), then the count is derived again and the rules of automatic recording settle what
   * follows (activity-rules.ts), queueing their jobs in the same transaction.
   * `recheck` is for reconciliation and a new policy (see ChangeOptions).
   */
  private async change(room: string, how: ChangeOptions, apply: (tx: SqlRunner, before: RoomActivity) => Promise<boolean>): Promise<Applied> {
    const { eventId, platform, graceMs = this.autoStopGraceMs, recheck = false } = how;
    return this.sql.transaction(async (tx) => {
      if (eventId !== null && (await tx.query(ROOM_SQL.markEvent, [eventId])).length === 0) return { result: 'duplicate', queued: false };
      await tx.query(ROOM_SQL.ensureRoom, [room]);
      if (platform) await tx.query(ROOM_SQL.notePlatform, [room, platform]);
      const [before] = await tx.query<RoomActivity>(ROOM_SQL.lockRoom, [room]);
      if (!(await apply(tx, before!))) return { result: 'stale', queued: false };
      const [policy] = await tx.query<PolicyRow>(ROOM_SQL.policy, [room]);
      const [count] = await tx.query<{ n: number }>(ROOM_SQL.countPresent, [room]);
      const [after] = await tx.query<RoomActivity>(ROOM_SQL.lockRoom, [room]);
      const participants = count?.n ?? 0;
      // `before` holds the count and vacancy the change began with; `after` what `apply` reset (auto_done).
      const trigger = actingTrigger(policy ? toPolicy(policy) : null);
      const next = settle({ ...before!, autoDone: after!.autoDone }, participants, trigger, graceMs);
      if (!next.start && recheck && !next.autoDone && conditionHolds(trigger, participants)) {
        const [pending] = await tx.query<{ queued: boolean }>(ROOM_SQL.startQueued, [`${AUTO_START_KIND}:${room}:`, AUTO_START_KIND]);
        if (!pending?.queued) {
          next.autoEpoch += 1;
          next.start = true;
        }
      }
      const [row] = await tx.query<{ emptySince: Date | null }>(ROOM_SQL.settle, [
        room,
        participants,
        next.emptySince,
        next.vacancies,
        next.autoEpoch,
        next.autoDone,
      ]);
      let queued = false;
      if (next.start) {
        queued = await enqueue<AutoStartPayload>(tx, { kind: AUTO_START_KIND, key: `${AUTO_START_KIND}:${room}:${next.autoEpoch}`, payload: { room } });
      }
      if (next.stop && row?.emptySince) {
        // Due when the grace is over, in the database's clock (the job compares with it again).
        const stopQueued = await enqueue<AutoStopPayload>(tx, {
          kind: AUTO_STOP_KIND,
          key: `${AUTO_STOP_KIND}:${room}:${next.vacancies}`,
          payload: { room, vacancy: next.vacancies },
          runAt: new Date(row.emptySince.getTime() + graceMs),
        });
        queued = queued || stopQueued;
      }
      return { result: 'applied', queued };
    });
  }
}
