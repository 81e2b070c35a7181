import { bearerOf, presentsToken } from '../../auth/shared-secret';
import { WORKER_KINDS, type AppConfig } from '../../config/config';
import { childLogger } from '../../logging/logger';
import type { Metrics } from '../../metrics/metrics';
import { saveAndQueueNotifications } from '../../notifications/save-and-queue';
import { extensionForKind } from '../../recording/object-key';
import type { DataSource } from 'typeorm';
import { parseAwsEvent } from './aws-event-parser';
import { parseMinioEvent } from './minio-event-parser';
import { contentTypeMatches, matchRecordingKey } from './recording-key';
import type { StorageEventParser, StorageObjectEvent } from './storage-event';

const log = childLogger('storage-events');

export type HookAnswer = { status: 200 | 401 | 403; body: { message?: string; detail?: string } };

const IGNORED: HookAnswer = { status: 200, body: { message: 'Notification ignored.' } };
const PROCESSED: HookAnswer = { status: 200, body: { message: 'Event processed.' } };

/**
 * MinIO/S3 object-created events -> recording saved + emails queued (SPEC.md, Storage
 * layout and events). Idempotent: a repeated event for a saved recording changes nothing.
 */
export class StorageHook {
  private readonly parse: StorageEventParser;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
    private readonly onQueued: () => void,
  ) {
    this.parse = config.recording.eventParser === 'aws' ? parseAwsEvent : parseMinioEvent;
  }

  authorize(authorization: string | undefined): boolean {
    const { storageEventAuth, storageEventToken } = this.config.recording;
    return !storageEventAuth || presentsToken(storageEventToken, bearerOf(authorization));
  }

  async handle(authorization: string | undefined, body: unknown): Promise<HookAnswer> {
    const answer = await this.decide(authorization, body);
    this.metrics.storageEvents.inc({ outcome: outcomeLabel(answer) });
    return answer;
  }

  private async decide(authorization: string | undefined, body: unknown): Promise<HookAnswer> {
    if (!this.authorize(authorization)) return { status: 401, body: { detail: 'Invalid or missing storage event token.' } };
    const parsed = this.parse(body);
    if (!parsed.ok) return { status: 403, body: { detail: `Malformed storage event: ${parsed.reason}.` } };
    const bucket = this.config.storage?.bucket;
    if (parsed.events.some((e) => e.bucket !== bucket)) {
      return { status: 403, body: { detail: 'The event comes from a bucket this service does not own.' } };
    }
    if (!this.config.recording.storageEventEnable) return IGNORED;
    let processed = false;
    for (const event of parsed.events) {
      if (await this.process(event)) processed = true;
    }
    return processed ? PROCESSED : IGNORED;
  }

  /** True when the event is about one of our recordings and it is (now or already) saved. */
  private async process(event: StorageObjectEvent): Promise<boolean> {
    if (!event.eventName.startsWith('s3:ObjectCreated:')) return false;
    const match = matchRecordingKey(event.key, this.config.recording.outputFolder);
    if (!match || !contentTypeMatches(match.extension, event.contentType)) return false;
    const recordingId = match.recordingId;
    // Only recordings whose worker writes this extension (an mp4 never saves an audio recording).
    const kinds = WORKER_KINDS.filter((kind) => extensionForKind(kind) === match.extension);
    const outcome = await saveAndQueueNotifications(this.dataSource, recordingId, kinds);
    if (outcome.result === 'saved') {
      this.metrics.emails.inc({ outcome: 'queued' }, outcome.queued);
      log.info({ recordingId, queued: outcome.queued }, 'recording saved from storage event');
      if (outcome.queued > 0) this.onQueued();
      return true;
    }
    if (outcome.result === 'already_saved') return true;
    if (outcome.result === 'not_savable') {
      log.warn({ recordingId, status: outcome.status }, 'storage event for a recording that cannot be saved');
    }
    return false;
  }
}

function outcomeLabel(answer: HookAnswer): string {
  if (answer.status === 401) return 'unauthorized';
  if (answer.status === 403) return 'refused';
  return answer.body.message === PROCESSED.body.message ? 'processed' : 'ignored';
}
