import request from 'supertest';
import { loadConfig } from '../src/config/config';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { deliver, join, leave, putPolicy, roomView } from './helpers/rooms';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * Room activity from LiveKit's signed webhooks (the official SDK's signing, the real service on
 * real PostgreSQL): repeats, reordering and non-person participants never make the count wrong.
 */

const rooms = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'p1'];
const owner: TestUser = { sub: 'ra-owner', email: 'ra-owner@example.org', rooms: Object.fromEntries(rooms.map((r) => [r, 'owner'])) };
const member: TestUser = { sub: 'ra-member', rooms: Object.fromEntries(rooms.map((r) => [r, 'member'])) };
const stranger: TestUser = { sub: 'ra-stranger', rooms: {} };

let svc: TestService;
let livekit: FakeLivekitServer;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  // No reconciliation: what the API shows comes from the webhooks alone.
  svc = await startTestService({ ...fake.env, ROOM_RECONCILE_INTERVAL_MS: '0' });
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
});

const at = (createdAt: number) => ({ createdAt });

describe('activity from webhooks', () => {
  it('counts people: repeats change nothing, egress, agents and ingress do not count, SIP callers do', async () => {
    const room = livekit.createRoom('a1');
    const started = livekit.roomEvent('a1', 'room_started');
    await deliver(svc, started, started);
    expect(await roomView(svc, member, 'a1')).toEqual({
      room: 'a1',
      is_active: true,
      participants: 0,
      started_at: new Date(Number(room.creationTime) * 1000).toISOString(),
      recording: null,
      policy: null,
      recording_access: { members: 'none' },
    });

    livekit.addParticipant('a1', { identity: 'ada' });
    const adaJoined = livekit.participantEvent('a1', 'ada', 'participant_joined');
    await deliver(svc, adaJoined, adaJoined, adaJoined);
    await join(svc, livekit, 'a1', 'EG_recorder', 'EGRESS');
    await join(svc, livekit, 'a1', 'agent-1', 'AGENT');
    await join(svc, livekit, 'a1', 'phone-1', 'SIP');
    livekit.addParticipant('a1', { identity: 'obs-feed', kind: 'INGRESS' });
    await deliver(svc, livekit.participantEvent('a1', 'obs-feed', 'participant_joined'));
    expect((await roomView(svc, member, 'a1')).participants).toBe(2);

    // A participant_left for someone never seen, and the egress leaving, change nothing.
    livekit.addParticipant('a1', { identity: 'ghost' });
    livekit.removeParticipant('a1', 'ghost');
    await deliver(svc, livekit.participantEvent('a1', 'ghost', 'participant_left'));
    await leave(svc, livekit, 'a1', 'EG_recorder');
    expect((await roomView(svc, member, 'a1')).participants).toBe(2);

    livekit.removeParticipant('a1', 'ada');
    const adaLeft = livekit.participantEvent('a1', 'ada', 'participant_left');
    await deliver(svc, adaLeft, adaLeft);
    await leave(svc, livekit, 'a1', 'phone-1');
    // The same departure again under another id (a second delivery path): never below zero.
    await deliver(svc, { ...adaLeft, id: 'EV_otherDelivery' });
    expect((await roomView(svc, member, 'a1')).participants).toBe(0);
  });

  it('a departure delivered before its join, or an old session leaving after a rejoin, changes nothing', async () => {
    livekit.createRoom('a2');
    livekit.addParticipant('a2', { identity: 'bob' });
    const bobJoined = livekit.participantEvent('a2', 'bob', 'participant_joined', at(1000));
    livekit.removeParticipant('a2', 'bob');
    const bobLeft = livekit.participantEvent('a2', 'bob', 'participant_left', at(1050));
    // Carol's first session joins and leaves; her second session joins later.
    livekit.addParticipant('a2', { identity: 'carol' });
    const carol1Joined = livekit.participantEvent('a2', 'carol', 'participant_joined', at(1000));
    livekit.removeParticipant('a2', 'carol');
    const carol1Left = livekit.participantEvent('a2', 'carol', 'participant_left', at(1100));
    livekit.addParticipant('a2', { identity: 'carol' });
    const carol2Joined = livekit.participantEvent('a2', 'carol', 'participant_joined', at(1200));
    // Dan leaves and joins again within the same second: his new session is present.
    livekit.addParticipant('a2', { identity: 'dan' });
    const dan1Joined = livekit.participantEvent('a2', 'dan', 'participant_joined', at(1300));
    livekit.removeParticipant('a2', 'dan');
    const dan1Left = livekit.participantEvent('a2', 'dan', 'participant_left', at(1300));
    livekit.addParticipant('a2', { identity: 'dan' });
    const dan2Joined = livekit.participantEvent('a2', 'dan', 'participant_joined', at(1300));

    await deliver(svc, bobLeft, carol2Joined, dan2Joined, bobJoined, carol1Left, dan1Left, carol1Joined, dan1Joined, bobLeft);
    const view = await roomView(svc, member, 'a2');
    expect(view.participants).toBe(2); // carol and dan, each in their latest session
    expect(view.is_active).toBe(true); // a join says the room is live even when room_started is late

    // In order, the same history gives the same answer.
    livekit.createRoom('a3');
    const events = [bobJoined, bobLeft, carol1Joined, carol1Left, carol2Joined, dan1Joined, dan1Left, dan2Joined].map((e) => ({
      ...e,
      id: `${String(e.id)}-a3`,
      room: { ...(e.room as object), name: 'a3' },
    }));
    await deliver(svc, ...events);
    expect((await roomView(svc, member, 'a3')).participants).toBe(2);
  });

  it('room_finished ends the room and its presences; late events of that session do not revive it', async () => {
    livekit.createRoom('a4');
    const started = livekit.roomEvent('a4', 'room_started', at(2000));
    livekit.addParticipant('a4', { identity: 'eve' });
    const eveJoined = livekit.participantEvent('a4', 'eve', 'participant_joined', at(2010));
    livekit.addParticipant('a4', { identity: 'frank' });
    const frankJoined = livekit.participantEvent('a4', 'frank', 'participant_joined', at(2020));
    livekit.deleteRoom('a4');
    const finished = livekit.roomEvent('a4', 'room_finished', at(2100));

    await deliver(svc, started, eveJoined);
    expect((await roomView(svc, member, 'a4')).participants).toBe(1);
    await deliver(svc, finished, frankJoined, started);
    expect(await roomView(svc, member, 'a4')).toMatchObject({ is_active: false, participants: 0, started_at: null });

    // The next session of the room starts afresh.
    livekit.createRoom('a4');
    await deliver(svc, livekit.roomEvent('a4', 'room_started'));
    await join(svc, livekit, 'a4', 'eve');
    expect(await roomView(svc, member, 'a4')).toMatchObject({ is_active: true, participants: 1 });
  });

  it('ignores events without a room or a participant, and events of other rooms stay apart', async () => {
    await deliver(svc, { event: 'participant_joined', id: 'EV_noRoom', createdAt: '5' });
    await deliver(svc, { event: 'participant_joined', id: 'EV_noOne', createdAt: '5', room: { name: 'a5', sid: 'RM_x' } });
    await join(svc, livekit, 'a6', 'gina');
    expect((await roomView(svc, member, 'a5')).participants).toBe(0);
    expect((await roomView(svc, member, 'a6')).participants).toBe(1);
  });
});

describe('who may see and set what', () => {
  it('any room role sees the room; only owners and administrators set its policy', async () => {
    expect((await request(svc.url).get('/api/v1.0/rooms/p1/').set(bearer(member))).status).toBe(200);
    expect((await request(svc.url).get('/api/v1.0/rooms/p1/').set(bearer(stranger))).status).toBe(403);
    expect((await request(svc.url).get('/api/v1.0/rooms/p1/')).status).toBe(401);

    const body = { trigger: 'automatic', mode: 'screen_recording' };
    const refused = await putPolicy(svc, member, 'p1', body);
    expect([refused.status, refused.body.detail]).toEqual([403, expect.stringMatching(/owners and administrators/)]);
    expect((await request(svc.url).delete('/api/v1.0/rooms/p1/recording-policy/').set(bearer(member))).status).toBe(403);
    expect((await roomView(svc, member, 'p1')).policy).toBeNull();

    const admin: TestUser = { sub: 'ra-admin', email: 'admin@example.org', name: 'Ada Admin', locale: 'fr-FR', zoneinfo: 'Europe/Paris', rooms: { p1: 'administrator' } };
    const put = await putPolicy(svc, admin, 'p1', { ...body, options: { layout: 'grid' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      room: 'p1',
      trigger: 'automatic',
      mode: 'screen_recording',
      options: { layout: 'grid' },
      author: { sub: 'ra-admin', name: 'Ada Admin' },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await roomView(svc, member, 'p1')).policy).toEqual(put.body);
    // The author's address is kept for the emails, never shown.
    expect(JSON.stringify(await roomView(svc, member, 'p1'))).not.toContain('admin@example.org');

    expect((await request(svc.url).delete('/api/v1.0/rooms/p1/recording-policy/').set(bearer(owner))).status).toBe(204);
    expect((await roomView(svc, member, 'p1')).policy).toBeNull();
  });

  it.each([
    [{ trigger: 'sometimes', mode: 'screen_recording' }, /trigger/],
    [{ trigger: 'automatic', mode: 'nope' }, /Unknown mode "nope"/],
    [{ trigger: 'automatic' }, /mode/],
    [{ trigger: 'automatic', mode: 'screen_recording', options: { colour: 'red' } }, /options/],
    [{ trigger: 'automatic', mode: 'screen_recording', options: { layout: 'mosaic' } }, /options\.layout/],
    [{ trigger: 'automatic', mode: 'transcript', options: { layout: 'grid' } }, /layouts apply to LiveKit video modes only/],
    [{ trigger: 'automatic', mode: 'screen_recording', extra: true }, /body/],
  ])('refuses %j with 400 and keeps the policy as it was', async (body, detail) => {
    const res = await putPolicy(svc, owner, 'p1', body);
    expect([res.status, res.body.detail]).toEqual([400, expect.stringMatching(detail)]);
    expect((await roomView(svc, member, 'p1')).policy).toBeNull();
  });

  it('refuses a bad room name with 400', async () => {
    expect((await request(svc.url).get('/api/v1.0/rooms/bad%20room/').set(bearer(owner))).status).toBe(400);
  });
});

describe('reconciliation from ListParticipants', () => {
  it('corrects the count when webhooks were lost', async () => {
    const fake = await startFakeLivekit();
    const other = await startTestService({ ...fake.env, ROOM_RECONCILE_INTERVAL_MS: '100' });
    try {
      const user: TestUser = { sub: 'rc', rooms: { lost: 'member' } };
      await join(other, fake.livekit, 'lost', 'ann');
      await join(other, fake.livekit, 'lost', 'ben');
      // Both leave and a third joins, beside the recorder, and LiveKit's webhooks never arrive.
      fake.livekit.removeParticipant('lost', 'ann');
      fake.livekit.removeParticipant('lost', 'ben');
      fake.livekit.addParticipant('lost', { identity: 'cat' });
      fake.livekit.addParticipant('lost', { identity: 'EG_rec', kind: 'EGRESS' });
      await eventually(async () => (await roomView(other, user, 'lost')).participants === 1, 10_000, 'count corrected');
      expect(fake.livekit.requestsFor('ListParticipants').every((r) => r.authorized)).toBe(true);
      // A later webhook still applies on top of the correction.
      await leave(other, fake.livekit, 'lost', 'cat');
      await eventually(async () => (await roomView(other, user, 'lost')).participants === 0, 10_000, 'count after the webhook');
    } finally {
      await other.close();
      await fake.livekit.close();
    }
  });
});

describe('settings', () => {
  it('AUTO_STOP_GRACE_SECONDS defaults to 60 and a bad value names the variable', () => {
    expect(loadConfig({}).rooms.autoStopGraceMs).toBe(60_000);
    expect(loadConfig({ AUTO_STOP_GRACE_SECONDS: '5' }).rooms.autoStopGraceMs).toBe(5_000);
    expect(() => loadConfig({ AUTO_STOP_GRACE_SECONDS: 'soon' })).toThrow(/^AUTO_STOP_GRACE_SECONDS: /);
    expect(() => loadConfig({ AUTO_START_RETRY_BASE_MS: '-1' })).toThrow(/^AUTO_START_RETRY_BASE_MS: /);
    expect(() => loadConfig({ ROOM_RECONCILE_INTERVAL_MS: 'x' })).toThrow(/^ROOM_RECONCILE_INTERVAL_MS: /);
  });
});
