import { parseS3Records } from './s3-records';
import type { ParseResult } from './storage-event';

/** MinIO webhook events: the content type comes from the event itself. */
export function parseMinioEvent(body: unknown): ParseResult {
  return parseS3Records(body, {
    contentType: (record) => record.s3.object.contentType?.split(';')[0]?.trim().toLowerCase() ?? null,
  });
}
