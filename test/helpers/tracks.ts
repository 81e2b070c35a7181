import request from 'supertest';
import type { FakeLivekitServer } from '../fakes/livekit-server';
import { postLivekitWebhook } from '../fakes/livekit-webhook';
import { LK_KEY, LK_SECRET } from './livekit-env';
import { bearer, type TestUser } from './service';

/**
 * Participant tracks in tests: a room filled on the fake LiveKit and the webhooks LiveKit would
 * post (the MinIO events for a recording's files are in minio-events.ts).
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
