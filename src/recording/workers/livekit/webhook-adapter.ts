import type { WebhookEvent } from 'livekit-server-sdk';
import type { ActivityOutcome, RoomActivityEvent } from '../../../rooms/activity-dispatcher';
import type { WorkerEvent, WorkerEventOutcome } from '../worker-events';
import { concernsRecordings, toRoomActivity, toWorkerEvent } from './webhook-events';

/** Where LiveKit's webhooks go once translated: room activity, and recordings. */
export interface LivekitWebhookTargets {
  rooms: { dispatch(event: RoomActivityEvent): Promise<ActivityOutcome> };
  recordings: { handle(event: WorkerEvent): Promise<WorkerEventOutcome> };
}

export type LivekitEventOutcome = ActivityOutcome | WorkerEventOutcome;

/**
 * The LiveKit adapter of the webhooks: each event becomes plain room activity (for the rooms'
 * dispatcher, which sees it first) and, when it is about recordings, a plain worker event. The
 * outcome is the recordings' for their events and the rooms' for the others.
 */
export class LivekitWebhookAdapter {
  constructor(private readonly targets: LivekitWebhookTargets) {}

  async handle(event: WebhookEvent): Promise<LivekitEventOutcome> {
    const activity = toRoomActivity(event);
    const activityOutcome = activity ? await this.targets.rooms.dispatch(activity) : 'ignored';
    if (!concernsRecordings(event)) return activityOutcome;
    const workerEvent = toWorkerEvent(event);
    return workerEvent ? this.targets.recordings.handle(workerEvent) : 'ignored';
  }
}
