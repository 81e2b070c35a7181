import type { EventRoutes } from '../../events/routes';
import type { Sql } from '../../db/sql';
import type { Recording } from '../recording';
import { DOWNLOADABLE_STATUSES, FINAL_STATUSES, type RecordingStatus } from '../status';
import { ARTIFACT_SQL } from './artifact-statements';
import { EXPIRY_SQL } from './expiry-statements';

/** Why a removal job left the files alone. */
export type KeptReason = 'permanent' | 'not_expired' | 'not_final';

export type RemovalOutcome =
  | { result: 'gone' }
  /** Another run already removed everything. */
  | { result: 'already_removed' }
  | { result: 'kept'; reason: KeptReason }
  /** Some files could not be removed; those that were are marked and will not be deleted again. */
  | { result: 'incomplete'; removed: number; failed: { relativeKey: string; error: unknown }[] }
  /** Every file is gone and the recording is marked (`filesRemovedAt`). */
  | { result: 'expired'; removed: number; recording: Recording };

/** What the reminder email needs, read when it is sent. */
export interface ReminderContext {
  email: string | null;
  name: string | null;
  locale: string | null;
  zoneinfo: string | null;
  room: string;
  status: RecordingStatus;
  createdAt: Date;
  isPermanent: boolean;
  filesRemovedAt: Date | null;
}

/**
 * Recording state of expiry enforced: which recordings the sweep queues work for, the removal
 * of one recording's files under its row lock, and the reminders' context. RecordingStore
 * keeps the rest of the recording's state (its permanence change cancels pending reminders
 * with EXPIRY_SQL.cancelReminders).
 */
export class ExpiryStore {
  private readonly sql: Sql;
  /** Who receives recording.expired (unset: nobody). */
  private readonly options: { events?: EventRoutes };

  constructor({ sql, ...options }: { sql: Sql; events?: EventRoutes }) {
    this.sql = sql;
    this.options = options;
  }

  /** Queues removal jobs for expired recordings; at most `batch` pending at once. How many were queued. */
  async queueExpiredFiles(expirationDays: number, batch: number): Promise<number> {
    return (await this.sql.query(EXPIRY_SQL.queueExpiredFiles, [expirationDays, FINAL_STATUSES, batch])).length;
  }

  /** Queues the reminders whose moment has come, for at most `batch` recordings. How many reminders were queued. */
  async queueReminders(expirationDays: number, reminderDays: number, batch: number): Promise<number> {
    const [row] = await this.sql.query<{ queued: number }>(EXPIRY_SQL.queueReminders, [expirationDays, reminderDays, DOWNLOADABLE_STATUSES, batch]);
    return row?.queued ?? 0;
  }

  /**
   * Removes an expired recording's files, under its row lock: `remove` is called once per file
   * still stored, and each file it removed is marked at once, so a retry (or another instance)
   * never deletes it again. A file `remove` throws for stays unmarked and the recording is not
   * marked; the others go on. Only when none is left is the recording marked expired, in one
   * guarded statement. A recording that is permanent, no longer expired (the setting changed)
   * or not final is left alone.
   */
  async removeExpiredFiles(id: string, expirationDays: number, remove: (relativeKey: string) => Promise<void>): Promise<RemovalOutcome> {
    return this.sql.transaction(async (tx): Promise<RemovalOutcome> => {
      const [row] = await tx.query<{ status: RecordingStatus; isPermanent: boolean; filesRemovedAt: Date | null; expired: boolean }>(EXPIRY_SQL.lockForExpiry, [
        id,
        expirationDays,
      ]);
      if (!row) return { result: 'gone' };
      if (row.filesRemovedAt) return { result: 'already_removed' };
      if (row.isPermanent) return { result: 'kept', reason: 'permanent' };
      if (!row.expired) return { result: 'kept', reason: 'not_expired' };
      if (!FINAL_STATUSES.includes(row.status)) return { result: 'kept', reason: 'not_final' };

      const files = await tx.query<{ id: string; relativeKey: string }>(EXPIRY_SQL.filesToRemove, [id]);
      const failed: { relativeKey: string; error: unknown }[] = [];
      let removed = 0;
      for (const file of files) {
        try {
          await remove(file.relativeKey);
        } catch (error) {
          failed.push({ relativeKey: file.relativeKey, error });
          continue;
        }
        await tx.query(EXPIRY_SQL.fileRemoved, [file.id]);
        removed += 1;
      }
      // Its artifacts go too: each row deleted once its object is.
      for (const { name } of await tx.query<{ name: string }>(ARTIFACT_SQL.ofRecording, [id])) {
        const relativeKey = `${id}/artifacts/${name}`;
        try {
          await remove(relativeKey);
        } catch (error) {
          failed.push({ relativeKey, error });
          continue;
        }
        await tx.query(ARTIFACT_SQL.remove, [id, name]);
        removed += 1;
      }
      if (failed.length > 0) return { result: 'incomplete', removed, failed };
      const [marked] = await tx.query<Recording & { jobsDue: number }>(EXPIRY_SQL.filesRemoved, [id, expirationDays, FINAL_STATUSES, this.options.events?.param ?? '{}']);
      // Under the lock every guard was checked above: a miss would be a bug, and then the files stay marked and a retry looks again.
      if (!marked) throw new Error('the recording could not be marked expired');
      const { jobsDue: _events, ...recording } = marked;
      return { result: 'expired', removed, recording };
    });
  }

  /** The owner and recording a reminder writes about; null once either is gone. */
  async reminderContext(recordingId: string, accessId: string): Promise<ReminderContext | null> {
    return (await this.sql.query<ReminderContext>(EXPIRY_SQL.reminderContext, [accessId, recordingId]))[0] ?? null;
  }
}
