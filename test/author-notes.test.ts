import type { AuthUser } from '../src/auth/user';
import { openDatabase, runMigrations, type Database } from '../src/db/database';
import { statement } from '../src/db/sql';
import { AuthorNotes, NOTE_FRESH_MS } from '../src/rooms/author-notes';
import { RoomsService } from '../src/rooms/rooms-service';
import { RoomStore } from '../src/rooms/store/room-store';
import { createTestDatabase, type TestDatabase } from './helpers/pg';

/**
 * Every authenticated request notes the caller's room roles (a policy follows its author's
 * role). The note is written once per change of roles: the same roles again within
 * NOTE_FRESH_MS, or any roles of a caller who authors no policy, need no statement; a policy
 * set through this service is noted at the author's next request; past the window, every note
 * is made again (a policy set on another instance).
 */

let tdb: TestDatabase;
let db: Database;
let roomStore: RoomStore;
let clock = 1_000_000;
let service: RoomsService;

const modes = { kindForMode: (mode: string) => (mode === 'screen_recording' ? ('livekit-video' as const) : undefined), modeNames: ['screen_recording'] };
const suspendedOf = statement('t_suspended_of', `SELECT room, author_suspended_at IS NOT NULL AS suspended FROM room_policies WHERE author_sub = $1 ORDER BY room`);

function caller(sub: string, rooms: AuthUser['rooms']): AuthUser {
  return { sub, email: null, name: null, locale: null, zoneinfo: null, rooms };
}

async function suspended(sub: string): Promise<{ room: string; suspended: boolean }[]> {
  return db.sql.query(suspendedOf, [sub]);
}

/** The policy, written as another instance would: this service is not told. */
async function policyElsewhere(room: string, sub: string): Promise<void> {
  await roomStore.putPolicy(room, { trigger: 'automatic', mode: 'screen_recording', options: {}, author: { sub, email: null, name: null, locale: null, zoneinfo: null } });
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ url: tdb.url, poolSize: 2 });
  await runMigrations(db.dataSource);
  roomStore = new RoomStore({ sql: db.sql, autoStopGraceMs: 60_000 });
  service = new RoomsService({
    rooms: roomStore,
    liveRecording: async () => null,
    accessOf: async () => null,
    membersAccess: async () => 'none',
    modes,
    allowPermanent: false,
    jibriPolicies: false,
    authorNotes: new AuthorNotes(() => clock),
  });
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

it('the same roles within the window are noted once; new roles at once; the same again after the window', async () => {
  const owner = caller('notes-a', { 'notes-room-a': 'owner' });
  await service.putPolicy(owner, 'notes-room-a', { trigger: 'automatic', mode: 'screen_recording' });
  expect(await service.noteCaller(owner)).toEqual([]);

  const demoted = caller('notes-a', { 'notes-room-a': 'member' });
  expect(await service.noteCaller(demoted)).toEqual([{ room: 'notes-room-a', suspended: true }]);
  // Put back by hand: a second note of the same roles within the window writes nothing.
  await db.sql.query(statement('t_unsuspend', `UPDATE room_policies SET author_suspended_at = NULL WHERE author_sub = $1`), ['notes-a']);
  clock += NOTE_FRESH_MS - 1;
  expect(await service.noteCaller(demoted)).toEqual([]);
  expect(await suspended('notes-a')).toEqual([{ room: 'notes-room-a', suspended: false }]);
  // Past the window, the same roles are noted again.
  clock += 1;
  expect(await service.noteCaller(demoted)).toEqual([{ room: 'notes-room-a', suspended: true }]);
  // The role back: noted at once, though the last note is fresh.
  expect(await service.noteCaller(owner)).toEqual([{ room: 'notes-room-a', suspended: false }]);
});

it('a caller who authors no policy is not noted again within the window, whatever their roles', async () => {
  const member = caller('notes-b', { 'notes-room-b': 'member' });
  expect(await service.noteCaller(member)).toEqual([]);
  // A policy of theirs set on another instance, then a token without the role: seen once the note is stale.
  await policyElsewhere('notes-room-b', 'notes-b');
  const other = caller('notes-b', { 'notes-room-c': 'member' });
  expect(await service.noteCaller(other)).toEqual([]);
  expect(await suspended('notes-b')).toEqual([{ room: 'notes-room-b', suspended: false }]);
  clock += NOTE_FRESH_MS;
  expect(await service.noteCaller(other)).toEqual([{ room: 'notes-room-b', suspended: true }]);
});

it('a policy set through the service is noted at its author\'s next request', async () => {
  const owner = caller('notes-c', { 'notes-room-d': 'owner' });
  expect(await service.noteCaller(owner)).toEqual([]);
  await service.putPolicy(owner, 'notes-room-d', { trigger: 'automatic', mode: 'screen_recording' });
  const demoted = caller('notes-c', { 'notes-room-d': 'member' });
  // No policy when first noted, yet the new one is seen at once.
  expect(await service.noteCaller(demoted)).toEqual([{ room: 'notes-room-d', suspended: true }]);
});
