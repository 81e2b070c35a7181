import type { Recording } from '../recording';
import { childLogger } from '../../logging/logger';
import type { Metrics } from '../../metrics/metrics';
import type { RecordingStore } from '../store/recording-store';
import { JibriWorker, parseJibriStatusEvent, parseWorkerId, type JibriStatusEvent } from '../workers/jibri';
import { DEFAULT_WEBHOOK_GRACE_MS } from '../workers/jibri/jibri-pool';
import type { WorkerRegistry } from '../workers/registry';
import type { JibriWebhookAuth, WebhookCheck, WebhookCredential, WebhookRefusal } from '../../auth/jibri-webhook-auth';

const log = childLogger('jibri-webhook');

export type StatusOutcome =
  | 'unauthorized'
  | 'malformed'
  | 'not_configured'
  | 'unknown_instance'
  | 'recorded'
  | 'recording_stopped'
  | 'ignored';

/** What a status webhook did; `stopped` counts the recordings it ended, `refusal` says why it was unauthorized. */
export interface StatusResult {
  outcome: StatusOutcome;
  stopped?: number;
  refusal?: WebhookRefusal;
}

export interface StatusWebhookOptions {
  /**
   * A webhook may have been sent before a start we made since (Jibri gives each request 2 s and
   * retries none). Where no live probe backs it, its word only ends recordings older than this.
   */
  graceMs?: number;
}

/**
 * Jibri's status webhook, `POST {subscriber}/v1/status` (jitsi/jibri doc/webhooks.md):
 * `{jibriId, status: {busyStatus, health: {healthStatus}}}` on every change and once a minute.
 *
 * It keeps the pool's view current (the worker takes EXPIRED/UNHEALTHY instances out of the
 * pool) and ends recordings whose session is over without a stop request (the meeting ended,
 * Jibri crashed and restarted): those go `active` -> `stopped`, which frees the room. The file
 * still arrives through finalize.sh and the storage event, as after a normal stop.
 */
export class JibriStatusWebhook {
  private readonly graceMs: number;

  constructor(
    private readonly auth: JibriWebhookAuth,
    private readonly registry: WorkerRegistry,
    private readonly store: RecordingStore,
    private readonly metrics: Metrics,
    options: StatusWebhookOptions = {},
  ) {
    this.graceMs = options.graceMs ?? DEFAULT_WEBHOOK_GRACE_MS;
  }

  /**
   * Jibri's signed JWT (`jwt-info`, checked when JIBRI_WEBHOOK_PUBLIC_KEY is set) and/or the
   * static token of its subscriber URL (see auth/jibri-webhook-auth.ts). The credential it
   * gives says which Jibri it may speak for; handleStatus checks that against the body.
   */
  authorize(authorization: string | undefined, pathToken: string | undefined): WebhookCheck {
    return this.auth.check(authorization, pathToken);
  }

  /** Auth failures answer before the body is even read. */
  unauthorized(refusal: WebhookRefusal): StatusResult {
    return this.counted({ outcome: 'unauthorized', refusal });
  }

  /** `{subscriber}/v1/session/status` and similar: accepted and ignored. */
  ignored(): StatusResult {
    return this.counted({ outcome: 'ignored' });
  }

  async handleStatus(body: unknown, credential: WebhookCredential): Promise<StatusResult> {
    return this.counted(await this.decide(body, credential));
  }

  private counted(result: StatusResult): StatusResult {
    this.metrics.jibriEvents.inc({ outcome: result.outcome });
    return result;
  }

  private async decide(body: unknown, credential: WebhookCredential): Promise<StatusResult> {
    const parsed = parseJibriStatusEvent(body);
    if (!parsed) return { outcome: 'malformed' };
    if (credential.jibriIds && !credential.jibriIds.includes(parsed.jibriId)) return this.wrongJibri();
    const worker = this.registry.forKind('jibri');
    if (!(worker instanceof JibriWorker)) return { outcome: 'not_configured' };
    const instanceKey = worker.instanceKeyForJibriId(parsed.jibriId);
    if (!instanceKey) {
      log.warn({ busyStatus: parsed.busyStatus }, 'status from a jibriId that matches no JIBRI_URLS instance (see JIBRI_IDS)');
      return { outcome: 'unknown_instance' };
    }
    if (credential.instanceIndex !== undefined && worker.instanceKeyAt(credential.instanceIndex) !== instanceKey) return this.wrongJibri();
    // A report under the pool-wide token could come from any Jibri: it does not get to say whose
    // session runs where (the pool view keeps what the instance itself said).
    const bound = credential.jibriIds !== undefined || credential.instanceIndex !== undefined;
    const event: JibriStatusEvent = bound ? parsed : { jibriId: parsed.jibriId, busyStatus: parsed.busyStatus, healthStatus: parsed.healthStatus };
    await worker.reportStatus(instanceKey, event);

    const ended = await this.endedRecordings(worker, instanceKey, event);
    let stopped = 0;
    for (const recording of ended) {
      // Guarded: a stop request or another webhook that got there first wins, and nothing changes.
      const done = await this.store.transition(recording.id, ['active'], 'stopped');
      if (!done) continue;
      stopped++;
      log.info({ recordingId: recording.id, instance: instanceKey, busyStatus: event.busyStatus }, 'jibri session ended without a stop request: recording stopped');
    }
    return stopped > 0 ? { outcome: 'recording_stopped', stopped } : { outcome: 'recorded' };
  }

  private wrongJibri(): StatusResult {
    log.warn('status webhook for a jibriId its credential does not belong to: refused');
    return { outcome: 'unauthorized', refusal: 'wrong_jibri' };
  }

  /**
   * The active recordings of this instance whose session is over. The webhook alone is not
   * trusted (it may be older than a start we made since): an IDLE/EXPIRED report is checked with
   * a health probe through `inspect`; only when the instance cannot be reached does the report
   * end recordings, and then only ones older than the grace period. A BUSY report naming another
   * session (some Jibri versions send `sessionId`; only a credential bound to this Jibri may say
   * it) ends older recordings on that instance too, once the instance's health API confirms BUSY.
   */
  private async endedRecordings(worker: JibriWorker, instanceKey: string, event: JibriStatusEvent): Promise<Recording[]> {
    const active = await this.store.findActiveOfKind('jibri');
    const onInstance = active.filter((r) => parseWorkerId(r.workerId)?.instanceKey === instanceKey);
    const ended: Recording[] = [];
    let busyConfirmed: Promise<boolean> | undefined;
    for (const recording of onInstance) {
      if (event.busyStatus === 'BUSY') {
        if (event.sessionId === undefined || event.sessionId === recording.id || !this.settled(recording)) continue;
        busyConfirmed ??= worker.confirmsBusy(instanceKey);
        if (await busyConfirmed) ended.push(recording);
        continue;
      }
      const state = await worker.inspect(recording.workerId!).catch(() => ({ state: 'unknown' as const }));
      if (state.state === 'ended' || (state.state === 'unknown' && this.settled(recording))) ended.push(recording);
    }
    return ended;
  }

  /** Active for longer than the grace period (updated_at is when it became active). */
  private settled(recording: Recording): boolean {
    return Date.now() - recording.updatedAt.getTime() >= this.graceMs;
  }
}
