import type { Sql, SqlRunner } from '../../db/sql';
import { reasonOf, type RecordingReason } from '../reason';
import type { Recording } from '../recording';
import { PART_SQL } from './part-statements';
import type { RecordingStore } from './recording-store';
import { SQL } from './statements';

/** The words failMissing adds to a recording's reason detail. */
const MISSING_PARTS = /^\d+ of \d+ parts never arrived; joined from the others(?:; |$)/;

export type PartStatus = 'recording' | 'pending' | 'stored' | 'failed' | 'removed';

/** One stretch's file of one of the recording's files (its composite or a track), keys relative to the output folder. */
export interface RecordingPart {
  seq: number;
  /** The file it becomes part of: the composite's or the track's key. */
  fileKey: string;
  /** Where its worker uploads it (a first stretch: the file's own key). */
  writtenKey: string;
  /** Where it waits for the join: `{id}/parts/...`. */
  partKey: string;
  trackId: string | null;
  workerId: string | null;
  status: PartStatus;
  size: number | null;
  /** How long since it last changed (its stretch stopped, for a pending part). */
  idleMs: number;
}

/** A stretch's track egress, started by a resume. */
export interface ResumedTrack {
  trackId: string;
  fileKey: string;
  partKey: string;
  egressId: string;
}

/**
 * Pause and resume in the recording store: the segments and parts tables, and the status
 * changes that go with them, each in one transaction with the guarded transition.
 */
export class RecordingPartStore {
  constructor(
    private readonly sql: Sql,
    private readonly store: RecordingStore,
  ) {}

  /** active -> paused; the stretch ends and its parts wait for their files. Null when it was not active. */
  paused(id: string, compositePartKey: string): Promise<Recording | null> {
    return this.sql.transaction(async (tx) => {
      const changed = await this.store.transition(id, ['active'], 'paused', {}, tx);
      if (!changed) return null;
      await tx.query(PART_SQL.firstSegment, [id]);
      await tx.query(PART_SQL.endSegment, [id]);
      await tx.query(PART_SQL.partsStopped, [id]);
      await tx.query(PART_SQL.firstParts, [id, compositePartKey]);
      return this.reread(id, tx, changed);
    });
  }

  /** Undoes a pause whose recorder could not be stopped: still recording, as before (its segments and parts too). */
  pauseUndone(id: string): Promise<Recording | null> {
    return this.sql.transaction(async (tx) => {
      const changed = await this.store.transition(id, ['paused'], 'active', {}, tx);
      if (!changed) return null;
      await tx.query(PART_SQL.undoFirstPause, [id]);
      await tx.query(PART_SQL.reopenStretch, [id]);
      return this.reread(id, tx, changed);
    });
  }

  /** The number the next stretch gets. */
  async nextSeq(id: string): Promise<number> {
    return (await this.sql.query<{ seq: number }>(PART_SQL.nextSeq, [id]))[0]!.seq;
  }

  /** paused -> active with the new stretch's recorders; null when it was no longer paused. */
  resumed(id: string, seq: number, composite: { fileKey: string; partKey: string; workerId: string }, tracks: ResumedTrack[]): Promise<Recording | null> {
    return this.sql.transaction(async (tx) => {
      const changed = await this.store.transition(id, ['paused'], 'active', { workerId: composite.workerId }, tx);
      if (!changed) return null;
      await tx.query(PART_SQL.openSegment, [id, seq]);
      await tx.query(PART_SQL.addPart, [id, seq, composite.fileKey, composite.partKey, null, composite.workerId]);
      for (const t of tracks) await tx.query(PART_SQL.addPart, [id, seq, t.fileKey, t.partKey, t.trackId, t.egressId]);
      return this.reread(id, tx, changed);
    });
  }

  partsOf(id: string): Promise<RecordingPart[]> {
    return this.sql.query<RecordingPart>(PART_SQL.partsOf, [id]);
  }

  async hasParts(id: string): Promise<boolean> {
    return (await this.sql.query<{ has: boolean }>(PART_SQL.hasParts, [id]))[0]!.has;
  }

  /** The part an object at `relativeKey` is, or null. */
  async partAt(id: string, relativeKey: string): Promise<RecordingPart | null> {
    return (await this.sql.query<RecordingPart>(PART_SQL.partAt, [id, relativeKey]))[0] ?? null;
  }

  /** Stored (its object is at its part key) or failed (it never came); false when it was settled already. */
  async settle(id: string, partKey: string, status: 'stored' | 'failed', size: number | null = null): Promise<boolean> {
    return (await this.sql.query(PART_SQL.settlePart, [id, partKey, status, size])).length > 0;
  }

  /** The file's stored parts were joined and deleted from storage. */
  async removed(id: string, fileKey: string): Promise<void> {
    await this.sql.query(PART_SQL.partsRemoved, [id, fileKey]);
  }

  /** True when the recording's join job was waiting and now runs at once. */
  async nudgeJoin(id: string): Promise<boolean> {
    return (await this.sql.query(PART_SQL.nudgeJoin, [id])).length > 0;
  }

  /**
   * A part that never arrived is failed, and in the same transaction the recording's reason says
   * how many of its parts are missing: added to the reason a stop no user asked for already gave
   * (`limit_reached`, `room_empty`...), else as `worker_error` (the recorder never delivered them).
   * False when the part was settled already.
   */
  failMissing(id: string, partKey: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<{ reason: RecordingReason | null }>(PART_SQL.lockReason, [id]);
      if (!row || (await tx.query(PART_SQL.settlePart, [id, partKey, 'failed', null])).length === 0) return false;
      const [n] = await tx.query<{ failed: number; total: number }>(PART_SQL.partCounts, [id]);
      const missing = `${n!.failed} of ${n!.total} parts never arrived; joined from the others`;
      // First, so the detail's length limit never cuts it; an earlier failed part's count is replaced.
      const before = row.reason?.detail?.replace(MISSING_PARTS, '') || null;
      const reason = reasonOf(row.reason?.code ?? 'worker_error', before ? `${missing}; ${before}` : missing);
      await tx.query(PART_SQL.setReason, [id, JSON.stringify(reason)]);
      return true;
    });
  }

  private async reread(id: string, tx: SqlRunner, fallback: Recording): Promise<Recording> {
    // The transition's row was read before the segments changed.
    const [row] = await tx.query<Recording>(SQL.byId, [id]);
    return row ?? fallback;
  }
}
