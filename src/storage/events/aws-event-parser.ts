import { CONTENT_TYPES, isFileExtension } from '../content-types';
import { parseS3Records } from './s3-records';
import type { ParseResult } from './storage-event';

/** AWS S3 events carry no content type: it follows from the key's extension. AWS names events without the `s3:` prefix. */
export function parseAwsEvent(body: unknown): ParseResult {
  return parseS3Records(body, {
    contentType: (_record, key) => {
      const ext = /\.([a-z0-9]+)$/i.exec(key)?.[1]?.toLowerCase();
      return ext && isFileExtension(ext) ? CONTENT_TYPES[ext][0] : null;
    },
    eventName: (name) => (name.startsWith('s3:') ? name : `s3:${name}`),
  });
}
