import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { loadConfig } from '../src/config/config';
import { eventually, jobsSettled } from './helpers/flow';
import { HIDDEN_DOMAIN, JITSI_ENV, JITSI_FIXTURES, JITSI_TOKEN, jitsiBody, occupantBody, person, postJitsi, recorder, sendJitsi } from './helpers/jitsi';
import { startFakeLivekit } from './helpers/livekit-env';
import { join, roomView } from './helpers/rooms';
import { startTestService, type TestService, type TestUser } from './helpers/service';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

/**
 * Prosody's event_sync component posting to the real service: its token, its four bodies (the
 * fixtures are what it sends) feeding the room view and room.* events, bad input refused with
 * a 4xx it does not retry.
 */

const ROOMS = ['weekly-sync', 'j-hidden', 'j-out-of-order', 'j-late-created'];
const member: TestUser = { sub: 'jitsi-member', rooms: Object.fromEntries(ROOMS.map((r) => [r, 'member'])) };

let svc: TestService;
let receiver: TestWebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  svc = await startTestService({ ...JITSI_ENV, WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: receiver.secret, JOBS_POLL_INTERVAL_MS: '50' });
});
afterAll(async () => {
  await svc?.close();
  await receiver?.stop();
});

describe('fixture copies', () => {
  // TEST_CONTRACT_FIXTURES: a folder of the contract's own sample payloads, to compare the copies with.
  it('test/fixtures/jitsi matches the contract fixtures in TEST_CONTRACT_FIXTURES byte for byte when it is set', () => {
    const shared = process.env.TEST_CONTRACT_FIXTURES && path.join(process.env.TEST_CONTRACT_FIXTURES, 'jitsi');
    if (!shared || !existsSync(shared)) return;
    const names = readdirSync(shared).sort();
    expect(readdirSync(JITSI_FIXTURES).sort()).toEqual(names);
    for (const name of names) expect(readFileSync(path.join(JITSI_FIXTURES, name)).equals(readFileSync(path.join(shared, name)))).toBe(true);
  });
});

describe('the four bodies', () => {
  it('drive the room view; the recorder does not count; repeats change nothing; room.started and room.finished once each', async () => {
    receiver.clear();
    const created = jitsiBody('room-created');
    await sendJitsi(svc, ['room/created', created], ['room/created', created]);
    expect(await roomView(svc, member, 'weekly-sync')).toEqual({
      room: 'weekly-sync',
      is_active: true,
      participants: 0,
      started_at: new Date(created.created_at * 1000).toISOString(),
      recording: null,
      policy: null,
      recording_access: { members: 'none' },
    });
    const joined = jitsiBody('occupant-joined');
    await sendJitsi(svc, ['occupant/joined', joined], ['occupant/joined', joined], ['occupant/joined', jitsiBody('occupant-joined-recorder')]);
    expect((await roomView(svc, member, 'weekly-sync')).participants).toBe(1);
    // Bob enters a breakout room of weekly-sync: a participant of the main room too.
    await sendJitsi(svc, ['occupant/joined', jitsiBody('occupant-joined-breakout')]);
    expect((await roomView(svc, member, 'weekly-sync')).participants).toBe(2);
    const left = jitsiBody('occupant-left');
    await sendJitsi(svc, ['occupant/left', left], ['occupant/left', left]);
    expect((await roomView(svc, member, 'weekly-sync')).participants).toBe(1);
    const destroyed = jitsiBody('room-destroyed');
    await sendJitsi(svc, ['room/destroyed', destroyed], ['room/destroyed', destroyed]);
    expect(await roomView(svc, member, 'weekly-sync')).toMatchObject({ is_active: false, participants: 0, started_at: null });
    // A late retry of a join of that session does not revive it.
    await sendJitsi(svc, ['occupant/joined', joined]);
    expect(await roomView(svc, member, 'weekly-sync')).toMatchObject({ is_active: false, participants: 0 });

    await receiver.waitForDeliveries(2);
    await jobsSettled(svc.db.url, 'webhook.%');
    const events = receiver.deliveries.filter((d) => d.body.data.room === 'weekly-sync');
    expect(events.map((d) => d.type)).toEqual(['room.started', 'room.finished']);
    expect(events[0]!.body.data).toMatchObject({ started_at: new Date(created.created_at * 1000).toISOString() });
    expect(events[1]!.body.data).toMatchObject({ finished_at: new Date(destroyed.destroyed_at * 1000).toISOString() });
  });

  it('counts nobody on the hidden domain, whatever their name; people on other domains count', async () => {
    const t = 1796600000;
    await sendJitsi(
      svc,
      ['room/created', jitsiBody('room-created', 'j-hidden', { created_at: t })],
      ['occupant/joined', occupantBody(true, 'j-hidden', recorder('jibri-2'), { joinedAt: t + 1 })],
      ['occupant/joined', occupantBody(true, 'j-hidden', `guest@guest.meet.example.org/x`, { joinedAt: t + 2 })],
      ['occupant/joined', occupantBody(true, 'j-hidden', `someone@${HIDDEN_DOMAIN.toUpperCase()}/y`, { joinedAt: t + 3 })],
    );
    expect((await roomView(svc, member, 'j-hidden')).participants).toBe(1);
  });

  it('applies a departure that overtakes its join, and a join before room/created', async () => {
    const t = 1796610000;
    const alice = { joinedAt: t + 5, leftAt: t + 50 };
    await sendJitsi(svc, ['occupant/left', occupantBody(false, 'j-out-of-order', person('alice'), alice)]);
    await sendJitsi(svc, ['occupant/joined', occupantBody(true, 'j-out-of-order', person('alice'), alice)]);
    expect((await roomView(svc, member, 'j-out-of-order')).participants).toBe(0);
    await sendJitsi(svc, ['occupant/joined', occupantBody(true, 'j-out-of-order', person('bob'), { joinedAt: t + 60 })]);
    expect(await roomView(svc, member, 'j-out-of-order')).toMatchObject({ is_active: true, participants: 1 });
  });
});

describe('room events, whatever the order', () => {
  it('announces room.started and room.finished once each when the first join overtakes room/created', async () => {
    receiver.clear();
    const room = 'j-late-created';
    const t = 1796630000;
    await sendJitsi(svc, ['occupant/joined', occupantBody(true, room, person('alice'), { joinedAt: t + 1 })]);
    await sendJitsi(svc, ['room/created', jitsiBody('room-created', room, { created_at: t })]);
    expect(await roomView(svc, member, room)).toMatchObject({ is_active: true, participants: 1 });
    await sendJitsi(svc, ['room/destroyed', jitsiBody('room-destroyed', room, { created_at: t, destroyed_at: t + 60 })]);
    await receiver.waitForDeliveries(2);
    await jobsSettled(svc.db.url, 'webhook.%');
    expect(receiver.deliveries.filter((d) => d.body.data.room === room).map((d) => d.type)).toEqual(['room.started', 'room.finished']);
  });
});

describe('bad input', () => {
  const joined = () => jitsiBody('occupant-joined', 'weekly-sync');

  it('refuses a missing or wrong token with 401, whatever the body', async () => {
    for (const token of [null, 'wrong-token-of-the-same-kind-0123', `${JITSI_TOKEN}x`, '']) {
      const res = await postJitsi(svc, 'occupant/joined', joined(), token);
      expect([res.status, res.body.detail]).toEqual([401, expect.stringContaining('JITSI_EVENTS_TOKEN') as unknown]);
    }
    const basic = await postJitsi(svc, 'occupant/joined', joined(), null).set('Authorization', `Basic ${JITSI_TOKEN}`);
    expect(basic.status).toBe(401);
    expect((await postJitsi(svc, 'room/created', 'not json', null)).status).toBe(401);
    // Counted by path (never by what a body says), as /metrics shows.
    const metrics = (await request(svc.url).get('/metrics')).text;
    expect(metrics).toMatch(/^recorder_jitsi_events_total\{event="occupant\/joined",outcome="unauthorized"\} 5$/m);
    expect(metrics).toMatch(/^recorder_jitsi_events_total\{event="room\/created",outcome="unauthorized"\} 1$/m);
  });

  it('answers malformed bodies and unknown room name formats 400, unknown event names 200', async () => {
    const bad: [string, unknown][] = [
      ['occupant/joined', 'not json'],
      ['occupant/joined', '[]'],
      ['occupant/joined', { ...joined(), event_name: 7 }],
      ['occupant/joined', { ...joined(), occupant: undefined }],
      ['occupant/joined', { ...joined(), occupant: { occupant_jid: person('x'), joined_at: 'yesterday' } }],
      ['occupant/joined', { ...joined(), occupant: { occupant_jid: 'a\u0000b@meet.example.org', joined_at: 1 } }],
      ['occupant/left', { ...jitsiBody('occupant-left'), is_breakout: 'no' }],
      ['room/destroyed', { ...jitsiBody('room-destroyed'), all_occupants: {} }],
      ['room/created', { ...jitsiBody('room-created'), created_at: -1 }],
    ];
    const unknownRooms: [string, unknown][] = [
      ['room/created', jitsiBody('room-created', '[school]maths')],
      ['room/created', { ...jitsiBody('room-created'), room_jid: 'other@conference.meet.example.org' }],
      ['room/created', jitsiBody('room-created', 'a room')],
      ['occupant/joined', jitsiBody('occupant-joined', 'a/b')],
      ['occupant/joined', { ...joined(), is_breakout: true }],
      ['occupant/joined', { ...joined(), breakout_room_id: 'b-1' }],
    ];
    for (const [eventPath, body] of bad) {
      const res = await postJitsi(svc, eventPath, body);
      expect([eventPath, res.status, res.body.detail]).toEqual([eventPath, 400, expect.stringMatching(/^Malformed event_sync body/) as unknown]);
    }
    for (const [eventPath, body] of unknownRooms) {
      const res = await postJitsi(svc, eventPath, body);
      expect([eventPath, res.status, res.body.detail]).toEqual([eventPath, 400, expect.stringContaining('unknown room name format') as unknown]);
    }
    // Another event's name on a path (another component, a newer version): nothing to do or retry.
    const other = await postJitsi(svc, 'occupant/joined', { event_name: 'muc-occupant-pre-join', room_name: '[x]' });
    expect([other.status, other.body]).toEqual([200, { message: 'Event ignored.' }]);
    const unknownPath = await postJitsi(svc, 'occupant/kicked', joined());
    expect(unknownPath.status).toBe(404);
  });

  it('fuzz: 200 random bodies on the four paths never answer 5xx', async () => {
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const occupant = fc.record({ occupant_jid: fc.oneof(fc.string(), fc.constant(person('fuzz'))), joined_at: fc.oneof(fc.integer(), fc.double()), left_at: fc.option(fc.integer()) }, { requiredKeys: [] });
    const body = fc.record(
      {
        event_name: fc.constantFrom('muc-room-created', 'muc-room-destroyed', 'muc-occupant-joined', 'muc-occupant-left', 'other'),
        room_name: fc.oneof(fc.string({ maxLength: 300 }), fc.constant('fuzz-room')),
        room_jid: fc.oneof(fc.string(), fc.constant('fuzz-room@conference.meet.example.org')),
        is_breakout: fc.oneof(fc.boolean(), anyJson),
        breakout_room_id: fc.string({ maxLength: 80 }),
        created_at: fc.oneof(fc.integer(), anyJson),
        destroyed_at: fc.integer(),
        active_occupants_count: fc.integer(),
        occupant: fc.oneof(occupant, anyJson),
        all_occupants: fc.oneof(fc.array(occupant, { maxLength: 3 }), anyJson),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('room/created', 'room/destroyed', 'occupant/joined', 'occupant/left'), fc.oneof(body, anyJson), async (eventPath, value) => {
        const res = await postJitsi(svc, eventPath, JSON.stringify(value) ?? 'null');
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });
});

describe('beside LiveKit', () => {
  it("the check against LiveKit's ListParticipants corrects LiveKit's rooms and leaves Jitsi's alone", async () => {
    const fake = await startFakeLivekit();
    const both = await startTestService({ ...fake.env, ...JITSI_ENV, ROOM_RECONCILE_INTERVAL_MS: '100' });
    try {
      const user: TestUser = { sub: 'both', rooms: { 'j-beside': 'member', 'lk-beside': 'member' } };
      await sendJitsi(
        both,
        ['room/created', jitsiBody('room-created', 'j-beside', { created_at: 1796620000 })],
        ['occupant/joined', occupantBody(true, 'j-beside', person('alice'), { joinedAt: 1796620001 })],
      );
      // A LiveKit room whose participant_left was lost: the pass corrects it, so passes run.
      await join(both, fake.livekit, 'lk-beside', 'ann');
      fake.livekit.removeParticipant('lk-beside', 'ann');
      await eventually(async () => (await roomView(both, user, 'lk-beside')).participants === 0, 10_000, 'LiveKit room corrected');
      const asked = fake.livekit.requestsFor('ListParticipants').map((r) => (r.body as { room?: string }).room);
      expect(asked).toContain('lk-beside');
      expect(asked).not.toContain('j-beside');
      expect(await roomView(both, user, 'j-beside')).toMatchObject({ is_active: true, participants: 1 });
    } finally {
      await both.close();
      await fake.livekit.close();
    }
  });
});

describe('without JITSI_EVENTS_TOKEN', () => {
  it('serves no Jitsi event route', async () => {
    const plain = await startTestService();
    try {
      const res = await postJitsi(plain, 'room/created', jitsiBody('room-created'));
      expect(res.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('settings', () => {
  it('JITSI_EVENTS_TOKEN must be long enough; JITSI_HIDDEN_DOMAIN defaults to JIBRI_XMPP_DOMAIN; bad values name the variable', () => {
    expect(loadConfig({}).jitsi).toEqual({ eventsToken: undefined, hiddenDomain: undefined });
    const xmpp = { JIBRI_XMPP_USERNAME: 'recorder', JIBRI_XMPP_PASSWORD: 'recorder-secret' };
    expect(loadConfig({ ...xmpp, JITSI_EVENTS_TOKEN: JITSI_TOKEN, JIBRI_XMPP_DOMAIN: 'Recorder.Meet.Jitsi' }).jitsi).toEqual({ eventsToken: JITSI_TOKEN, hiddenDomain: 'recorder.meet.jitsi' });
    expect(loadConfig({ ...xmpp, JITSI_HIDDEN_DOMAIN: 'hidden.example.org', JIBRI_XMPP_DOMAIN: 'recorder.meet.jitsi' }).jitsi.hiddenDomain).toBe('hidden.example.org');
    expect(() => loadConfig({ JITSI_EVENTS_TOKEN: 'short' })).toThrow(/^JITSI_EVENTS_TOKEN: /);
    expect(() => loadConfig({ JITSI_EVENTS_TOKEN: 'sixteen chars but spaces' })).toThrow(/^JITSI_EVENTS_TOKEN: /);
    expect(() => loadConfig({ JITSI_HIDDEN_DOMAIN: 'jibri@recorder.meet.jitsi' })).toThrow(/^JITSI_HIDDEN_DOMAIN: /);
  });
});
