import { s3EventBody } from './s3-records';
import { decodeS3Key, type ParseResult } from './storage-event';

const TYPE_BY_EXTENSION: Record<string, string> = { mp4: 'video/mp4', ogg: 'audio/ogg' };

/** AWS S3 events carry no content type: it follows from the key's extension. */
export function parseAwsEvent(body: unknown): ParseResult {
  const parsed = s3EventBody.safeParse(body);
  if (!parsed.success) return { ok: false, reason: 'not an S3 event notification' };
  const events = [];
  for (const record of parsed.data.Records) {
    const key = decodeS3Key(record.s3.object.key);
    if (key === null) return { ok: false, reason: 'object key is not valid URL encoding' };
    const ext = /\.([a-z0-9]+)$/i.exec(key)?.[1]?.toLowerCase();
    events.push({
      eventName: record.eventName.startsWith('s3:') ? record.eventName : `s3:${record.eventName}`,
      bucket: record.s3.bucket.name,
      key,
      contentType: (ext && TYPE_BY_EXTENSION[ext]) ?? null,
    });
  }
  return { ok: true, events };
}
