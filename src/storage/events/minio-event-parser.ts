import { s3EventBody } from './s3-records';
import { decodeS3Key, type ParseResult } from './storage-event';

/** MinIO webhook events: the content type comes from the event itself. */
export function parseMinioEvent(body: unknown): ParseResult {
  const parsed = s3EventBody.safeParse(body);
  if (!parsed.success) return { ok: false, reason: 'not an S3 event notification' };
  const events = [];
  for (const record of parsed.data.Records) {
    const key = decodeS3Key(record.s3.object.key);
    if (key === null) return { ok: false, reason: 'object key is not valid URL encoding' };
    events.push({
      eventName: record.eventName,
      bucket: record.s3.bucket.name,
      key,
      contentType: record.s3.object.contentType?.split(';')[0]?.trim().toLowerCase() ?? null,
    });
  }
  return { ok: true, events };
}
