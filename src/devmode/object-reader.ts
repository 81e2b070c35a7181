import type { Readable } from 'node:stream';
import type { ObjectStorage } from '../storage/object-storage';
import { withTimeout } from '../util/with-timeout';

/**
 * Opens an object of the bucket as a stream, whole or one byte range (the MinIO client's
 * getObject / getPartialObject): nothing is buffered, the bytes flow as the storage sends them.
 * Opening is bounded by the storage timeout; the storage's HTTP agent bounds every silence after.
 */
export function openObject(storage: ObjectStorage, key: string, range?: { start: number; end: number }): Promise<Readable> {
  const opening = range
    ? storage.client.getPartialObject(storage.bucket, key, range.start, range.end - range.start + 1)
    : storage.client.getObject(storage.bucket, key);
  return withTimeout(opening, storage.settings.timeoutMs, 'storage getObject').catch((err: unknown) => {
    // Opened after all, too late: nobody reads it.
    opening.then((late) => late.destroy(), () => undefined);
    throw err;
  });
}
