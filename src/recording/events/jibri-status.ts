import type { StartWatchEvents } from './worker-event-handler';
import { childLogger } from '../../logging/logger';
import type { Metrics } from '../../metrics/metrics';
import type { RecordingMediator } from '../mediator';
import type { RecordingStore } from '../store/recording-store';
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

/**
 * Jibri's status webhook, `POST {subscriber}/v1/status` (jitsi/jibri doc/webhooks.md):
 * `{jibriId, status: {busyStatus, health: {healthStatus}}}` on every change and once a minute.
 *
 * The Jibri worker reads it (through the mediator): it keeps the pool's view current (taking
 * EXPIRED/UNHEALTHY instances out of the pool) and says which recordings' sessions are over
 * without a stop request (the meeting ended, Jibri crashed and restarted, see
 * workers/jibri/status-reports.ts). Those go `active` -> `stopped` here, which frees the room.
 * The file still arrives through finalize.sh and the storage event, as after a normal stop.
 */
export class JibriStatusWebhook {
  constructor(
    private readonly auth: JibriWebhookAuth,
    private readonly mediator: Pick<RecordingMediator, 'statusReport'>,
    private readonly store: RecordingStore,
    private readonly metrics: Metrics,
    /** The start watchdog: a session it gave up (and is replacing) does not end the recording. */
    private readonly watch?: Pick<StartWatchEvents, 'isStale'>,
  ) {}

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
    const report = await this.mediator.statusReport('jibri', body, credential);
    if (report.outcome === 'wrong_sender') return { outcome: 'unauthorized', refusal: 'wrong_jibri' };
    if (report.outcome !== 'recorded') return { outcome: report.outcome };
    let stopped = 0;
    for (const recording of report.ended) {
      if (this.watch && recording.workerId && (await this.watch.isStale(recording.id, recording.workerId))) continue;
      // Guarded: a stop request or another webhook that got there first wins, and nothing changes.
      const done = await this.store.transition(recording.id, ['active'], 'stopped');
      if (!done) continue;
      stopped++;
      log.info({ recordingId: recording.id, instance: report.instance, busyStatus: report.status }, 'jibri session ended without a stop request: recording stopped');
    }
    return stopped > 0 ? { outcome: 'recording_stopped', stopped } : { outcome: 'recorded' };
  }
}
