/** One object-created notification, whatever storage sent it. */
export interface StorageObjectEvent {
  eventName: string;
  bucket: string;
  /** The object key, URL-decoded. */
  key: string;
  /** The object's content type when the event carries it (MinIO), else derived from the extension (AWS). */
  contentType: string | null;
  /** The object's size in bytes, when the event says. */
  size: number | null;
}

export type ParseResult = { ok: true; events: StorageObjectEvent[] } | { ok: false; reason: string };

export type StorageEventParser = (body: unknown) => ParseResult;

/** S3 event keys are URL-encoded with `+` for spaces; a key that does not decode is malformed. */
export function decodeS3Key(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
