import type { Readable } from 'node:stream';
import { withTimeout } from '../util/with-timeout';
import type { ObjectStorage } from './object-storage';

/** Whole small objects in the bucket (artifacts: at most ARTIFACT_MAX_BYTES), every call bounded by the storage timeout. */
export class ArtifactObjects {
  constructor(private readonly storage: ObjectStorage) {}

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await withTimeout(this.storage.client.putObject(this.storage.bucket, key, body, body.length, { 'Content-Type': contentType }), this.storage.settings.timeoutMs, 'storage putObject');
  }

  /** The object's bytes as a stream (the caller pipes it on), or null when there is none. */
  async get(key: string): Promise<Readable | null> {
    try {
      return await withTimeout(this.storage.client.getObject(this.storage.bucket, key), this.storage.settings.timeoutMs, 'storage getObject');
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NotFound' || code === 'NoSuchKey') return null;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    await this.storage.removeObject(key);
  }
}
