import type { Recording } from '../../db/entities/recording.entity';
import { childLogger } from '../../logging/logger';
import type { Metrics } from '../../metrics/metrics';
import type { RecordingStore } from '../recording-store';
import { JibriWorker, parseJibriStatusEvent, parseWorkerId, type JibriStatusEvent } from '../workers/jibri';
import { DEFAULT_WEBHOOK_GRACE_MS } from '../workers/jibri/jibri-pool';
import type { WorkerRegistry } from '../workers/registry';
import { bearerOf, presentsToken } from '../../auth/shared-secret';
import type { EndpointAnswer } from './shared-token';

const log = childLogger('jibri-webhook');

export type StatusOutcome =
  | 'unauthorized'
  | 'malformed'
  | 'not_configured'
  | 'unknown_instance'
  | 'recorded'
  | 'recording_stopped'
  | 'ignored';

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
    private readonly webhookToken: string | undefined,
    private readonly registry: WorkerRegistry,
    private readonly store: RecordingStore,
    private readonly metrics: Metrics,
    options: StatusWebhookOptions = {},
  ) {
    this.graceMs = options.graceMs ?? DEFAULT_WEBHOOK_GRACE_MS;
  }

  /**
   * Jibri can only send a static secret in the subscriber URL (it signs its own RS256 JWT when
   * `jwt-info` is set), so the token may come as a path segment or as a bearer header.
   */
  authorize(authorization: string | undefined, pathToken: string | undefined): boolean {
    return presentsToken(this.webhookToken, bearerOf(authorization), pathToken);
  }

  /** Auth failures answer before the body is even read. */
  unauthorized(): EndpointAnswer {
    this.metrics.jibriEvents.inc({ outcome: 'unauthorized' });
    const detail = this.webhookToken
      ? 'Invalid or missing Jibri webhook token.'
      : 'JIBRI_WEBHOOK_TOKEN is not set: Jibri webhooks cannot be verified.';
    return { status: 401, body: { detail } };
  }

  /** `{subscriber}/v1/session/status` and similar: accepted and ignored. */
  ignored(): EndpointAnswer {
    this.metrics.jibriEvents.inc({ outcome: 'ignored' });
    return { status: 200, body: { message: 'Notification ignored.' } };
  }

  async handleStatus(body: unknown): Promise<EndpointAnswer> {
    const { outcome, answer } = await this.decide(body);
    this.metrics.jibriEvents.inc({ outcome });
    return answer;
  }

  private async decide(body: unknown): Promise<{ outcome: StatusOutcome; answer: EndpointAnswer }> {
    const event = parseJibriStatusEvent(body);
    if (!event) {
      return {
        outcome: 'malformed',
        answer: { status: 400, body: { detail: 'Malformed Jibri status: expected {"jibriId", "status": {"busyStatus", "health": {"healthStatus"}}}.' } },
      };
    }
    const worker = this.registry.forKind('jibri');
    if (!(worker instanceof JibriWorker)) {
      return { outcome: 'not_configured', answer: ok('Jibri is not configured (JIBRI_URLS, JITSI_BASE_URL); status ignored.') };
    }
    const instanceKey = worker.instanceKeyForJibriId(event.jibriId);
    if (!instanceKey) {
      log.warn({ busyStatus: event.busyStatus }, 'status from a jibriId that matches no JIBRI_URLS instance (see JIBRI_IDS)');
      return { outcome: 'unknown_instance', answer: ok('Unknown Jibri instance; status ignored.') };
    }
    worker.reportStatus(instanceKey, event);

    const ended = await this.endedRecordings(worker, instanceKey, event);
    let stopped = 0;
    for (const recording of ended) {
      // Guarded: a stop request or another webhook that got there first wins, and nothing changes.
      const done = await this.store.transition(recording.id, ['active'], 'stopped');
      if (!done) continue;
      stopped++;
      log.info({ recordingId: recording.id, instance: instanceKey, busyStatus: event.busyStatus }, 'jibri session ended without a stop request: recording stopped');
    }
    if (stopped > 0) {
      return { outcome: 'recording_stopped', answer: ok(`Status recorded; ${stopped} recording(s) marked stopped.`) };
    }
    return { outcome: 'recorded', answer: ok('Status recorded.') };
  }

  /**
   * The active recordings of this instance whose session is over. The webhook alone is not
   * trusted (it may be older than a start we made since): an IDLE/EXPIRED report is checked with
   * a health probe through `inspect`; only when the instance cannot be reached does the report
   * end recordings, and then only ones older than the grace period. A BUSY report naming another
   * session (some Jibri versions send `sessionId`) ends older recordings on that instance too.
   */
  private async endedRecordings(worker: JibriWorker, instanceKey: string, event: JibriStatusEvent): Promise<Recording[]> {
    const active = await this.store.findByStatus(['active']);
    const onInstance = active.filter((r) => r.workerKind === 'jibri' && parseWorkerId(r.workerId)?.instanceKey === instanceKey);
    const ended: Recording[] = [];
    for (const recording of onInstance) {
      if (event.busyStatus === 'BUSY') {
        if (event.sessionId !== undefined && event.sessionId !== recording.id && this.settled(recording)) ended.push(recording);
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

function ok(message: string): EndpointAnswer {
  return { status: 200, body: { message } };
}
