import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { Client, CopyConditions } from 'minio';
import type { AppConfig } from '../config/config';
import { withTimeout } from '../util/with-timeout';
import { presignCreateOnlyPut, type PresignedPut } from './presigned-put';

type StorageSettings = NonNullable<AppConfig['storage']>;

/** The part size of multipart uploads (S3's minimum is 5 MiB). */
const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

/** The recordings bucket, through the official MinIO client; every call is bounded by a timeout. */
export class ObjectStorage {
  readonly client: Client;
  readonly bucket: string;

  private readonly timeoutMs: number;
  private readonly agent: http.Agent;

  constructor(readonly settings: StorageSettings) {
    this.timeoutMs = settings.timeoutMs;
    const url = new URL(settings.endpointUrl);
    const useSSL = url.protocol === 'https:';
    const agentOptions = { keepAlive: true, timeout: this.timeoutMs };
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: settings.accessKeyId,
      secretKey: settings.secretAccessKey,
      region: settings.region,
      pathStyle: true,
      // A streamed upload (the join's) holds one part in memory at a time: keep parts small.
      partSize: UPLOAD_PART_BYTES,
      transportAgent: (this.agent = useSSL ? new https.Agent(agentOptions) : new http.Agent(agentOptions)),
    });
    this.bucket = settings.bucket;
  }

  /** Closes the kept-alive connections (at shutdown). */
  close(): void {
    this.agent.destroy();
  }

  async removeObject(key: string): Promise<void> {
    await withTimeout(this.client.removeObject(this.bucket, key), this.timeoutMs, 'storage removeObject');
  }

  /** Size and content type of an object, or null when it does not exist. */
  async statObject(key: string): Promise<{ size: number; contentType: string | null } | null> {
    try {
      const stat = await withTimeout(this.client.statObject(this.bucket, key), this.timeoutMs, 'storage statObject');
      const meta = stat.metaData as Record<string, string | undefined>;
      return { size: stat.size, contentType: meta['content-type'] ?? null };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NotFound' || code === 'NoSuchKey') return null;
      throw err;
    }
  }

  /** Its user metadata (`x-amz-meta-*`, names lower case without the prefix), or null when it does not exist. */
  async objectMetadata(key: string): Promise<Record<string, string> | null> {
    try {
      const stat = await withTimeout(this.client.statObject(this.bucket, key), this.timeoutMs, 'storage statObject');
      const meta: Record<string, string> = {};
      for (const [name, value] of Object.entries(stat.metaData as Record<string, unknown>)) {
        if (typeof value === 'string') meta[name.toLowerCase().replace(/^x-amz-meta-/, '')] = value;
      }
      return meta;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NotFound' || code === 'NoSuchKey') return null;
      throw err;
    }
  }

  /** A server-side copy within the bucket (no bytes pass through the service). */
  async copyObject(fromKey: string, toKey: string): Promise<void> {
    await withTimeout(this.client.copyObject(this.bucket, toKey, `/${this.bucket}/${fromKey}`, new CopyConditions()), this.timeoutMs, 'storage copyObject');
  }

  /**
   * Uploads a stream of `size` bytes (a multipart upload above one part: memory holds one part),
   * bounded by `timeoutMs` in all.
   */
  async putStream(key: string, body: Readable, size: number, metadata: Record<string, string>, timeoutMs: number): Promise<void> {
    await withTimeout(this.client.putObject(this.bucket, key, body, size, metadata), timeoutMs, 'storage putObject');
  }

  /** Replaces the object's tags; false when there is no such object (nothing to tag yet). */
  async setObjectTags(key: string, tags: Record<string, string>): Promise<boolean> {
    return ifExists(withTimeout(this.client.setObjectTagging(this.bucket, key, tags), this.timeoutMs, 'storage setObjectTagging'));
  }

  /**
   * Removes every tag of the object; false when there is no such object. A storage without
   * DELETE ?tagging (it answers NotImplemented) gets an empty tag set instead, which is the same.
   */
  async removeObjectTags(key: string): Promise<boolean> {
    try {
      return await ifExists(
        withTimeout(this.client.removeObjectTagging(this.bucket, key, {} as { versionId: string }), this.timeoutMs, 'storage removeObjectTagging'),
      );
    } catch (err) {
      if (!isNotImplemented(err)) throw err;
      return this.setObjectTags(key, {});
    }
  }

  /** The object's bytes as a stream (the request bounded by the timeout; the stream by the agent's idle timeout). */
  async readStream(key: string): Promise<Readable> {
    return withTimeout(this.client.getObject(this.bucket, key), this.timeoutMs, 'storage getObject');
  }

  /** Every key under `prefix` (recursively), e.g. a recording's artifacts. */
  async listKeys(prefix: string): Promise<string[]> {
    const list = async () => {
      const keys: string[] = [];
      for await (const item of this.client.listObjectsV2(this.bucket, prefix, true) as AsyncIterable<{ name?: string }>) {
        if (item.name) keys.push(item.name);
      }
      return keys;
    };
    return withTimeout(list(), this.timeoutMs, 'storage listObjectsV2');
  }

  /** A pre-signed GET URL for one object, valid `expirySeconds` (signed locally by the MinIO client: the region is known). */
  async presignedGet(key: string, expirySeconds: number): Promise<string> {
    return withTimeout(this.client.presignedGetObject(this.bucket, key, expirySeconds), this.timeoutMs, 'storage presignedGetObject');
  }

  async bucketExists(): Promise<boolean> {
    return withTimeout(this.client.bucketExists(this.bucket), this.timeoutMs, 'storage bucketExists');
  }

  /**
   * A pre-signed PUT URL for one object that the upload must send with `If-None-Match: *`, so it
   * creates the object and never replaces it (Jibri's finalize script uploads with it).
   * Signed locally: no call to the storage.
   */
  presignedCreateOnlyPut(key: string, expirySeconds: number): PresignedPut {
    const { endpointUrl, region, accessKeyId, secretAccessKey } = this.settings;
    return presignCreateOnlyPut({ endpointUrl, region, accessKeyId, secretAccessKey, bucket: this.bucket, key, expiresSeconds: expirySeconds });
  }
}

export function isNotImplemented(err: unknown): boolean {
  return (err as { code?: string }).code === 'NotImplemented';
}

async function ifExists(call: Promise<void>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'NotFound' || code === 'NoSuchKey') return false;
    throw err;
  }
}

export function createObjectStorage(config: AppConfig): ObjectStorage | undefined {
  return config.storage ? new ObjectStorage(config.storage) : undefined;
}
