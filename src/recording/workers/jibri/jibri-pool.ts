import { childLogger } from '../../../logging/logger';
import { WorkerError } from '../worker-service';
import { isOutOfPool, type BusyStatus, type HealthStatus, type JibriStatusReport } from './jibri-api';
import { JibriClient, jibriEndpoint } from './jibri-client';
import type { JibriPoolStore, PoolChange, PoolRow } from './pool-store';

const log = childLogger('jibri-pool');

/**
 * Jibri retries nothing and gives each webhook request 2 s, so an IDLE report that was sent
 * before one of our starts cannot arrive much later than this after it.
 */
export const DEFAULT_WEBHOOK_GRACE_MS = 5000;

export interface JibriInstance {
  /** Base URL without credentials: the key in worker ids, logs, reportStatus and the pool's table. */
  key: string;
  /** The instance's `jibri.id` (JIBRI_IDS), when configured. */
  jibriId?: string;
  client: JibriClient;
}

/** What the pool knows about one instance, for /ready, metrics or debugging. */
export interface PoolInstanceView {
  key: string;
  jibriId: string | null;
  busyStatus: BusyStatus | null;
  healthStatus: HealthStatus | null;
  inPool: boolean;
  reachable: boolean | null;
  reservedFor: string | null;
  reportedAt: Date | null;
}

export interface JibriPoolOptions {
  webhookGraceMs?: number;
}

/** An instance never heard of is in the pool until it says otherwise. */
export function isInPool(row: PoolRow | null | undefined): boolean {
  if (!row?.busyStatus || !row.healthStatus) return true;
  return !isOutOfPool({ busyStatus: row.busyStatus, healthStatus: row.healthStatus });
}

/** The instance was given to another recording since: this one's session is over. */
export function movedOn(row: PoolRow | null | undefined, recordingId: string): boolean {
  return row?.reservedFor != null && row.reservedFor !== recordingId;
}

/** Only Jibri versions that put sessionId in their webhook let us tell whose session runs. */
export function busyWithOther(row: PoolRow | null | undefined, recordingId: string): boolean {
  return row?.sessionId != null && row.sessionId !== recordingId;
}

/**
 * The Jibri instances of JIBRI_URLS and their shared state (the `jibri_instances` table, see
 * pool-store.ts): the last reported status (from any service instance's health probes and from
 * Jibri's status webhook, whichever service instance received it) and the reservations.
 *
 * A reservation makes concurrent starts, in this process or any other on the database, pick
 * different instances. It lasts from just before startService until stop, or until a later
 * report shows the instance IDLE again (the meeting ended on its own); one whose start never
 * confirmed (the process died) lapses after its lease. Jibri's own 412 stays the last word.
 */
export class JibriPool {
  readonly instances: readonly JibriInstance[];
  private readonly keys: string[];
  private readonly keyByIndex: string[];
  private readonly webhookGraceMs: number;
  private ensured: Promise<void> | null = null;

  constructor(
    urls: string[],
    ids: string[],
    timeoutMs: number,
    private readonly store: JibriPoolStore,
    options: JibriPoolOptions = {},
  ) {
    this.webhookGraceMs = options.webhookGraceMs ?? DEFAULT_WEBHOOK_GRACE_MS;
    const instances: JibriInstance[] = [];
    urls.forEach((url, i) => {
      const endpoint = jibriEndpoint(url);
      if (instances.some((known) => known.key === endpoint.key)) return; // the same Jibri listed twice is one instance
      const instance: JibriInstance = { key: endpoint.key, client: new JibriClient(endpoint, timeoutMs) };
      if (ids[i]) instance.jibriId = ids[i];
      instances.push(instance);
    });
    this.instances = instances;
    this.keys = instances.map((i) => i.key);
    this.keyByIndex = urls.map((url) => jibriEndpoint(url).key);
  }

  /** The instance key of the JIBRI_URLS entry at `index` (as per-instance webhook tokens are listed). */
  instanceKeyAt(index: number): string | null {
    return this.keyByIndex[index] ?? null;
  }

  instance(key: string): JibriInstance | undefined {
    return this.instances.find((i) => i.key === key);
  }

  /**
   * The instance a webhook's `jibriId` belongs to. With JIBRI_IDS set, ids match exactly.
   * Without it, a jibriId equal to an instance key, or to the host name of exactly one instance
   * (deployments often set `jibri.id` to the host name), is accepted. Null otherwise.
   */
  instanceKeyForJibriId(jibriId: string): string | null {
    if (this.instances.some((i) => i.jibriId !== undefined)) {
      return this.instances.find((i) => i.jibriId === jibriId)?.key ?? null;
    }
    const exact = this.instances.find((i) => i.key === jibriId);
    if (exact) return exact.key;
    const wanted = jibriId.toLowerCase();
    const byHost = this.instances.filter((i) => new URL(i.key).hostname.toLowerCase() === wanted);
    return byHost.length === 1 ? byHost[0]!.key : null;
  }

  /** Every instance's shared state, read in one query (rows someone deleted are made again). */
  view(): Promise<Map<string, PoolRow>> {
    return this.state('read', async () => {
      const rows = await this.store.rows(this.keys);
      if (rows.size === this.keys.length) return rows;
      await this.store.ensure(this.keys);
      return this.store.rows(this.keys);
    });
  }

  viewOf(key: string): Promise<PoolRow | null> {
    return this.state('read', () => this.store.row(key));
  }

  /**
   * Record a status pushed by Jibri's webhook. EXPIRED or UNHEALTHY takes the instance out of
   * the pool until a report says healthy again. Returns false for an unknown instance key.
   */
  async reportStatus(instanceKey: string, report: JibriStatusReport): Promise<boolean> {
    if (!this.instance(instanceKey)) return false;
    const change = await this.state('report', () => this.store.report(instanceKey, report, this.webhookGraceMs));
    if (change) this.logChange(change);
    return true;
  }

  /**
   * Ask one instance for its health and record the answer; throws the client's WorkerError.
   * `seen` is the instance's row as read before the request, which tells whether the answer
   * may end the reservation seen then (see pool-store.ts). Also returns the row as written.
   */
  async probe(instance: JibriInstance, seen: PoolRow | null): Promise<{ report: JibriStatusReport; row: PoolRow | null }> {
    let report: JibriStatusReport;
    try {
      report = await instance.client.health();
    } catch (err) {
      await this.state('probe', () => this.store.recordUnreachable(instance.key)).catch((dbErr: unknown) => this.warn('probe', dbErr));
      throw err;
    }
    const change = await this.state('probe', () => this.store.recordProbe(instance.key, report, seen));
    if (change) this.logChange(change);
    return { report, row: change?.row ?? null };
  }

  /**
   * Check-and-set in one statement: two starts, in any service process, never hold the same
   * instance. `leaseMs` bounds an unconfirmed reservation (the start's deadline).
   */
  tryReserve(key: string, recordingId: string, leaseMs: number): Promise<boolean> {
    return this.state('reserve', () => this.store.reserve(key, recordingId, leaseMs));
  }

  /**
   * startService answered (`started`) or timed out: from now on a report showing the instance
   * not busy ends the reservation. A start that answered 200 also makes the view BUSY with it.
   * Never throws: Jibri's answer stands, and an unconfirmed reservation lapses after its lease.
   */
  async confirm(key: string, recordingId: string, started: boolean): Promise<void> {
    await this.state('confirm', () => this.store.confirm(key, recordingId, started)).catch((err: unknown) => this.warn('confirm', err));
  }

  /** Takes the instance out of new starts (`drained`) or puts it back; false for an unknown key. */
  async drain(key: string, drained: boolean): Promise<boolean> {
    if (!this.instance(key)) return false;
    return this.state('drain', () => this.store.drain(key, drained));
  }

  /** Ends this recording's reservation, if it still holds one. Never throws (see confirm). */
  async release(key: string, recordingId: string): Promise<void> {
    await this.state('release', () => this.store.release(key, recordingId)).catch((err: unknown) => this.warn('release', err));
  }

  async snapshot(): Promise<PoolInstanceView[]> {
    const rows = await this.view();
    return this.instances.map((i) => {
      const row = rows.get(i.key);
      return {
        key: i.key,
        jibriId: i.jibriId ?? null,
        busyStatus: row?.busyStatus ?? null,
        healthStatus: row?.healthStatus ?? null,
        inPool: isInPool(row),
        reachable: row?.reachable ?? null,
        reservedFor: row?.reservedFor ?? null,
        reportedAt: row?.reportedAt ?? null,
      };
    });
  }

  /** Runs a store operation once the instances' rows exist; a database failure is a WorkerError. */
  private async state<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      this.ensured ??= this.store.ensure(this.keys).catch((err: unknown) => {
        this.ensured = null; // try again on the next call
        throw err;
      });
      await this.ensured;
      return await op();
    } catch (err) {
      throw new WorkerError('unavailable', `jibri pool state (${what}) failed: ${err instanceof Error ? err.message : String(err)}`, 'jibri');
    }
  }

  private warn(what: string, err: unknown): void {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, `jibri pool state not updated (${what})`);
  }

  private logChange({ row, wasInPool, ended }: PoolChange): void {
    if (ended) log.info({ instance: row.key, recordingId: ended }, 'jibri session over, instance free again');
    const inPool = isInPool(row);
    if (wasInPool !== inPool) {
      log.info({ instance: row.key, busyStatus: row.busyStatus, healthStatus: row.healthStatus }, inPool ? 'jibri back in the pool' : 'jibri left the pool');
    }
  }
}
