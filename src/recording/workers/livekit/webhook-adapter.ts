import type { WebhookEvent } from 'livekit-server-sdk';
import type { ActivityOutcome, RoomActivityEvent } from '../../../rooms/activity-dispatcher';
import type { WorkerEvent, WorkerEventOutcome } from '../worker-events';
import { concernsRecordings, toRoomActivity, toWorkerEvent } from './webhook-events';
import { livekitWebhookVerifier, type VerifiedWebhook } from './webhook-receiver';

/** Where LiveKit's webhooks go once translated: room activity, and recordings. */
export interface LivekitWebhookTargets {
  rooms: { dispatch(event: RoomActivityEvent): Promise<ActivityOutcome> };
  recordings: { handle(event: WorkerEvent): Promise<WorkerEventOutcome> };
}

export type LivekitEventOutcome = ActivityOutcome | WorkerEventOutcome;

/** What became of a posted webhook: refused (and why), or handled with its event's name and outcome. */
export type LivekitWebhookReceipt =
  | { result: 'not_configured' }
  /** No Authorization header at all. */
  | { result: 'unsigned' }
  | Exclude<VerifiedWebhook, { result: 'verified' }>
  | { result: 'handled'; event: string; outcome: LivekitEventOutcome };

/**
 * The LiveKit adapter of the webhooks: each event becomes plain room activity (for the rooms'
 * dispatcher, which sees it first) and, when it is about recordings, a plain worker event. The
 * outcome is the recordings' for their events and the rooms' for the others.
 */
export class LivekitWebhookAdapter {
  private readonly verify?: (raw: string, authorization: string) => Promise<VerifiedWebhook>;

  constructor(
    /** LIVEKIT_API_KEY and LIVEKIT_API_SECRET; without them no webhook can be verified. */
    credentials: { apiKey: string; apiSecret: string } | undefined,
    private readonly targets: LivekitWebhookTargets,
  ) {
    this.verify = credentials && livekitWebhookVerifier(credentials);
  }

  /** A posted body and its Authorization header: verified, then handled. */
  async receive(raw: string, authorization: string | undefined): Promise<LivekitWebhookReceipt> {
    if (!this.verify) return { result: 'not_configured' };
    if (!authorization) return { result: 'unsigned' };
    const verified = await this.verify(raw, authorization);
    if (verified.result !== 'verified') return verified;
    return { result: 'handled', event: verified.event.event, outcome: await this.handle(verified.event) };
  }

  private async handle(event: WebhookEvent): Promise<LivekitEventOutcome> {
    const activity = toRoomActivity(event);
    const activityOutcome = activity ? await this.targets.rooms.dispatch(activity) : 'ignored';
    if (!concernsRecordings(event)) return activityOutcome;
    const workerEvent = toWorkerEvent(event);
    return workerEvent ? this.targets.recordings.handle(workerEvent) : 'ignored';
  }
}
