import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { TestService } from './service';

/** What the tests' Jitsi sends: its event_sync token and the domain its recorders log in on. */
export const JITSI_TOKEN = 'jitsi-events-token-for-tests-0123456789';
export const HIDDEN_DOMAIN = 'recorder.meet.example.org';
export const JITSI_ENV = { JITSI_EVENTS_TOKEN: JITSI_TOKEN, JITSI_HIDDEN_DOMAIN: HIDDEN_DOMAIN };

export const JITSI_FIXTURES = path.resolve(__dirname, '../fixtures/jitsi');
export type JitsiPath = 'room/created' | 'room/destroyed' | 'occupant/joined' | 'occupant/left';

/** A fixture body as event_sync sends it, moved to `room` (its name and JID) and patched. */
export function jitsiBody(fixture: string, room?: string, patch: Record<string, unknown> = {}): Record<string, any> {
  const body = JSON.parse(readFileSync(path.join(JITSI_FIXTURES, `${fixture}.json`), 'utf8')) as Record<string, any>;
  if (room !== undefined) Object.assign(body, { room_name: room, room_jid: `${room}@conference.meet.example.org` });
  return { ...body, ...patch };
}

/** A person's connection (full JID on the main domain) or a recorder's (on the hidden domain). */
export function person(name: string): string {
  return `${name}@meet.example.org/res-${name}`;
}
export function recorder(name: string): string {
  return `${name}@${HIDDEN_DOMAIN}/rec-${name}`;
}

/** An occupant/joined or occupant/left body of `room` for `jid` (a breakout's when `breakout` is given). */
export function occupantBody(joined: boolean, room: string, jid: string, times: { joinedAt: number; leftAt?: number }, breakout?: string): Record<string, any> {
  const occupant: Record<string, unknown> = { occupant_jid: jid, joined_at: times.joinedAt };
  if (!joined) occupant.left_at = times.leftAt ?? times.joinedAt;
  return {
    event_name: joined ? 'muc-occupant-joined' : 'muc-occupant-left',
    room_name: room,
    room_jid: `${room}@conference.meet.example.org`,
    is_breakout: breakout !== undefined,
    ...(breakout !== undefined ? { breakout_room_id: breakout } : {}),
    active_occupants_count: 1,
    occupant,
  };
}

/** POSTs a body to an event_sync path as Prosody does (JSON, the configured bearer token). */
export function postJitsi(svc: TestService, eventPath: JitsiPath | string, body: unknown, token: string | null = JITSI_TOKEN) {
  const req = request(svc.url).post(`/api/v1.0/rooms/webhooks-jitsi/events/${eventPath}`).set('Content-Type', 'application/json');
  if (token !== null) req.set('Authorization', `Bearer ${token}`);
  return req.send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** POSTs each body and expects the 200 event_sync needs to not retry. */
export async function sendJitsi(svc: TestService, ...events: [JitsiPath, unknown][]): Promise<void> {
  for (const [eventPath, body] of events) {
    const res = await postJitsi(svc, eventPath, body);
    if (res.status !== 200) throw new Error(`${eventPath} refused: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
