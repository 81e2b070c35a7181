import { childLogger } from '../../../logging/logger';
import { isOutOfPool, type BusyStatus, type HealthStatus, type JibriStatusReport } from './jibri-api';
import { JibriClient, jibriEndpoint } from './jibri-client';

const log = childLogger('jibri-pool');

/**
 * Jibri retries nothing and gives each webhook request 2 s, so an IDLE report that was sent
 * before one of our starts cannot arrive much later than this after it.
 */
export const DEFAULT_WEBHOOK_GRACE_MS = 5000;

export interface JibriInstance {
  /** Base URL without credentials: the key in worker ids, logs and reportStatus. */
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

interface Reservation {
  recordingId: string;
  /** Set once startService answered (or timed out): from then on, an IDLE report ends it. */
  confirmedSeq?: number;
  confirmedAt?: number;
}

interface InstanceState {
  report?: JibriStatusReport;
  reportedAt?: number;
  reachable?: boolean;
  reservation?: Reservation;
  /** The session a webhook said the instance runs (only some Jibri versions send it). */
  sessionId?: string;
}

export interface JibriPoolOptions {
  webhookGraceMs?: number;
  now?: () => number;
}

/**
 * The in-memory view of the Jibri instances of JIBRI_URLS: their last reported status (from our
 * health probes and from Jibri's status webhook) and this process's reservations.
 *
 * A reservation makes concurrent starts in this process pick different instances. It lasts from
 * just before startService until stop, or until a later report shows the instance IDLE again
 * (the meeting ended on its own). Several service processes do not share reservations: there,
 * Jibri's own 412 answer to startService is the lock.
 */
export class JibriPool {
  readonly instances: readonly JibriInstance[];
  private readonly states = new Map<string, InstanceState>();
  private readonly webhookGraceMs: number;
  private readonly now: () => number;
  /** Orders probes against confirmations: a probe sent before a start's answer says nothing about it. */
  private seq = 0;

  constructor(urls: string[], ids: string[], timeoutMs: number, options: JibriPoolOptions = {}) {
    this.webhookGraceMs = options.webhookGraceMs ?? DEFAULT_WEBHOOK_GRACE_MS;
    this.now = options.now ?? Date.now;
    const instances: JibriInstance[] = [];
    urls.forEach((url, i) => {
      const endpoint = jibriEndpoint(url);
      if (this.states.has(endpoint.key)) return; // the same Jibri listed twice is one instance
      const instance: JibriInstance = { key: endpoint.key, client: new JibriClient(endpoint, timeoutMs) };
      if (ids[i]) instance.jibriId = ids[i];
      instances.push(instance);
      this.states.set(endpoint.key, {});
    });
    this.instances = instances;
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

  /**
   * Record a status pushed by Jibri's webhook. EXPIRED or UNHEALTHY takes the instance out of
   * the pool until a report says healthy again. Returns false for an unknown instance key.
   */
  reportStatus(instanceKey: string, report: JibriStatusReport): boolean {
    const state = this.states.get(instanceKey);
    if (!state) return false;
    const res = state.reservation;
    if (res?.confirmedAt !== undefined) {
      const ended = report.busyStatus !== 'BUSY' && this.now() - res.confirmedAt >= this.webhookGraceMs;
      const otherSession = report.busyStatus === 'BUSY' && report.sessionId !== undefined && report.sessionId !== res.recordingId;
      if (ended || otherSession) this.endReservation(instanceKey, state);
    }
    this.record(instanceKey, state, report);
    return true;
  }

  /** Ask one instance for its health and record the answer; throws the client's WorkerError. */
  async probe(instance: JibriInstance): Promise<JibriStatusReport> {
    const sentSeq = ++this.seq;
    const state = this.states.get(instance.key)!;
    let report: JibriStatusReport;
    try {
      report = await instance.client.health();
    } catch (err) {
      state.reachable = false;
      throw err;
    }
    state.reachable = true;
    const res = state.reservation;
    if (res?.confirmedSeq !== undefined && sentSeq > res.confirmedSeq && report.busyStatus !== 'BUSY') {
      this.endReservation(instance.key, state);
    }
    this.record(instance.key, state, report);
    return report;
  }

  /** The session the instance runs, when a status webhook named it and nothing said idle since. */
  sessionOf(key: string): string | undefined {
    return this.states.get(key)?.sessionId;
  }

  /** An instance never heard of is in the pool until it says otherwise. */
  isInPool(key: string): boolean {
    const report = this.states.get(key)?.report;
    return report === undefined || !isOutOfPool(report);
  }

  /** Synchronous check-and-set: two starts in this process never hold the same instance. */
  tryReserve(key: string, recordingId: string): boolean {
    const state = this.states.get(key);
    if (!state || state.reservation) return false;
    state.reservation = { recordingId };
    return true;
  }

  /**
   * startService answered (`started`) or timed out: from now on a report showing the instance
   * not busy ends the reservation. A start that answered 200 also makes the view BUSY with it.
   */
  confirm(key: string, recordingId: string, started: boolean): void {
    const state = this.states.get(key);
    const res = state?.reservation;
    if (!state || !res || res.recordingId !== recordingId) return;
    res.confirmedSeq = ++this.seq;
    res.confirmedAt = this.now();
    if (started) {
      state.report = { busyStatus: 'BUSY', healthStatus: state.report?.healthStatus ?? 'HEALTHY' };
      state.reportedAt = this.now();
      state.sessionId = recordingId;
    }
  }

  release(key: string, recordingId: string): void {
    const state = this.states.get(key);
    if (state?.reservation?.recordingId === recordingId) delete state.reservation;
  }

  reservedFor(key: string): string | undefined {
    return this.states.get(key)?.reservation?.recordingId;
  }

  snapshot(): PoolInstanceView[] {
    return this.instances.map((i) => {
      const s = this.states.get(i.key)!;
      return {
        key: i.key,
        jibriId: i.jibriId ?? null,
        busyStatus: s.report?.busyStatus ?? null,
        healthStatus: s.report?.healthStatus ?? null,
        inPool: this.isInPool(i.key),
        reachable: s.reachable ?? null,
        reservedFor: s.reservation?.recordingId ?? null,
        reportedAt: s.reportedAt === undefined ? null : new Date(s.reportedAt),
      };
    });
  }

  private record(key: string, state: InstanceState, report: JibriStatusReport): void {
    const wasIn = state.report === undefined || !isOutOfPool(state.report);
    state.report = report;
    state.reportedAt = this.now();
    if (report.busyStatus !== 'BUSY') delete state.sessionId;
    else if (report.sessionId !== undefined) state.sessionId = report.sessionId;
    const isIn = !isOutOfPool(report);
    if (wasIn !== isIn) {
      log.info({ instance: key, busyStatus: report.busyStatus, healthStatus: report.healthStatus }, isIn ? 'jibri back in the pool' : 'jibri left the pool');
    }
  }

  private endReservation(key: string, state: InstanceState): void {
    log.info({ instance: key, recordingId: state.reservation?.recordingId }, 'jibri session over, instance free again');
    delete state.reservation;
  }
}
