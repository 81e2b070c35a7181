import request from 'supertest';
import type { FakeLivekitServer } from '../fakes/livekit-server';
import { postLivekitWebhook } from '../fakes/livekit-webhook';
import { eventually, queryDb } from './flow';
import { LK_KEY, LK_SECRET } from './livekit-env';
import { bearer, type TestService, type TestUser } from './service';

/** Posts LiveKit webhook events to the service, signed as LiveKit signs them; each must be accepted. */
export async function deliver(svc: TestService, ...events: object[]): Promise<void> {
  for (const event of events) {
    const res = await postLivekitWebhook(`${svc.url}/api/v1.0/rooms/webhooks-livekit/`, event, { apiKey: LK_KEY, apiSecret: LK_SECRET });
    if (res.status !== 200) throw new Error(`webhook refused: ${res.status} ${res.body}`);
  }
}

/** GET /rooms/{room}/ as `user`; throws unless 200. */
export async function roomView(svc: TestService, user: TestUser, room: string): Promise<Record<string, any>> {
  const res = await request(svc.url).get(`/api/v1.0/rooms/${room}/`).set(bearer(user));
  if (res.status !== 200) throw new Error(`room view: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, any>;
}

export async function putPolicy(svc: TestService, user: TestUser, room: string, body: object) {
  return request(svc.url).put(`/api/v1.0/rooms/${room}/recording-policy/`).set(bearer(user)).send(body);
}

/** The participant joins in the fake LiveKit and LiveKit's participant_joined is delivered. */
export async function join(svc: TestService, livekit: FakeLivekitServer, room: string, identity: string, kind?: 'EGRESS' | 'AGENT' | 'SIP') {
  livekit.addParticipant(room, kind ? { identity, kind } : { identity });
  await deliver(svc, livekit.participantEvent(room, identity, 'participant_joined'));
}

export async function leave(svc: TestService, livekit: FakeLivekitServer, room: string, identity: string) {
  livekit.removeParticipant(room, identity);
  await deliver(svc, livekit.participantEvent(room, identity, 'participant_left'));
}

/** Jobs of a kind for a room, by status. */
export async function roomJobs(svc: TestService, kind: string, room: string): Promise<{ status: string; last_error: string | null }[]> {
  return queryDb(svc.db.url, `SELECT status, last_error FROM jobs WHERE kind = $1 AND payload->>'room' = $2 ORDER BY created_at`, [kind, room]);
}

/** Waits until no job of these kinds for the room is pending (the runner has decided them all). */
export async function settled(svc: TestService, room: string, kinds = ['room.auto-start', 'room.auto-stop']): Promise<void> {
  await eventually(
    async () => {
      const rows = await queryDb(svc.db.url, `SELECT 1 FROM jobs WHERE kind = ANY($1) AND payload->>'room' = $2 AND status = 'pending'`, [kinds, room]);
      return rows.length === 0;
    },
    15_000,
    `room jobs of ${room} settled`,
  );
}

export async function recordingsOf(svc: TestService, room: string): Promise<{ id: string; status: string; automatic: boolean; owner: string | null }[]> {
  return queryDb(
    svc.db.url,
    `SELECT r.id, r.status, r.automatic, a.user_sub AS owner FROM recordings r
       LEFT JOIN recording_accesses a ON a.recording_id = r.id AND a.role = 'owner'
      WHERE r.room = $1 ORDER BY r.created_at`,
    [room],
  );
}

/** The room composite egresses the fake LiveKit was asked to start for a room. */
export function compositeStarts(livekit: FakeLivekitServer, room: string): Record<string, any>[] {
  return livekit.requestsFor('StartRoomCompositeEgress').filter((r) => r.body.roomName === room).map((r) => r.body as Record<string, any>);
}
