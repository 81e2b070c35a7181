import type { Sql, SqlRunner } from '../../db/sql';
import { START_WATCH_SQL } from './start-watch-statements';

/** One worker job started for a recording (attempt 0: the first start, then each replacement). */
export interface WorkerJobRecord {
  attempt: number;
  workerId: string;
  confirmedAt: Date | null;
  replacedAt: Date | null;
}

/**
 * The start watchdog's state: which worker jobs each recording had, which were seen recording
 * and which were given up and replaced. Every write is guarded, so the webhooks, the watchdog's
 * checks on several instances and a stop can race safely.
 */
export class StartWatchStore {
  constructor(private readonly sql: Sql) {}

  /** Where jobs outside a transaction are queued (src/jobs' enqueue). */
  get runner(): SqlRunner {
    return this.sql;
  }

  /** Inside the transaction that stores the job's worker id on the recording. */
  async recordJob(tx: SqlRunner, recordingId: string, attempt: number, workerId: string): Promise<void> {
    await tx.query(START_WATCH_SQL.recordJob, [recordingId, attempt, workerId]);
  }

  async latestJob(recordingId: string): Promise<WorkerJobRecord | null> {
    return (await this.sql.query<WorkerJobRecord>(START_WATCH_SQL.latestJob, [recordingId]))[0] ?? null;
  }

  /** True the first time the job is seen recording. */
  async confirm(recordingId: string, workerId: string): Promise<boolean> {
    return (await this.sql.query(START_WATCH_SQL.confirm, [recordingId, workerId])).length > 0;
  }

  /** True for the one caller that may replace the job (see START_WATCH_SQL.claimReplacement). */
  async claimReplacement(recordingId: string, workerId: string, attempt: number): Promise<boolean> {
    return (await this.sql.query(START_WATCH_SQL.claimReplacement, [recordingId, workerId, attempt])).length > 0;
  }

  /** Locks the recording when it is still live with `workerId`; null when it is not (stopped, deleted, moved on). */
  async lockLiveWith(tx: SqlRunner, recordingId: string, workerId: string): Promise<string | null> {
    return (await tx.query<{ status: string }>(START_WATCH_SQL.lockLiveWith, [recordingId, workerId]))[0]?.status ?? null;
  }

  async isReplaced(recordingId: string, workerId: string): Promise<boolean> {
    return (await this.sql.query(START_WATCH_SQL.isReplaced, [recordingId, workerId])).length > 0;
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }
}
