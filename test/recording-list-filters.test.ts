import { Client } from 'pg';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

const owner: TestUser = { sub: 'list-owner', rooms: { 'ops_1': 'owner', opsx1: 'owner', beta: 'owner', gamma: 'owner', delta: 'owner' } };

let svc: TestService;
let livekit: FakeLivekitServer;
/** Between the first two recordings' creation and the others'. */
let midpoint: string;

async function start(room: string) {
  return request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
}

async function list(query: string) {
  return request(svc.url).get(`/api/v1.0/recordings/${query}`).set(bearer(owner));
}

const rooms = (body: { results: { room: string; status: string }[] }) => body.results.map((r) => `${r.room}:${r.status}`).sort();

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService(fake.env);
  expect((await start('ops_1')).status).toBe(201);
  await request(svc.url).post('/api/v1.0/rooms/ops_1/stop-recording/').set(bearer(owner)).expect(200);
  expect((await start('opsx1')).status).toBe(201);
  await new Promise((r) => setTimeout(r, 20)); // deliberate: created_at apart on both sides of the midpoint
  midpoint = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  livekit.injectFault({ type: 'http-error', status: 503 }, { method: 'StartRoomCompositeEgress' });
  expect((await start('beta')).status).toBe(502);
  livekit.clearFaults();
  expect((await start('gamma')).status).toBe(201);
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
});

describe('GET /api/v1.0/recordings/ filters', () => {
  it('lists everything without filters', async () => {
    const res = await list('');
    expect(res.status).toBe(200);
    expect(rooms(res.body)).toEqual(['beta:failed_to_start', 'gamma:active', 'ops_1:stopped', 'opsx1:active']);
  });

  it('filters by room (exact name)', async () => {
    const res = await list('?room=ops_1');
    expect(res.body.count).toBe(1);
    expect(rooms(res.body)).toEqual(['ops_1:stopped']);
    expect((await list('?room=ops')).body.count).toBe(0);
  });

  it('filters by comma-separated statuses', async () => {
    expect(rooms((await list('?status=active')).body)).toEqual(['gamma:active', 'opsx1:active']);
    expect(rooms((await list('?status=failed_to_start,stopped')).body)).toEqual(['beta:failed_to_start', 'ops_1:stopped']);
  });

  it('filters by creation time', async () => {
    const after = encodeURIComponent(midpoint);
    expect(rooms((await list(`?created_after=${after}`)).body)).toEqual(['beta:failed_to_start', 'gamma:active']);
    expect(rooms((await list(`?created_before=${after}`)).body)).toEqual(['ops_1:stopped', 'opsx1:active']);
    const offset = encodeURIComponent('2000-01-01T01:00:00+01:00');
    expect((await list(`?created_after=${offset}`)).body.count).toBe(4);
    expect((await list('?created_before=2000-01-01')).body.count).toBe(0);
  });

  it('filters by a substring of the room name, with LIKE wildcards taken literally', async () => {
    expect(rooms((await list('?q=PS')).body)).toEqual(['ops_1:stopped', 'opsx1:active']);
    expect(rooms((await list('?q=s_1')).body)).toEqual(['ops_1:stopped']);
    expect((await list('?q=%25')).body.count).toBe(0);
  });

  it('combines the filters', async () => {
    const after = encodeURIComponent(midpoint);
    expect(rooms((await list('?q=ops&status=active')).body)).toEqual(['opsx1:active']);
    expect(rooms((await list(`?status=active&created_after=${after}`)).body)).toEqual(['gamma:active']);
    expect((await list('?room=beta&status=active')).body.count).toBe(0);
  });

  it('keeps the filters in the paging links', async () => {
    const page1 = await list('?status=active,failed_to_start&page_size=1');
    expect(page1.body.count).toBe(3);
    const next = new URL(page1.body.next);
    expect(next.searchParams.get('status')).toBe('active,failed_to_start');
    const page2 = await list(next.search);
    expect(page2.body.results).toHaveLength(1);
    const prev = new URL(page2.body.previous);
    expect(prev.searchParams.get('status')).toBe('active,failed_to_start');
    const page3 = await list(new URL(page2.body.next).search);
    expect(page3.body.next).toBeNull();
    const seen = [page1, page2, page3].map((p) => p.body.results[0].status).sort();
    expect(seen).toEqual(['active', 'active', 'failed_to_start']);
  });

  it('answers a page past the end with no results and the count', async () => {
    const res = await list('?page=9');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ count: 4, next: null, results: [] });
    expect(new URL(res.body.previous).searchParams.get('page')).toBe('8');
  });

  it('lists an own recording once, with the own role, when its room also lets members view it', async () => {
    const opened = await request(svc.url).put('/api/v1.0/rooms/opsx1/recording-access/').set(bearer(owner)).send({ members: 'view' });
    expect(opened.status).toBe(200);
    try {
      const res = await list('');
      expect(res.body.count).toBe(4);
      const opsx = res.body.results.filter((r: { room: string }) => r.room === 'opsx1');
      expect(opsx).toHaveLength(1);
      expect(opsx[0].abilities.stop).toBe(true);
    } finally {
      await request(svc.url).put('/api/v1.0/rooms/opsx1/recording-access/').set(bearer(owner)).send({ members: 'none' }).expect(200);
    }
  });

  it("runs its statement beside the note of the caller's room roles, and answers only after the note", async () => {
    const policyUrl = '/api/v1.0/rooms/delta/recording-policy/';
    expect((await request(svc.url).put(policyUrl).set(bearer(owner)).send({ trigger: 'automatic', mode: 'screen_recording' })).status).toBe(200);
    // The note's UPDATE of the policy (its author now shows no owner role in delta) waits for this lock.
    const locker = new Client({ connectionString: svc.db.url });
    await locker.connect();
    try {
      const [{ sent }] = await queryDb<{ sent: Date }>(svc.db.url, 'SELECT clock_timestamp() AS sent');
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM room_policies WHERE room = 'delta' FOR UPDATE`);
      let answered = false;
      const demoted: TestUser = { ...owner, rooms: { ...owner.rooms, delta: 'member' } };
      const listed = request(svc.url).get('/api/v1.0/recordings/').set(bearer(demoted)).then((res) => ((answered = true), res));
      await eventually(async () => {
        const [row] = await queryDb<{ noting: number; listed: number }>(svc.db.url, `
          SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE room_policies%')::int AS noting,
                 count(*) FILTER (WHERE state = 'idle' AND query LIKE '%WITH visible AS MATERIALIZED%' AND query_start > $1)::int AS listed
            FROM pg_stat_activity WHERE datname = current_database()`, [sent]);
        return row!.noting === 1 && row!.listed === 1;
      }, 10_000, 'the note waiting and the list statement done');
      expect(answered).toBe(false);
      await locker.query('COMMIT');
      const res = await listed;
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(4);
      expect(await queryDb(svc.db.url, `SELECT author_suspended_at IS NOT NULL AS suspended FROM room_policies WHERE room = 'delta'`)).toEqual([{ suspended: true }]);
    } finally {
      await locker.end();
      await request(svc.url).delete(policyUrl).set(bearer(owner));
    }
  });

  it.each([
    ['?status=bogus', /Invalid status: expected comma-separated statuses/],
    ['?status=', /Invalid status/],
    ['?status=active,', /Invalid status/],
    ['?created_after=yesterday', /Invalid created_after: expected an ISO 8601/],
    ['?created_before=2025-13-01', /Invalid created_before/],
    ['?created_after=2025-02-01&created_before=2025-01-01', /created_after: expected it before created_before/],
    ['?room=', /Invalid room/],
    ['?room=a&room=b', /Invalid room: expected it once/],
    ['?q=a%00b', /Invalid q: expected no NUL byte/],
    ['?page=0', /Invalid page: expected a whole number from 1 to 1000000/],
    ['?page_size=101', /Invalid page_size: expected a whole number from 1 to 100/],
    ['?rooms=ops_1', /Unknown query parameter: rooms/],
  ])('answers 400 to %s', async (query, detail) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(detail);
  });
});
