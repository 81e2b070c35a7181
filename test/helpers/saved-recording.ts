import request from 'supertest';
import { storeEvent } from './minio-events';
import type { TestS3 } from './s3';
import { bearer, type TestUser } from './service';

export interface SavedRecording {
  id: string;
  room: string;
  /** `{RECORDING_OUTPUT_FOLDER}/{id}.{ext}` */
  key: string;
  /** `/media/{key}` */
  mediaPath: string;
  bytes: Buffer;
}

/**
 * A recording made through the API (start, stop: a fake LiveKit behind the service), its file
 * put in s3rver and marked saved by the MinIO event the bucket would send.
 */
export async function savedRecording(
  serviceUrl: string,
  s3: TestS3,
  owner: TestUser,
  room: string,
  media: { bytes: Buffer; contentType: string },
  mode = 'screen_recording',
): Promise<SavedRecording> {
  const start = await request(serviceUrl).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode });
  if (start.status !== 201) throw new Error(`start failed: ${start.status} ${JSON.stringify(start.body)}`);
  const stop = await request(serviceUrl).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner)).send();
  if (stop.status !== 200) throw new Error(`stop failed: ${stop.status} ${JSON.stringify(stop.body)}`);
  const key = start.body.key as string;
  await s3.putObject(key, media.bytes, media.contentType);
  const message = await storeEvent(serviceUrl, s3.bucket, key, { size: media.bytes.length, contentType: media.contentType });
  if (message !== 'Event processed.') throw new Error(`storage event not processed: ${message}`);
  return { id: start.body.id as string, room, key, mediaPath: `/media/${key}`, bytes: media.bytes };
}
