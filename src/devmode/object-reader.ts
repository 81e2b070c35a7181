import { Readable } from 'node:stream';
import type { ObjectStorage } from '../storage/object-storage';
import { withTimeout } from '../util/with-timeout';

/**
 * Exactly `count` bytes of `source`, then it is closed. A store that sends more than the range
 * (s3rver answers `bytes=0-0` with the whole file) cannot overrun the Content-Length already
 * sent; one that sends fewer fails the stream, so the response is cut rather than short.
 */
async function* exactly(source: Readable, count: number): AsyncGenerator<Buffer> {
  let left = count;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const part = chunk.subarray(0, left);
    left -= part.length;
    if (part.length > 0) yield part;
    if (left === 0) return;
  }
  throw new Error(`the storage sent ${count - left} of ${count} bytes`);
}

/**
 * Opens an object of the bucket as a stream, whole or one byte range (the MinIO client's
 * getObject / getPartialObject): nothing is buffered, the bytes flow as the storage sends them.
 * Opening is bounded by the storage timeout; the storage's HTTP agent bounds every silence after.
 */
export async function openObject(storage: ObjectStorage, key: string, range?: { start: number; end: number }): Promise<Readable> {
  const opening = range
    ? storage.client.getPartialObject(storage.bucket, key, range.start, range.end - range.start + 1)
    : storage.client.getObject(storage.bucket, key);
  const source = await withTimeout(opening, storage.settings.timeoutMs, 'storage getObject').catch((err: unknown) => {
    // Opened after all, too late: nobody reads it.
    opening.then((late) => late.destroy(), () => undefined);
    throw err;
  });
  return range ? Readable.from(exactly(source, range.end - range.start + 1), { objectMode: false }) : source;
}
