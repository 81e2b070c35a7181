import { childLogger } from '../logging/logger';
import type { ObjectStorage } from '../storage/object-storage';

const log = childLogger('dev-storage');

/** What s3rver emits on 'event' (lib/models/event.js): one record, event names without `s3:`. */
export interface S3rverEvent {
  Records: {
    eventName: string;
    eventTime?: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } };
  }[];
}

/** One POST to the hook is bounded; a failed one is tried again a few times, as MinIO does. */
const POST_TIMEOUT_MS = 5_000;
const ATTEMPTS = 3;
const RETRY_BASE_MS = 500;

/**
 * s3rver emits `ObjectCreated:Post` for a completed multipart upload (and for a browser form
 * upload, which nothing here makes): MinIO names the first CompleteMultipartUpload.
 */
const MINIO_NAMES: Record<string, string> = {
  'ObjectCreated:Put': 's3:ObjectCreated:Put',
  'ObjectCreated:Post': 's3:ObjectCreated:CompleteMultipartUpload',
  'ObjectCreated:Copy': 's3:ObjectCreated:Copy',
};

/** A key as MinIO writes it in events: Go's url.QueryEscape (`/` as %2F, space as `+`). */
export function minioEscapedKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+');
}

/** The bucket notification MinIO would send for this object (the shape of test/fixtures/minio). */
export function minioEventBody(
  eventName: string,
  bucket: string,
  object: { key: string; size: number; eTag: string; contentType: string; sequencer: string },
  eventTime: string,
): Record<string, unknown> {
  return {
    EventName: eventName,
    Key: `${bucket}/${object.key}`,
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'minio:s3',
        awsRegion: '',
        eventTime,
        eventName,
        userIdentity: { principalId: 'dev' },
        requestParameters: { principalId: 'dev', region: '', sourceIPAddress: '127.0.0.1' },
        responseElements: {},
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'Config',
          bucket: { name: bucket, ownerIdentity: { principalId: 'dev' }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: minioEscapedKey(object.key),
            size: object.size,
            eTag: object.eTag,
            contentType: object.contentType,
            userMetadata: { 'content-type': object.contentType },
            sequencer: object.sequencer,
          },
        },
      },
    ],
  };
}

/**
 * Turns the embedded store's object-created events into MinIO notifications and posts them to
 * the service's storage hook with the storage event token, like a MinIO webhook target.
 */
export class StorageHookRelay {
  /** The hook's URL; unset until the service listens (events before that are dropped). */
  target: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: { bucket: string; token: string | undefined; storage: ObjectStorage }) {}

  relay(event: S3rverEvent): void {
    for (const record of event.Records ?? []) {
      const name = MINIO_NAMES[record.eventName];
      if (!name || record.s3.bucket.name !== this.options.bucket) continue;
      const delivery = this.deliver(name, record).catch((err: unknown) =>
        log.warn({ key: record.s3.object.key, err: err instanceof Error ? err.message : String(err) }, 'storage event not delivered to the hook'),
      );
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
  }

  /** Waits for the deliveries under way (each is bounded by its timeouts). */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async deliver(eventName: string, record: S3rverEvent['Records'][number]): Promise<void> {
    const target = this.target;
    if (!target) throw new Error('the service is not listening yet');
    const { key } = record.s3.object;
    // s3rver's event has no content type; MinIO's has the object's.
    const stat = await this.options.storage.statObject(key);
    if (!stat) return;
    const body = JSON.stringify(
      minioEventBody(
        eventName,
        this.options.bucket,
        {
          key,
          size: record.s3.object.size ?? stat.size,
          eTag: record.s3.object.eTag ?? '',
          contentType: stat.contentType ?? 'application/octet-stream',
          sequencer: record.s3.object.sequencer ?? '',
        },
        record.eventTime ?? new Date().toISOString(),
      ),
    );
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const answer = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
        await answer.body?.cancel();
        // Like MinIO: a 2xx or 4xx is an answer; only a 5xx or no answer is tried again.
        if (answer.status < 500) {
          if (answer.status >= 400) log.warn({ key, status: answer.status }, 'storage hook refused the event');
          return;
        }
        if (attempt >= ATTEMPTS) throw new Error(`storage hook answered ${answer.status}`);
      } catch (err) {
        if (attempt >= ATTEMPTS) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** (attempt - 1)));
    }
  }
}
