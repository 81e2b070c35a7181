import { FakeJibri } from './fakes/jibri-server';
import { jibriPoolEnv } from './helpers/jibri-env';
import { eventually } from './helpers/flow';
import { JITSI_ENV, jitsiBody, occupantBody, person, postJitsi, recorder, sendJitsi } from './helpers/jitsi';
import { putPolicy, recordingsOf, roomJobs, roomView, settled } from './helpers/rooms';
import { startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * Recording policies on Jitsi rooms: Prosody's event_sync bodies against the real service, whose
 * policy mode is recorded by Jibri (fake Jibris speaking Jibri's HTTP API).
 */

const ROOMS = ['jr-second', 'jr-breakout', 'jr-destroyed'];
const author: TestUser = { sub: 'jitsi-author', email: 'author@example.org', rooms: Object.fromEntries(ROOMS.map((r) => [r, 'owner'])) };
const member: TestUser = { sub: 'jitsi-member', rooms: Object.fromEntries(ROOMS.map((r) => [r, 'member'])) };
const T0 = 1796700000;

/** A service on its own pool of fake Jibris; `jitsi` is the Jibri mode. */
async function startJitsiService(graceSeconds: number): Promise<{ svc: TestService; jibris: FakeJibri[] }> {
  const jibris = await Promise.all([FakeJibri.start({ jibriId: 'jibri-1' }), FakeJibri.start({ jibriId: 'jibri-2' })]);
  const svc = await startTestService({
    ...JITSI_ENV,
    RECORDING_WORKERS: '{"screen_recording":"livekit-video","jitsi":"jibri"}',
    ...jibriPoolEnv(jibris),
    WORKER_TIMEOUT_MS: '3000',
    AUTO_STOP_GRACE_SECONDS: String(graceSeconds),
    AUTO_START_RETRY_BASE_MS: '100',
    JOBS_POLL_INTERVAL_MS: '50',
  });
  return { svc, jibris };
}

/** The Jibri sessions the fakes were asked to start for a room (its callName). */
function jibriStarts(jibris: FakeJibri[], room: string): Record<string, any>[] {
  return jibris.flatMap((j) => j.startedSessions).filter((s) => (s as any).callParams.callUrlInfo.callName === room);
}

async function statusBecomes(svc: TestService, room: string, status: string): Promise<void> {
  await eventually(async () => (await recordingsOf(svc, room)).some((r) => r.status === status), 15_000, `a ${status} recording in ${room}`);
}

const created = (room: string, at: number) => jitsiBody('room-created', room, { created_at: at });

describe('with a short grace', () => {
  let svc: TestService;
  let jibris: FakeJibri[];
  beforeAll(async () => ({ svc, jibris } = await startJitsiService(1)));
  afterAll(async () => {
    await svc?.close();
    await Promise.all((jibris ?? []).map((j) => j.close()));
  });

  it('automatic-2nd-participant: the second person starts one Jibri, the recorder changes nothing, repeats start no other, everyone leaving stops it after the grace', async () => {
    const room = 'jr-second';
    expect((await putPolicy(svc, author, room, { trigger: 'automatic-2nd-participant', mode: 'jitsi' })).status).toBe(200);
    await sendJitsi(svc, ['room/created', created(room, T0)], ['occupant/joined', occupantBody(true, room, person('alice'), { joinedAt: T0 + 1 })]);
    // A recorder (Jicofo's Jibri, say) joining from the hidden domain is nobody: still one person.
    await sendJitsi(svc, ['occupant/joined', occupantBody(true, room, recorder('other-jibri'), { joinedAt: T0 + 2 })]);
    await settled(svc, room);
    expect(await roomJobs(svc, 'room.auto-start', room)).toEqual([]);
    expect((await roomView(svc, member, room)).participants).toBe(1);

    // Bob's join, delivered five times at once (event_sync retrying): one start, one Jibri.
    const bob = occupantBody(true, room, person('bob'), { joinedAt: T0 + 10 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => postJitsi(svc, 'occupant/joined', bob)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await statusBecomes(svc, room, 'active');
    await settled(svc, room);
    expect(jibriStarts(jibris, room)).toHaveLength(1);
    expect(await recordingsOf(svc, room)).toEqual([expect.objectContaining({ status: 'active', automatic: true, owner: 'jitsi-author' })]);

    // Our Jibri joins the meeting from the hidden domain: nothing changes.
    await sendJitsi(svc, ['occupant/joined', occupantBody(true, room, recorder('jibri-1'), { joinedAt: T0 + 12 })]);
    await settled(svc, room);
    expect((await roomView(svc, member, room)).participants).toBe(2);
    expect(jibriStarts(jibris, room)).toHaveLength(1);

    await sendJitsi(svc, ['occupant/left', occupantBody(false, room, person('alice'), { joinedAt: T0 + 1, leftAt: T0 + 100 })]);
    await sendJitsi(svc, ['occupant/left', occupantBody(false, room, person('bob'), { joinedAt: T0 + 10, leftAt: T0 + 101 })]);
    const emptied = Date.now();
    await statusBecomes(svc, room, 'stopped');
    expect(Date.now() - emptied).toBeGreaterThanOrEqual(900);
    expect(jibris.flatMap((j) => j.requestsTo('stopService'))).toHaveLength(1);
    expect(jibriStarts(jibris, room)).toHaveLength(1);
  });

  it('breakout rooms: people moving into them keep the main room occupied; a breakout destroyed corrects a lost departure', async () => {
    const room = 'jr-breakout';
    const [b1, b2] = ['1f0c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e', '2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'];
    expect((await putPolicy(svc, author, room, { trigger: 'automatic', mode: 'jitsi' })).status).toBe(200);
    await sendJitsi(
      svc,
      ['room/created', created(room, T0)],
      ['occupant/joined', occupantBody(true, room, person('alice'), { joinedAt: T0 + 1 })],
      ['occupant/joined', occupantBody(true, room, person('bob'), { joinedAt: T0 + 2 })],
    );
    await statusBecomes(svc, room, 'active');
    // Everyone moves to a breakout room: each leaves the main room, then joins the breakout.
    await sendJitsi(
      svc,
      ['room/created', jitsiBody('room-created', room, { is_breakout: true, breakout_room_id: b1, created_at: T0 + 50 })],
      ['occupant/left', occupantBody(false, room, person('alice'), { joinedAt: T0 + 1, leftAt: T0 + 50 })],
      ['occupant/joined', occupantBody(true, room, person('alice'), { joinedAt: T0 + 50 }, b1)],
      ['room/created', jitsiBody('room-created', room, { is_breakout: true, breakout_room_id: b2, created_at: T0 + 51 })],
      ['occupant/left', occupantBody(false, room, person('bob'), { joinedAt: T0 + 2, leftAt: T0 + 51 })],
      ['occupant/joined', occupantBody(true, room, person('bob'), { joinedAt: T0 + 51 }, b2)],
    );
    // The main room has no occupant of its own, and is still occupied: no stop was ever queued.
    expect(await roomView(svc, member, room)).toMatchObject({ is_active: true, participants: 2 });
    await settled(svc, room);
    expect(await roomJobs(svc, 'room.auto-stop', room)).toEqual([]);
    expect((await recordingsOf(svc, room)).map((r) => r.status)).toEqual(['active']);

    // Alice comes back to the main room; Bob's departure from b2 is lost, b2's destruction says it.
    await sendJitsi(
      svc,
      ['occupant/left', occupantBody(false, room, person('alice'), { joinedAt: T0 + 50, leftAt: T0 + 200 }, b1)],
      ['occupant/joined', occupantBody(true, room, person('alice'), { joinedAt: T0 + 200 })],
    );
    const b2Destroyed = {
      ...jitsiBody('room-destroyed', room, { is_breakout: true, breakout_room_id: b2, created_at: T0 + 51, destroyed_at: T0 + 210 }),
      all_occupants: [{ occupant_jid: person('bob'), joined_at: T0 + 51, left_at: T0 + 205 }],
    };
    await sendJitsi(svc, ['room/destroyed', b2Destroyed], ['room/destroyed', b2Destroyed]);
    expect(await roomView(svc, member, room)).toMatchObject({ is_active: true, participants: 1 });
    // b1's destruction lists Alice's stay there, over since: she stays in the main room.
    const b1Destroyed = {
      ...jitsiBody('room-destroyed', room, { is_breakout: true, breakout_room_id: b1, created_at: T0 + 50, destroyed_at: T0 + 220 }),
      all_occupants: [{ occupant_jid: person('alice'), joined_at: T0 + 50, left_at: T0 + 200 }],
    };
    await sendJitsi(svc, ['room/destroyed', b1Destroyed]);
    expect(await roomView(svc, member, room)).toMatchObject({ is_active: true, participants: 1 });
    expect((await recordingsOf(svc, room)).map((r) => r.status)).toEqual(['active']);

    await sendJitsi(svc, ['occupant/left', occupantBody(false, room, person('alice'), { joinedAt: T0 + 200, leftAt: T0 + 300 })]);
    await statusBecomes(svc, room, 'stopped');
    expect(jibriStarts(jibris, room)).toHaveLength(1);
  });
});

describe('with a long grace', () => {
  let svc: TestService;
  let jibris: FakeJibri[];
  beforeAll(async () => ({ svc, jibris } = await startJitsiService(600)));
  afterAll(async () => {
    await svc?.close();
    await Promise.all((jibris ?? []).map((j) => j.close()));
  });

  it("room/destroyed stops the policy's Jibri at once, and ends a presence whose occupant/left was lost", async () => {
    const room = 'jr-destroyed';
    expect((await putPolicy(svc, author, room, { trigger: 'automatic', mode: 'jitsi' })).status).toBe(200);
    await sendJitsi(
      svc,
      ['room/created', created(room, T0)],
      ['occupant/joined', occupantBody(true, room, person('alice'), { joinedAt: T0 + 1 })],
      ['occupant/joined', occupantBody(true, room, person('bob'), { joinedAt: T0 + 2 })],
      ['occupant/left', occupantBody(false, room, person('bob'), { joinedAt: T0 + 2, leftAt: T0 + 20 })],
    );
    await statusBecomes(svc, room, 'active');
    // Alice's occupant/left never arrives; the room's destruction lists everyone who was there.
    const destroyed = {
      ...jitsiBody('room-destroyed', room, { created_at: T0, destroyed_at: T0 + 40 }),
      all_occupants: [
        { occupant_jid: person('alice'), joined_at: T0 + 1, left_at: T0 + 39 },
        { occupant_jid: person('bob'), joined_at: T0 + 2, left_at: T0 + 20 },
      ],
    };
    await sendJitsi(svc, ['room/destroyed', destroyed]);
    expect(await roomView(svc, member, room)).toMatchObject({ is_active: false, participants: 0 });
    await statusBecomes(svc, room, 'stopped');
    expect(jibris.flatMap((j) => j.requestsTo('stopService'))).toHaveLength(1);
  });
});
