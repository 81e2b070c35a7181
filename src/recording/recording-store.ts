import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In, LessThanOrEqual } from 'typeorm';
import type { WorkerKind } from '../config/config';
import type { AuthUser } from '../auth/user';
import { RecordingAccess } from '../db/entities/recording-access.entity';
import { Recording, type RecordingOptions } from '../db/entities/recording.entity';
import type { AccessRole, RecordingStatus } from './status';
import { conflict } from './errors';

const UNIQUE_VIOLATION = '23505';

export interface NewRecording {
  room: string;
  mode: string;
  workerKind: WorkerKind;
  options: RecordingOptions;
  isPermanent: boolean;
  owner: AuthUser;
}

export interface TransitionPatch {
  workerId?: string | null;
  workerError?: string | null;
}

/** Database access for recordings. Status changes are guarded updates: they only happen from the expected statuses. */
export class RecordingStore {
  constructor(private readonly dataSource: DataSource) {}

  private get recordings() {
    return this.dataSource.getRepository(Recording);
  }

  /** Inserts an `initiated` recording and its owner access; a live recording in the room is a conflict. */
  async createInitiated(input: NewRecording): Promise<Recording> {
    const id = randomUUID();
    try {
      return await this.dataSource.transaction(async (m) => {
        const recording = m.create(Recording, {
          id,
          room: input.room,
          mode: input.mode,
          status: 'initiated',
          workerKind: input.workerKind,
          workerId: null,
          workerError: null,
          options: input.options,
          isPermanent: input.isPermanent,
        });
        await m.insert(Recording, recording);
        await m.insert(RecordingAccess, { ...accessFor(id, input.owner, 'owner') });
        return (await m.findOneByOrFail(Recording, { id }));
      });
    } catch (err) {
      if (isUniqueViolation(err, 'recordings_one_live_per_room')) {
        throw conflict('A recording is already initiated or active in this room.');
      }
      throw err;
    }
  }

  /** Moves the recording to `to` only if its status is one of `from`; null when it was not. */
  async transition(
    id: string,
    from: readonly RecordingStatus[],
    to: RecordingStatus,
    patch: TransitionPatch = {},
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Recording | null> {
    const set: Record<string, unknown> = { status: to, updatedAt: () => 'now()' };
    if (patch.workerId !== undefined) set.workerId = patch.workerId;
    if (patch.workerError !== undefined) set.workerError = patch.workerError;
    const result = await manager
      .createQueryBuilder()
      .update(Recording)
      .set(set)
      .where('id = :id AND status IN (:...from)', { id, from })
      .execute();
    if (!result.affected) return null;
    return manager.findOneBy(Recording, { id });
  }

  findById(id: string): Promise<Recording | null> {
    return this.recordings.findOneBy({ id });
  }

  findByWorkerId(workerId: string): Promise<Recording | null> {
    return this.recordings.findOneBy({ workerId });
  }

  /** The room's live recording (at most one, by the partial unique index). */
  findLiveInRoom(room: string): Promise<Recording | null> {
    return this.recordings.findOneBy({ room, status: In(['initiated', 'active']) });
  }

  findByStatus(statuses: readonly RecordingStatus[], where: { room?: string } = {}): Promise<Recording[]> {
    return this.recordings.find({ where: { status: In([...statuses]), ...where } });
  }

  /** Recordings in these statuses not updated since `before`, oldest first. */
  findStale(statuses: readonly RecordingStatus[], before: Date, limit: number): Promise<Recording[]> {
    return this.recordings.find({
      where: { status: In([...statuses]), updatedAt: LessThanOrEqual(before) },
      order: { updatedAt: 'ASC' },
      take: limit,
    });
  }

  /** The caller's access to a recording (owner/administrator), or null. */
  findAccess(recordingId: string, userSub: string): Promise<RecordingAccess | null> {
    return this.dataSource.getRepository(RecordingAccess).findOneBy({ recordingId, userSub });
  }

  /** The user's recordings, newest first, with their role on each. */
  async listForUser(
    userSub: string,
    limit: number,
    offset: number,
  ): Promise<{ count: number; rows: { recording: Recording; role: AccessRole }[] }> {
    const qb = this.recordings
      .createQueryBuilder('r')
      .innerJoin(RecordingAccess, 'a', 'a.recording_id = r.id AND a.user_sub = :sub', { sub: userSub })
      .addSelect('a.role', 'access_role');
    const count = await qb.getCount();
    const { entities, raw } = await qb
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(limit)
      .offset(offset)
      .getRawAndEntities();
    return {
      count,
      rows: entities.map((recording, i) => ({ recording, role: (raw[i] as { access_role: AccessRole }).access_role })),
    };
  }

  /** How the recording's notification emails stand. */
  async notificationSummary(recordingId: string): Promise<{ pending: number; sent: number; failed: number }> {
    const rows: { status: 'pending' | 'sent' | 'failed'; n: number }[] = await this.dataSource.query(
      'SELECT status, count(*)::int AS n FROM notifications WHERE recording_id = $1 GROUP BY status',
      [recordingId],
    );
    const summary = { pending: 0, sent: 0, failed: 0 };
    for (const row of rows) summary[row.status] = row.n;
    return summary;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.recordings.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}

export function accessFor(recordingId: string, user: AuthUser, role: AccessRole): RecordingAccess {
  return Object.assign(new RecordingAccess(), {
    id: randomUUID(),
    recordingId,
    userSub: user.sub,
    role,
    email: user.email,
    name: user.name,
    locale: user.locale,
    zoneinfo: user.zoneinfo,
  });
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === UNIQUE_VIOLATION && (constraint === undefined || name === constraint);
}
