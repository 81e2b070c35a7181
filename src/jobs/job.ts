import type { SqlRunner } from '../db/sql';
import type { RetryPolicy } from './retry';

/** One claimed row of the `jobs` table. */
export interface Job<P = Record<string, unknown>> {
  id: string;
  kind: string;
  key: string | null;
  recordingId: string | null;
  payload: P;
  /** This attempt's number, from 1. */
  attempts: number;
  createdAt: Date;
}

/**
 * What a handler says about one attempt. Throwing is the same as `retry` with the error's
 * message; `failed` gives up at once (e.g. a receiver that answered 410 Gone).
 */
export type JobOutcome =
  | { status: 'done' }
  | { status: 'cancelled'; reason: string }
  | { status: 'retry'; error: string }
  | { status: 'failed'; error: string };

export interface JobHandler<P = Record<string, unknown>> {
  readonly kind: string;
  /** How long a claim lasts: an instance that dies mid-job frees it for another after this. */
  readonly leaseMs: number;
  readonly retry: RetryPolicy;
  /** At most this many jobs of the kind run at once on one instance (unset: up to JOBS_CONCURRENCY). */
  readonly maxInFlight?: number;
  run(job: Job<P>): Promise<JobOutcome>;
  /** Runs in the transaction that marks the job done, for state that must change with it. */
  onDone?(job: Job<P>, tx: SqlRunner): Promise<void>;
}

/**
 * Work that runs every `intervalMs` on exactly one instance at a time (one row that cycles).
 * A pass holds its claim as long as it runs (renewed every third of `leaseMs`, for at most
 * RECURRING_HOLD_LIMIT_MS), so `leaseMs` is only how long an instance that died mid-pass
 * keeps the task from the others.
 */
export interface RecurringTask {
  readonly kind: string;
  readonly intervalMs: number;
  readonly leaseMs: number;
  run(): Promise<void>;
}

/**
 * What to queue: `key` makes it idempotent (a second job with the same key is not added). `P`
 * is the payload its kind's handler reads (each kind is defined beside its handler).
 */
export interface NewJob<P extends Record<string, unknown> = Record<string, unknown>> {
  kind: string;
  key?: string;
  recordingId?: string | null;
  payload?: P;
  /** Not before this; default now. */
  runAt?: Date;
}

export type JobResult = 'done' | 'retry' | 'failed' | 'cancelled';
