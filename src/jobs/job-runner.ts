import type { Sql, SqlRunner } from '../db/sql';
import { childLogger } from '../logging/logger';
import type { Job, JobHandler, JobOutcome, JobResult, NewJob, RecurringTask } from './job';
import { retryDelayMs, scrubError } from './retry';
import { JOB_SQL } from './statements';

const log = childLogger('jobs');

export interface JobRunnerOptions {
  /**
   * How often the table is polled for due jobs: how soon jobs another instance queued are found.
   * Jobs queued through this instance's Sql wake the runner at once (Sql.onJobsQueued).
   */
  pollIntervalMs: number;
  /** Jobs run at the same time by this instance. */
  concurrency: number;
  /** Called once per finished attempt, for metrics. */
  onResult?(kind: string, result: JobResult): void;
  /** How long a recurring pass may keep renewing its claim (default RECURRING_HOLD_LIMIT_MS). */
  recurringHoldLimitMs?: number;
}

/** Queues a job, inside the caller's transaction when given one; false when its key was already queued. */
export async function enqueue<P extends Record<string, unknown>>(runner: SqlRunner, job: NewJob<P>): Promise<boolean> {
  const rows = await runner.query(JOB_SQL.enqueue, [job.kind, job.key ?? null, job.recordingId ?? null, job.payload ?? {}, job.runAt ?? null]);
  return rows.length > 0;
}

const recurringKey = (kind: string) => `every:${kind}`;

/**
 * How long a recurring pass may keep renewing its claim. Every call a pass makes has a timeout,
 * so passes end; one that still runs after this (a reconcile pass whose every worker call times
 * out, or a bug that never settles) lets its lease lapse, so that another instance runs the task
 * rather than none. This instance never runs a second pass of it beside the first.
 */
export const RECURRING_HOLD_LIMIT_MS = 60 * 60_000;

/**
 * The one runner for all background work, on the `jobs` table: due rows are claimed with
 * FOR UPDATE SKIP LOCKED and a lease, so several instances on one database share the work and
 * an instance that dies only delays its jobs by their lease. Each kind has a handler and a
 * retry policy; failures are retried with backoff, then kept as `failed` with their last error.
 * Recurring tasks are one row each that cycles, so exactly one instance runs each pass; a pass
 * renews its claim while it runs. The runner wakes itself: its Sql tells it when a statement
 * that queues jobs took effect, so nothing that queues a job has to tell it.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly recurring = new Map<string, RecurringTask>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Jobs of each kind running now (for the handlers' maxInFlight). */
  private readonly runningByKind = new Map<string, number>();
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private again = false;
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly options: JobRunnerOptions,
  ) {}

  register<P>(handler: JobHandler<P>): void {
    this.handlers.set(handler.kind, handler as unknown as JobHandler);
  }

  every(task: RecurringTask): void {
    this.recurring.set(task.kind, task);
  }

  /** Makes every recurring task due now, then polls. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopListening = this.sql.onJobsQueued(() => this.kick());
    for (const task of this.recurring.values()) {
      await this.sql.query(JOB_SQL.ensureRecurring, [task.kind, recurringKey(task.kind)]);
    }
    this.kick();
  }

  /** Polls as soon as possible: at start, when jobs were queued here, when a full batch ended. */
  private kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      this.schedule();
    });
  }

  /** Stops claiming and waits for the jobs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopListening?.();
    this.stopListening = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pumping;
    await Promise.all([...this.inFlight]);
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), this.options.pollIntervalMs);
    this.timer.unref?.();
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      while (!this.stopped && this.inFlight.size < this.options.concurrency) {
        const { open, tight } = this.claimable(this.options.concurrency - this.inFlight.size);
        const batches = open.length > 0 ? [{ kinds: open, room: Infinity }, ...tight] : tight;
        let full = batches.length > 0;
        for (const batch of batches) {
          const limit = Math.min(batch.room, this.options.concurrency - this.inFlight.size);
          if (limit <= 0) break;
          let jobs: Job[];
          try {
            jobs = await this.claim(batch.kinds, limit);
          } catch (err) {
            log.error({ err: scrubError(err) }, 'could not claim jobs');
            return;
          }
          for (const job of jobs) this.launch(job, jobs.length === limit);
          if (jobs.length < limit) full = false;
        }
        if (!full) break;
      }
    } while (this.again && !this.stopped);
  }

  /**
   * The kinds to claim for `free` slots without any going past its handler's maxInFlight:
   * `open`, those with room for all of them (one claim), and `tight`, those with less room,
   * each claimed on its own for no more than its room.
   */
  private claimable(free: number): { open: string[]; tight: { kinds: string[]; room: number }[] } {
    const open: string[] = [];
    const tight: { kinds: string[]; room: number }[] = [];
    for (const [kind, handler] of this.handlers) {
      const max = handler.maxInFlight;
      const room = max === undefined ? free : max - (this.runningByKind.get(kind) ?? 0);
      if (room >= free) open.push(kind);
      else if (room > 0) tight.push({ kinds: [kind], room });
    }
    // A recurring task is one row, so a claim takes at most one pass of it; none while a pass
    // runs here, even when that pass's claim lapsed meanwhile (one pass at a time per instance).
    for (const kind of this.recurring.keys()) if (!this.runningByKind.get(kind)) open.push(kind);
    return { open, tight };
  }

  private claim(kinds: string[], limit: number): Promise<Job[]> {
    const leases: Record<string, number> = {};
    for (const kind of kinds) leases[kind] = this.handlers.get(kind)?.leaseMs ?? this.recurring.get(kind)!.leaseMs;
    return this.sql.query<Job>(JOB_SQL.claim, [kinds, limit, leases]);
  }

  /** Runs one job; when its batch was full, more may be due, so a finished job polls again. */
  private launch(job: Job, moreDue: boolean): void {
    this.runningByKind.set(job.kind, (this.runningByKind.get(job.kind) ?? 0) + 1);
    const running = this.execute(job)
      .catch((err: unknown) => log.error({ jobId: job.id, kind: job.kind, err: scrubError(err) }, 'job bookkeeping failed'))
      .finally(() => {
        this.inFlight.delete(running);
        this.runningByKind.set(job.kind, this.runningByKind.get(job.kind)! - 1);
        if (moreDue) this.kick();
      });
    this.inFlight.add(running);
  }

  private async execute(job: Job): Promise<void> {
    const task = this.recurring.get(job.kind);
    if (task) return this.executeRecurring(task, job);
    const handler = this.handlers.get(job.kind)!;
    let outcome: JobOutcome;
    try {
      outcome = await handler.run(job);
    } catch (err) {
      outcome = { status: 'retry', error: scrubError(err) };
    }
    await this.finish(handler, job, outcome);
  }

  private async finish(handler: JobHandler, job: Job, outcome: JobOutcome): Promise<void> {
    let result: JobResult;
    if (outcome.status === 'done') {
      // A claim that outlived its lease (another instance took the job since) changes nothing.
      if (handler.onDone) {
        const onDone = handler.onDone;
        await this.sql.transaction(async (tx) => {
          if ((await tx.query(JOB_SQL.done, [job.id, job.attempts])).length > 0) await onDone(job, tx);
        });
      } else {
        await this.sql.query(JOB_SQL.done, [job.id, job.attempts]);
      }
      result = 'done';
    } else if (outcome.status === 'cancelled') {
      await this.sql.query(JOB_SQL.finish, [job.id, job.attempts, 'cancelled', outcome.reason.slice(0, 500)]);
      result = 'cancelled';
    } else if (outcome.status === 'failed' || job.attempts >= handler.retry.maxAttempts) {
      await this.sql.query(JOB_SQL.finish, [job.id, job.attempts, 'failed', outcome.error.slice(0, 500)]);
      result = 'failed';
      log.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, reason: outcome.error }, 'job given up');
    } else {
      const { baseMs, maxMs } = handler.retry;
      await this.sql.query(JOB_SQL.retryLater, [job.id, job.attempts, outcome.error.slice(0, 500), retryDelayMs(job.attempts, baseMs, maxMs)]);
      result = 'retry';
      log.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, reason: outcome.error }, 'job failed; will retry');
    }
    this.options.onResult?.(job.kind, result);
  }

  private async executeRecurring(task: RecurringTask, job: Job): Promise<void> {
    let error: string | null = null;
    const release = this.holdClaim(task, job);
    try {
      await task.run();
    } catch (err) {
      error = scrubError(err);
      log.error({ kind: task.kind, err: error }, 'recurring task failed');
    } finally {
      release();
    }
    await this.sql.query(JOB_SQL.reschedule, [job.id, job.attempts, error, task.intervalMs]);
    this.options.onResult?.(task.kind, error ? 'retry' : 'done');
  }

  /**
   * Renews a running pass's claim every third of its lease, up to RECURRING_HOLD_LIMIT_MS;
   * returns what stops it. A renewal that finds the claim gone (this instance stalled past the
   * lease and another took the task) stops renewing and says so.
   */
  private holdClaim(task: RecurringTask, job: Job): () => void {
    const until = Date.now() + (this.options.recurringHoldLimitMs ?? RECURRING_HOLD_LIMIT_MS);
    let released = false;
    const timer = setInterval(() => {
      if (Date.now() + task.leaseMs > until) {
        clearInterval(timer);
        log.error({ kind: task.kind }, 'recurring task still running after its hold limit; its claim is left to lapse');
        return;
      }
      this.sql.query(JOB_SQL.renew, [job.id, job.attempts, task.leaseMs]).then(
        (rows) => {
          // No row after the pass ended and rescheduled the task is expected, not a lost claim.
          if (rows.length > 0 || released) return;
          clearInterval(timer);
          log.warn({ kind: task.kind }, 'recurring task lost its claim while running; another instance may run it too');
        },
        (err: unknown) => log.warn({ kind: task.kind, err: scrubError(err) }, 'could not renew a recurring task claim'),
      );
    }, Math.max(1, Math.floor(task.leaseMs / 3)));
    timer.unref?.();
    return () => {
      released = true;
      clearInterval(timer);
    };
  }
}
