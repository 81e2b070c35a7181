import request from 'supertest';
import type { FakeLivekitServer } from '../fakes/livekit-server';
import { postLivekitWebhook } from '../fakes/livekit-webhook';
import { postStorageEvent } from './flow';
import { LK_KEY, LK_SECRET } from './livekit-env';
import { bearer, type TestUser } from './service';

/**
 * Participant tracks in tests: a room filled on the fake LiveKit, the webhooks LiveKit would
 * post, and the MinIO events for a recording's files.
 */

export interface SeededRoom {
  /** Microphone track ids by participant identity (the egress participant's is among them). */
  tracks: Record<string, string>;
}

/** Participants who each publish a microphone (and optionally a camera) in `room`; `egress` joins as an EGRESS participant. */
export function seedRoom(livekit: FakeLivekitServer, room: string, people: { identity: string; name?: string; kind?: 'EGRESS' | 'INGRESS'; camera?: boolean }[]): SeededRoom {
  const tracks: Record<string, string> = {};
  for (const p of people) {
    livekit.addParticipant(room, { identity: p.identity, name: p.name ?? p.identity, ...(p.kind ? { kind: p.kind } : {}) });
    tracks[p.identity] = livekit.publishTrack(room, p.identity).sid;
    if (p.camera) livekit.publishTrack(room, p.identity, { source: 'CAMERA' });
  }
  return { tracks };
}

export async function startWithTracks(url: string, user: TestUser, room: string, mode = 'screen_recording') {
  return request(url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(user)).send({ mode, options: { participant_tracks: 'audio' } });
}

/** Posts a webhook event, signed as LiveKit signs it, to the service. */
export async function postWebhook(serviceUrl: string, event: object): Promise<{ status: number; body: string }> {
  return postLivekitWebhook(`${serviceUrl}/api/v1.0/rooms/webhooks-livekit/`, event, { apiKey: LK_KEY, apiSecret: LK_SECRET });
}

/** A MinIO object-created event for `key` as MinIO posts it: URL-encoded, optionally multipart and under a parent folder. */
export function minioEvent(bucket: string, key: string, options: { size?: number; multipart?: boolean; contentType?: string } = {}) {
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

export async function storeEvent(serviceUrl: string, bucket: string, key: string, options?: Parameters<typeof minioEvent>[2]): Promise<string> {
  const res = await postStorageEvent(serviceUrl, minioEvent(bucket, key, options));
  if (res.status !== 200) throw new Error(`storage hook answered ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { message: string }).message;
}
