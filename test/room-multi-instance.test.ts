import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { compositeStarts, deliver, putPolicy, recordingsOf, roomView, settled } from './helpers/rooms';
import { startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * Two instances on one database receive LiveKit's webhooks (LiveKit retrying through a load
 * balancer): automatic recording starts exactly once.
 */

const owner: TestUser = { sub: 'mi-owner', email: 'mi@example.org', rooms: { twice: 'owner', crowd: 'owner' } };
let a: TestService;
let b: TestService;
let livekit: FakeLivekitServer;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  const env = { ...fake.env, ROOM_RECONCILE_INTERVAL_MS: '0', JOBS_POLL_INTERVAL_MS: '50', AUTO_STOP_GRACE_SECONDS: '3600' };
  a = await startTestService(env);
  b = await startTestService(env, a.db);
});
afterAll(async () => {
  await b?.close({ keepDatabase: true });
  await a?.close();
  await livekit?.close();
});

async function active(room: string): Promise<void> {
  await eventually(async () => (await roomView(a, owner, room)).recording?.status === 'active', 15_000, `recording in ${room}`);
  await settled(a, room, ['room.auto-start']);
}

it('ten identical participant_joined webhooks sent concurrently to two instances: exactly one StartRoomCompositeEgress', async () => {
  expect((await putPolicy(a, owner, 'twice', { trigger: 'automatic', mode: 'screen_recording' })).status).toBe(200);
  livekit.addParticipant('twice', { identity: 'ada' });
  const joined = livekit.participantEvent('twice', 'ada', 'participant_joined');
  await Promise.all(Array.from({ length: 10 }, (_, i) => deliver(i % 2 === 0 ? a : b, joined)));
  await active('twice');
  expect(compositeStarts(livekit, 'twice')).toHaveLength(1);
  expect((await recordingsOf(a, 'twice')).map((r) => r.status)).toEqual(['active']);
  expect((await roomView(b, owner, 'twice')).participants).toBe(1);
});

it('ten people joining at once through both instances: one recording, ten participants', async () => {
  expect((await putPolicy(b, owner, 'crowd', { trigger: 'automatic-2nd-participant', mode: 'screen_recording' })).status).toBe(200);
  const events = Array.from({ length: 10 }, (_, i) => {
    livekit.addParticipant('crowd', { identity: `p${i}` });
    return livekit.participantEvent('crowd', `p${i}`, 'participant_joined');
  });
  await Promise.all(events.map((e, i) => deliver(i % 2 === 0 ? a : b, e)));
  await active('crowd');
  expect(compositeStarts(livekit, 'crowd')).toHaveLength(1);
  expect((await recordingsOf(a, 'crowd')).map((r) => r.status)).toEqual(['active']);
  expect((await roomView(a, owner, 'crowd')).participants).toBe(10);
});
