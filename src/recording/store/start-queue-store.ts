import type { WorkerKind } from '../../config/config';
import type { Sql } from '../../db/sql';
import type { EventRoutes } from '../../events/routes';
import type { Recording } from '../recording';
import { QUEUE_SQL } from './queue-statements';

export interface StartQueueStoreOptions {
  sql: Sql;
  events?: EventRoutes;
}

/** A start taken from the queue, and how long it waited there. */
export type TakenStart = { recording: Recording; waitedSeconds: number };

/**
 * The start queue's state: `queued` recordings (their order is their creation) and the dispatch
 * lease of each worker kind. Every change is a guarded statement; `enqueue` queues
 * `recording.queued` with the change.
 */
export class StartQueueStore {
  private readonly sql: Sql;
  private readonly routes: string;

  constructor(options: StartQueueStoreOptions) {
    this.sql = options.sql;
    this.routes = options.events?.param ?? '{}';
  }

  async waiting(kind: WorkerKind): Promise<boolean> {
    const [row] = await this.sql.query<{ waiting: boolean }>(QUEUE_SQL.waiting, [kind]);
    return row?.waiting === true;
  }

  /** initiated -> queued (first time only); null when the recording was not a fresh `initiated` one. */
  async enqueue(id: string, waitMs: number, firstTryMs: number): Promise<Recording | null> {
    const [row] = await this.sql.query<Recording & { jobsDue: number }>(QUEUE_SQL.enqueue, [id, waitMs, firstTryMs, this.routes]);
    if (!row) return null;
    const { jobsDue: _events, ...recording } = row;
    return recording;
  }

  /** A start taken from the queue goes back in its place; null when it was not one, or its deadline passed. */
  async requeue(id: string, retry: { baseMs: number; maxMs: number }): Promise<Recording | null> {
    return (await this.sql.query<Recording>(QUEUE_SQL.requeue, [id, retry.baseMs, retry.maxMs]))[0] ?? null;
  }

  async takeHead(kind: WorkerKind, dispatchMs: number, reconcileMs: number, force: boolean): Promise<TakenStart | null> {
    const [row] = await this.sql.query<Recording & { waitedSeconds: number }>(QUEUE_SQL.takeHead, [kind, dispatchMs, reconcileMs, force]);
    if (!row) return null;
    const { waitedSeconds, ...recording } = row;
    return { recording, waitedSeconds };
  }

  expired(limit: number): Promise<{ id: string; workerKind: WorkerKind; waitedSeconds: number }[]> {
    return this.sql.query(QUEUE_SQL.expired, [limit]);
  }

  orphaned(limit: number): Promise<Recording[]> {
    return this.sql.query<Recording>(QUEUE_SQL.orphaned, [limit]);
  }

  heads(): Promise<{ kind: WorkerKind; due: boolean }[]> {
    return this.sql.query(QUEUE_SQL.heads);
  }

  /** Queued starts per worker kind (kinds without any are absent). */
  async counts(): Promise<Record<string, number>> {
    const rows = await this.sql.query<{ kind: string; n: number }>(QUEUE_SQL.counts);
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  async acquire(kind: WorkerKind, holder: string, leaseMs: number): Promise<boolean> {
    return (await this.sql.query(QUEUE_SQL.acquire, [kind, holder, leaseMs])).length > 0;
  }

  async markAgain(kind: WorkerKind): Promise<boolean> {
    return (await this.sql.query(QUEUE_SQL.markAgain, [kind])).length > 0;
  }

  /** Null: the lease is no longer this holder's. */
  async renew(kind: WorkerKind, holder: string, leaseMs: number): Promise<{ again: boolean } | null> {
    return (await this.sql.query<{ again: boolean }>(QUEUE_SQL.renew, [kind, holder, leaseMs]))[0] ?? null;
  }

  /** False: a signal came meanwhile; the holder keeps the lease and looks again. `anyway`: lets go regardless. */
  async release(kind: WorkerKind, holder: string, anyway = false): Promise<boolean> {
    return (await this.sql.query(QUEUE_SQL.release, [kind, holder, anyway])).length > 0;
  }
}
