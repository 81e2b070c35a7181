import { postStorageEvent } from './flow';

/**
 * The bucket notifications MinIO posts to the storage hook, built in one place for every test.
 * (test/fixtures/minio holds captured ones for the tests that need an exact payload.)
 */

export interface MinioEventOptions {
  /** Object size in bytes; default 1024. */
  size?: number;
  /** A multipart upload's completion instead of a plain PUT. */
  multipart?: boolean;
  /** Default: audio/ogg for `.ogg` keys, video/mp4 otherwise. */
  contentType?: string;
}

/** A MinIO object-created event for `key` as MinIO posts it: the key URL-encoded, optionally multipart. */
export function minioEvent(bucket: string, key: string, options: MinioEventOptions = {}) {
  const eventName = options.multipart ? 's3:ObjectCreated:CompleteMultipartUpload' : 's3:ObjectCreated:Put';
  const contentType = options.contentType ?? (key.endsWith('.ogg') ? 'audio/ogg' : 'video/mp4');
  return {
    EventName: eventName,
    Key: `${bucket}/${key}`,
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'minio:s3',
        eventName,
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: bucket },
          object: { key: encodeURIComponent(key), size: options.size ?? 1024, contentType, userMetadata: { 'content-type': contentType } },
        },
      },
    ],
  };
}

/** Posts minioEvent(...) to the service's storage hook; throws unless it answers 200, else returns its message. */
export async function storeEvent(serviceUrl: string, bucket: string, key: string, options?: MinioEventOptions): Promise<string> {
  const res = await postStorageEvent(serviceUrl, minioEvent(bucket, key, options));
  if (res.status !== 200) throw new Error(`storage hook answered ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { message: string }).message;
}
