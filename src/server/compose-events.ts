import { recordingJson, serializerSettings } from '../api/recording-json';
import { webhookDeliveryJob } from '../events/delivery-job';
import { disabledEventJobs } from '../events/disabled-event-jobs';
import { EventBodies } from '../events/event-body';
import { readyEventJob } from '../events/ready-job';
import type { ArtifactTokens } from '../recording/artifacts/artifact-token';
import type { RecordingStore } from '../recording/store/recording-store';
import type { Shared } from './compose-shared';

/**
 * Events to host applications: queued by the statements that change state (shared.events says
 * where each type goes), prepared and delivered by jobs; without endpoints or a secret, the
 * queued ones are cancelled and counted.
 */
export function composeEvents(shared: Shared, store: RecordingStore, artifactTokens?: ArtifactTokens): void {
  const { config, db, metrics, runner, storage, events } = shared;
  const { webhooks } = config;
  const counted = (type: string, outcome: string) => metrics.webhookDeliveries.inc({ event_type: type, outcome });
  if (!events.enabled || !webhooks.secret) {
    for (const handler of disabledEventJobs((type) => counted(type, 'cancelled'))) runner.register(handler);
    return;
  }
  const serialize = serializerSettings(config);
  const bodies = new EventBodies({
    serialize: (recording) => recordingJson(recording, 'owner', serialize),
    presignGet: storage && ((key) => storage.presignedGet(key, webhooks.mediaUrlTtlSeconds)),
    artifactToken: artifactTokens && (async (id) => (await artifactTokens.sign(id)).token),
  });
  // One of the runner's slots always stays free of deliveries (unless it has only one).
  runner.register(webhookDeliveryJob({ ...webhooks, secret: webhooks.secret, maxInFlight: Math.max(1, config.jobs.concurrency - 1) }, bodies, counted));
  runner.register(readyEventJob(db.sql, store, events));
}
