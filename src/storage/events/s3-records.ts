import { z } from 'zod';
import { decodeS3Key, type ParseResult } from './storage-event';

/** The part of the S3 event notification format (shared by MinIO and AWS) that the service reads. */
export const s3EventBody = z.object({
  Records: z
    .array(
      z.object({
        eventName: z.string().min(1).max(200),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1).max(255) }),
          object: z.object({
            key: z.string().min(1).max(2048),
            contentType: z.string().max(255).optional(),
            /** Bytes; read when it is a whole number, never a reason to refuse an event. */
            size: z.unknown().optional(),
          }),
        }),
      }),
    )
    .min(1)
    .max(100),
});

export type S3EventRecord = z.infer<typeof s3EventBody>['Records'][number];

/**
 * Validates the body and decodes each record's key; the flavours differ only in where the
 * content type comes from and how the event name is spelled.
 */
export function parseS3Records(
  body: unknown,
  flavour: { contentType(record: S3EventRecord, key: string): string | null; eventName?(name: string): string },
): ParseResult {
  const parsed = s3EventBody.safeParse(body);
  if (!parsed.success) return { ok: false, reason: 'not an S3 event notification' };
  const events = [];
  for (const record of parsed.data.Records) {
    const key = decodeS3Key(record.s3.object.key);
    if (key === null) return { ok: false, reason: 'object key is not valid URL encoding' };
    events.push({
      eventName: flavour.eventName ? flavour.eventName(record.eventName) : record.eventName,
      bucket: record.s3.bucket.name,
      key,
      contentType: flavour.contentType(record, key),
      size: objectSize(record.s3.object.size),
    });
  }
  return { ok: true, events };
}

function objectSize(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}
