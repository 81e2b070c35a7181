import { parseS3Records } from './s3-records';
import type { ParseResult } from './storage-event';

const TYPE_BY_EXTENSION: Record<string, string> = { mp4: 'video/mp4', ogg: 'audio/ogg' };

/** AWS S3 events carry no content type: it follows from the key's extension. AWS names events without the `s3:` prefix. */
export function parseAwsEvent(body: unknown): ParseResult {
  return parseS3Records(body, {
    contentType: (_record, key) => {
      const ext = /\.([a-z0-9]+)$/i.exec(key)?.[1]?.toLowerCase();
      return (ext && TYPE_BY_EXTENSION[ext]) ?? null;
    },
    eventName: (name) => (name.startsWith('s3:') ? name : `s3:${name}`),
  });
}
