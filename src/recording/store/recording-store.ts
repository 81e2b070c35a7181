import { randomUUID } from 'node:crypto';
import type { WorkerKind } from '../../config/config';
import { isUniqueViolation, type Sql, type SqlRunner } from '../../db/sql';
import type { RecordingSnapshot } from '../../events/delivery';
import type { EventRoutes } from '../../events/routes';
import { conflict } from '../errors';
import type { Recording, RecordingAccess } from '../recording';
import { reconcileDelayMs, type ReconcileSettings } from '../reconciler/schedule';
import { NEVER_READY_STATUSES, SAVABLE_STATUSES, type AccessRole, type RecordingStatus } from '../status';
import { compositeFile } from '../object-key';
import { AccessChanges } from './access-changes';
import { EXPIRY_SQL } from './expiry-statements';
import { FILE_SQL } from './file-statements';
import type { NewRecording, SaveOutcome, TransitionPatch } from './recording-changes';
import { SQL } from './statements';
import { START_WATCH_SQL } from './start-watch-statements';

export interface RecordingStoreOptions {
  sql: Sql;
  /** When the reconciler next looks at a recording after each status change. */
  reconcile: ReconcileSettings;
  /** The storage is configured: saves and permanence changes queue retention-tag jobs (default false). */
  tagsObjects?: boolean;
  /** Who receives which event (unset: no events are queued). */
  events?: EventRoutes;
}

export type ReconcileCandidate = Recording & { reconcileAttempts: number };

/**
 * The one home of recording state: every write of the recordings tables and the reads its
 * lifecycle and the workers' side need, each a named operation over one prepared statement (or
 * a short transaction). Status changes are guarded updates — they only happen from the expected
 * statuses — and whatever a change queues (emails) is written by the same statement. The read
 * models of other consumers live beside them (media-auth's, the emails', the list's).
 */
export class RecordingStore {
  /** Told after each committed change to who may have a recording's files (media-auth's cache listens). */
  readonly accessChanges = new AccessChanges();

  private readonly sql: Sql;
  private readonly reconcile: ReconcileSettings;
  private readonly tagsObjects: boolean;
  /** The EventRoutes parameter of the statements that queue events. */
  private readonly routes: string;

  constructor(options: RecordingStoreOptions) {
    this.sql = options.sql;
    this.reconcile = options.reconcile;
    this.tagsObjects = options.tagsObjects ?? false;
    this.routes = options.events?.param ?? '{}';
  }

  /**
   * Inserts an `initiated` recording and its owner's access; a live recording in the room is a
   * conflict. Its commit does not wait for the disk (one flush less per start): nobody is told
   * of this row before the start's next status change, whose commit does wait and flushes this
   * one's WAL with it. Other instances see the row at once, as with any commit; only a crash of
   * PostgreSQL itself in that interval could lose it, leaving what a crash of this process there
   * leaves too: a recorder no row stands for.
   */
  async createInitiated(input: NewRecording): Promise<Recording> {
    const { owner } = input;
    const id = randomUUID();
    const composite = compositeFile(id, input.workerKind);
    try {
      const [row] = await this.sql.query<Recording>(SQL.insertInitiated, [
        id,
        input.room,
        input.mode,
        input.workerKind,
        input.options,
        input.isPermanent,
        input.startLeaseMs,
        owner.sub,
        owner.email,
        owner.name,
        owner.locale,
        owner.zoneinfo,
        input.automatic === true,
        composite.relativeKey,
        composite.contentType,
      ]);
      return row!;
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
    runner: SqlRunner = this.sql,
  ): Promise<Recording | null> {
    if (NEVER_READY_STATUSES.includes(to)) {
      // Its composite will never land: failed first, so the change's event and answer show it.
      const failComposite = async (tx: SqlRunner) => {
        await tx.query(FILE_SQL.failCompositeOnTransition, [id, from]);
        return this.changeStatus(id, from, to, patch, tx);
      };
      return runner === this.sql ? this.sql.transaction(failComposite) : failComposite(runner);
    }
    return this.changeStatus(id, from, to, patch, runner);
  }

  private async changeStatus(id: string, from: readonly RecordingStatus[], to: RecordingStatus, patch: TransitionPatch, runner: SqlRunner): Promise<Recording | null> {
    const { watch } = patch;
    const [row] = await runner.query<Recording & { priorStatus: string; jobsDue: number }>(watch ? START_WATCH_SQL.recordStart : SQL.transition, [
      ...[id, from, to, patch.workerId !== undefined, patch.workerId ?? null, patch.workerError !== undefined, patch.workerError ?? null],
      ...[reconcileDelayMs(to, this.reconcile), this.routes, patch.reason !== undefined, patch.reason ? JSON.stringify(patch.reason) : null],
      this.reconcile.stoppedGraceMs,
      ...(watch ? [watch.checkKey, watch.checkAt, watch.maxDurationKey, watch.maxDurationMs] : []),
    ]);
    if (!row) return null;
    const { priorStatus: _prior, jobsDue: _events, ...recording } = row;
    return recording;
  }

  async findById(id: string): Promise<Recording | null> {
    return (await this.sql.query<Recording>(SQL.byId, [id]))[0] ?? null;
  }

  async findByWorkerId(workerId: string): Promise<Recording | null> {
    return (await this.sql.query<Recording>(SQL.byWorkerId, [workerId]))[0] ?? null;
  }

  /** The room's live recording and `userSub`'s role on it (null without an access row), in one round trip. */
  async findLiveInRoomFor(room: string, userSub: string): Promise<{ recording: Recording; role: AccessRole | null } | null> {
    const [row] = await this.sql.query<Recording & { callerRole: AccessRole | null }>(SQL.liveInRoomWithRole, [room, userSub]);
    if (!row) return null;
    const { callerRole, ...recording } = row;
    return { recording, role: callerRole };
  }

  /** The room's live recording (at most one, by the partial unique index). */
  async findLiveInRoom(room: string): Promise<Recording | null> {
    return (await this.sql.query<Recording>(SQL.liveInRoom, [room]))[0] ?? null;
  }

  findActiveInRoom(room: string): Promise<Recording[]> {
    return this.sql.query<Recording>(SQL.activeInRoom, [room]);
  }

  findActiveOfKind(kind: WorkerKind): Promise<Recording[]> {
    return this.sql.query<Recording>(SQL.activeOfKind, [kind]);
  }

  /** How many recordings are in each status (for /metrics). */
  countByStatus(): Promise<{ status: RecordingStatus; n: number }[]> {
    return this.sql.query<{ status: RecordingStatus; n: number }>(SQL.countByStatus);
  }

  /** The caller's access to a recording (owner/administrator), or null. */
  async findAccess(recordingId: string, userSub: string): Promise<RecordingAccess | null> {
    return (await this.sql.query<RecordingAccess>(SQL.access, [recordingId, userSub]))[0] ?? null;
  }

  /**
   * Removes the recording and its accesses; its queued emails are cancelled and recording.deleted
   * is queued in the same transaction.
   */
  async delete(id: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query(SQL.cancelJobsOf, [id]);
      await tx.query(SQL.delete, [id, this.routes]);
    });
    this.accessChanges.notify(id);
  }

  /** The recording as a snapshot for an event, with its owners' subs; null once deleted. */
  async readyRecording(id: string): Promise<{ recording: RecordingSnapshot; owners: { sub: string }[] } | null> {
    return (await this.sql.query<{ recording: RecordingSnapshot; owners: { sub: string }[] }>(SQL.readySnapshot, [id]))[0] ?? null;
  }

  /**
   * Marks a recording saved (its composite landed, `size` bytes when known) and, when no track
   * file is pending, ready: one email per owner with an address queued atomically (the outbox).
   * `kinds` restricts it to recordings of those worker kinds (the file's extension must fit).
   * `unlessJoined`: a recording that has parts is not saved by this file but by its join.
   */
  async markSaved(recordingId: string, kinds?: readonly WorkerKind[], size: number | null = null, opts: { unlessJoined?: boolean } = {}): Promise<SaveOutcome> {
    type Row = { saved: number; ready: number; queued: number; others: number; prior: string | null; kind: string | null; hasParts: boolean; untrusted: 'no_upload_url' | 'upload_refused' | null };
    const [row] = await this.sql.query<Row>(SQL.markSaved, [
      recordingId,
      SAVABLE_STATUSES,
      kinds ?? null,
      this.reconcile.stoppedGraceMs,
      size,
      this.tagsObjects,
      this.routes,
      opts.unlessJoined === true,
    ]);
    if (!row || row.saved === 0) {
      if (!row || row.prior === null || (kinds && !kinds.includes(row.kind as WorkerKind))) return { result: 'not_found' };
      if (opts.unlessJoined && row.hasParts) return { result: 'joined_later' };
      if (row.prior === 'saved' || row.prior === 'notification_succeeded') return { result: 'already_saved' };
      if (row.untrusted && SAVABLE_STATUSES.includes(row.prior as RecordingStatus)) return { result: 'untrusted_upload', why: row.untrusted };
      return { result: 'not_savable', status: row.prior };
    }
    // Refused a moment ago as not saved: this instance serves it from now on.
    this.accessChanges.notify(recordingId);
    const ready = row.ready > 0;
    if (ready && row.queued === 0) await this.completeWithoutEmails(recordingId);
    return { result: 'saved', ready, queued: row.queued, jobsQueued: row.queued + row.others };
  }

  /** Ready with nobody to notify: a saved recording has nothing left to wait for. */
  async completeWithoutEmails(recordingId: string): Promise<void> {
    await this.sql.query(SQL.notifiedWithoutEmails, [recordingId]);
  }

  /**
   * Makes the recording permanent or not, under its row lock. `beforeChange` runs first, with
   * the lock held (making it permanent removes the retention tag there): when it throws, nothing
   * changes. A recording made non-permanent gets a retention-tag job in the same statement; one
   * made permanent has its pending expiry reminders cancelled in the same transaction.
   * Null when there is no such recording; unchanged (and `beforeChange` not called) when it
   * already is as asked.
   */
  async setPermanent(
    id: string,
    isPermanent: boolean,
    beforeChange: (current: Recording) => Promise<void>,
  ): Promise<{ recording: Recording; tagJobs: number } | null> {
    const changed = await this.sql.transaction(async (tx) => {
      const [current] = await tx.query<Recording>(SQL.lockedById, [id]);
      if (!current) return null;
      if (current.isPermanent === isPermanent) return { recording: current, tagJobs: 0 };
      await beforeChange(current);
      const [row] = await tx.query<Recording & { tagJobs: number }>(SQL.setPermanent, [id, isPermanent, this.tagsObjects]);
      // A permanent recording gets no reminder before expiry; the sweep queues it again if it is made non-permanent.
      await tx.query(EXPIRY_SQL.remindersOnPermanence, [id, isPermanent]);
      const { tagJobs, ...recording } = row!;
      return { recording, tagJobs };
    });
    // Whether it is past its expiry may have changed, either way.
    if (changed) this.accessChanges.notify(id);
    return changed;
  }

  /**
   * Runs `work` on the recording as it is now, under its row lock, so that no permanence change
   * interleaves with it (the retention-tag job sets or removes the tag there). False when the
   * recording is gone.
   */
  async withLockedRecording(id: string, work: (current: Recording) => Promise<void>): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const [current] = await tx.query<Recording>(SQL.lockedById, [id]);
      if (!current) return false;
      await work(current);
      return true;
    });
  }

  /** After an email was sent (in the transaction that marks its job done): the last one completes the recording. */
  async markNotifiedIfComplete(recordingId: string, tx: SqlRunner): Promise<void> {
    await tx.query(SQL.lockRecording, [recordingId]);
    await tx.query(SQL.notifiedIfComplete, [recordingId]);
  }

  /** Up to `limit` recordings due for reconciliation, leased to this pass for `leaseMs`. */
  claimForReconcile(limit: number, leaseMs: number): Promise<ReconcileCandidate[]> {
    return this.sql.query<ReconcileCandidate>(SQL.claimForReconcile, [limit, leaseMs]);
  }

  /** The reconciler settles a failed_to_stop recording for good: no more looks, and its pending composite is failed. */
  async giveUpFailedToStop(id: string, attempts: number): Promise<void> {
    await this.sql.query(FILE_SQL.giveUpFailedToStop, [id, attempts]);
  }

  /**
   * Look again in `delayMs` (null: never) at a recording still in `status`; `attempts` counts
   * the looks that could not settle it (the backoff). A recording whose status changed meanwhile
   * keeps the schedule its new status gave it.
   */
  async deferReconcile(id: string, status: RecordingStatus, delayMs: number | null, attempts: number): Promise<void> {
    await this.sql.query(SQL.deferReconcile, [id, delayMs, status, attempts]);
  }
}
