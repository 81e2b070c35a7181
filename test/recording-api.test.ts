import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { Client } from 'pg';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, tokenFor, type TestService, type TestUser } from './helpers/service';

const owner: TestUser = { sub: 'user-owner', email: 'owner@example.org', name: 'Owner', rooms: { standup: 'owner', 'room-b': 'owner', busy: 'owner', flaky: 'owner', lk: 'administrator' } };
const member: TestUser = { sub: 'user-member', rooms: { standup: 'member' } };
const stranger: TestUser = { sub: 'user-stranger', rooms: { 'room-b': 'owner' } };

let svc: TestService;
let livekit: FakeLivekitServer;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService(fake.env);
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
});
afterEach(() => livekit.clearFaults());

async function dbRow(id: string): Promise<{ status: string; worker_id: string | null }> {
  const c = new Client({ connectionString: svc.db.url });
  await c.connect();
  try {
    return (await c.query('SELECT status, worker_id FROM recordings WHERE id = $1', [id])).rows[0];
  } finally {
    await c.end();
  }
}

describe('start and stop through the LiveKit fake', () => {
  it('starts a room composite MP4 egress and stops it with the stored egress id', async () => {
    const start = await request(svc.url)
      .post('/api/v1.0/rooms/standup/start-recording/')
      .set(bearer(owner))
      .send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    expect(start.body).toMatchObject({ room: 'standup', mode: 'screen_recording', status: 'active', expired_at: null, is_expired: false });
    expect(start.body.key).toBe(`recordings/${start.body.id}.mp4`);
    expect(start.body.abilities).toEqual({ retrieve: true, destroy: false, stop: true });

    const [startReq] = livekit.requestsFor('StartRoomCompositeEgress');
    expect(startReq!.authorized).toBe(true);
    const body = startReq!.body as Record<string, any>;
    expect(body.roomName).toBe('standup');
    expect(body.layout).toBe('speaker-light');
    expect(body.audioOnly ?? false).toBe(false);
    const file = (body.fileOutputs ?? [body.file])[0];
    expect(file.fileType).toBe('MP4');
    expect(file.filepath).toBe(`recordings/${start.body.id}.mp4`);
    expect(file.s3).toMatchObject({ bucket: 'meet-media-storage', endpoint: 'http://127.0.0.1:9', forcePathStyle: true });

    const row = await dbRow(start.body.id);
    expect(row.status).toBe('active');
    expect(row.worker_id).toMatch(/^EG_/);

    const stop = await request(svc.url).post('/api/v1.0/rooms/standup/stop-recording').set(bearer(owner)).send();
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ id: start.body.id, status: 'stopped' });
    const [stopReq] = livekit.requestsFor('StopEgress');
    expect(stopReq!.body.egressId).toBe(row.worker_id);
  });

  it('records audio only to OGG for the transcript mode', async () => {
    const start = await request(svc.url).post('/api/v1.0/rooms/room-b/start-recording').set(bearer(owner)).send({ mode: 'transcript' });
    expect(start.status).toBe(201);
    const req = livekit.requestsFor('StartRoomCompositeEgress').at(-1)!;
    const body = req.body as Record<string, any>;
    expect(body.audioOnly).toBe(true);
    const file = (body.fileOutputs ?? [body.file])[0];
    expect(file.fileType).toBe('OGG');
    expect(file.filepath).toBe(`recordings/${start.body.id}.ogg`);
    await request(svc.url).post('/api/v1.0/rooms/room-b/stop-recording/').set(bearer(owner)).expect(200);
  });

  it('maps an aborted egress to aborted', async () => {
    const start = await request(svc.url).post('/api/v1.0/rooms/lk/start-recording').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    const { worker_id } = await dbRow(start.body.id);
    livekit.abortOnNextStop(worker_id!);
    const stop = await request(svc.url).post('/api/v1.0/rooms/lk/stop-recording').set(bearer(owner));
    expect(stop.status).toBe(200);
    expect(stop.body.status).toBe('aborted');
  });

  it('answers 404 to a stop when nothing is active', async () => {
    const res = await request(svc.url).post('/api/v1.0/rooms/standup/stop-recording/').set(bearer(owner));
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/no active recording/i);
  });
});

describe('exactly one live recording per room', () => {
  it('gives one 201 and nine 409 to 10 concurrent starts', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(svc.url).post('/api/v1.0/rooms/busy/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' }),
      ),
    );
    const codes = results.map((r) => r.status).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.detail).toMatch(/already/i);
    const c = new Client({ connectionString: svc.db.url });
    await c.connect();
    const rows = (await c.query("SELECT status FROM recordings WHERE room = 'busy'")).rows;
    await c.end();
    expect(rows).toEqual([{ status: 'active' }]);
    await request(svc.url).post('/api/v1.0/rooms/busy/stop-recording/').set(bearer(owner)).expect(200);
  });
});

describe('worker failures', () => {
  it('LiveKit unreachable -> 502 failed_to_start, then a new start succeeds once it is back', async () => {
    await livekit.close();
    const res = await request(svc.url).post('/api/v1.0/rooms/flaky/start-recording').set(bearer(owner)).send({ mode: 'screen_recording' });
    await livekit.listen();
    expect(res.status).toBe(502);
    expect(res.body.detail).toMatch(/unreachable/i);
    const list = await request(svc.url).get('/api/v1.0/recordings/').set(bearer(owner));
    const failed = list.body.results.find((r: { room: string }) => r.room === 'flaky');
    expect(failed.status).toBe('failed_to_start');

    const again = await request(svc.url).post('/api/v1.0/rooms/flaky/start-recording').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(again.status).toBe(201);
    await request(svc.url).post('/api/v1.0/rooms/flaky/stop-recording').set(bearer(owner)).expect(200);
  });

  it('LiveKit answering 5xx -> 502 and the room stays free', async () => {
    livekit.injectFault({ type: 'http-error', status: 503 }, { method: 'StartRoomCompositeEgress' });
    const res = await request(svc.url).post('/api/v1.0/rooms/flaky/start-recording').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(res.status).toBe(502);
    const again = await request(svc.url).post('/api/v1.0/rooms/flaky/start-recording').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(again.status).toBe(201);
    await request(svc.url).post('/api/v1.0/rooms/flaky/stop-recording').set(bearer(owner)).expect(200);
  });

  it('LiveKit hanging -> 502 after the worker timeout, never a hung request', async () => {
    livekit.injectFault({ type: 'hang' }, { method: 'StartRoomCompositeEgress' });
    const res = await request(svc.url)
      .post('/api/v1.0/rooms/flaky/start-recording')
      .set(bearer(owner))
      .timeout(10_000)
      .send({ mode: 'screen_recording' });
    expect(res.status).toBe(502);
    expect(res.body.detail).toMatch(/did not answer in time/);
  });

  it('a failed stop -> 502 and failed_to_stop', async () => {
    const start = await request(svc.url).post('/api/v1.0/rooms/flaky/start-recording').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    livekit.injectFault({ type: 'http-error', status: 500 }, { method: 'StopEgress' });
    const stop = await request(svc.url).post('/api/v1.0/rooms/flaky/stop-recording').set(bearer(owner));
    expect(stop.status).toBe(502);
    expect((await dbRow(start.body.id)).status).toBe('failed_to_stop');
  });
});

describe('authentication and rights', () => {
  const start = (headers: Record<string, string>) =>
    request(svc.url).post('/api/v1.0/rooms/standup/start-recording/').set(headers).send({ mode: 'screen_recording' });

  it('refuses missing, expired, wrongly signed and alg:none tokens with 401', async () => {
    expect((await start({})).status).toBe(401);
    expect((await start({ Authorization: 'Basic abc' })).status).toBe(401);
    expect((await start(bearer(owner, { expiresIn: -60 }))).status).toBe(401);
    expect((await start({ Authorization: `Bearer ${tokenFor(owner, {}, 'another-secret-0123456789abcdef')}` })).status).toBe(401);
    const none = jwt.sign({ ...owner }, '', { algorithm: 'none' });
    expect((await start({ Authorization: `Bearer ${none}` })).status).toBe(401);
    const noSub = tokenFor({ rooms: owner.rooms } as unknown as TestUser);
    expect((await start({ Authorization: `Bearer ${noSub}` })).status).toBe(401);
  });

  it('refuses a room member with 403', async () => {
    const res = await start(bearer(member));
    expect(res.status).toBe(403);
  });

  it('hides other users\' recordings (404) and lists only the caller\'s, newest first', async () => {
    const mine = await request(svc.url).get('/api/v1.0/recordings').set(bearer(owner));
    expect(mine.status).toBe(200);
    expect(mine.body.count).toBeGreaterThan(3);
    const dates = mine.body.results.map((r: { created_at: string }) => r.created_at);
    expect([...dates].sort().reverse()).toEqual(dates);
    const id = mine.body.results[0].id;
    expect((await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner))).status).toBe(200);
    expect((await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(stranger))).status).toBe(404);
    expect((await request(svc.url).get('/api/v1.0/recordings/not-a-uuid/').set(bearer(stranger))).status).toBe(404);
    const theirs = await request(svc.url).get('/api/v1.0/recordings').set(bearer(stranger));
    expect(theirs.body).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('paginates with next/previous links', async () => {
    const page1 = await request(svc.url).get('/api/v1.0/recordings?page_size=2').set(bearer(owner));
    expect(page1.body.results).toHaveLength(2);
    expect(page1.body.previous).toBeNull();
    const next = new URL(page1.body.next);
    const page2 = await request(svc.url).get(`${next.pathname}${next.search}`).set(bearer(owner));
    expect(page2.body.results).toHaveLength(2);
    expect(page2.body.results[0].id).not.toBe(page1.body.results[0].id);
    expect((await request(svc.url).get('/api/v1.0/recordings?page=0').set(bearer(owner))).status).toBe(400);
  });
});

describe('bad bodies', () => {
  const cases: [string, unknown][] = [
    ['unknown mode', { mode: 'hologram' }],
    ['missing mode', {}],
    ['mode of the wrong type', { mode: 5 }],
    ['options of the wrong type', { mode: 'screen_recording', options: 'yes' }],
    ['permanent of the wrong type', { mode: 'screen_recording', options: { permanent: 'true' } }],
    ['unknown field', { mode: 'screen_recording', extra: 1 }],
    ['an array', [1, 2]],
  ];
  it.each(cases)('%s -> 400 with a detail, nothing created', async (_name, body) => {
    const before = (await request(svc.url).get('/api/v1.0/recordings').set(bearer(owner))).body.count;
    const res = await request(svc.url).post('/api/v1.0/rooms/standup/start-recording/').set(bearer(owner)).send(body as object);
    expect(res.status).toBe(400);
    expect(typeof res.body.detail).toBe('string');
    expect(res.body.detail.length).toBeGreaterThan(5);
    const after = (await request(svc.url).get('/api/v1.0/recordings').set(bearer(owner))).body.count;
    expect(after).toBe(before);
  });

  it('malformed JSON and a huge body -> 400', async () => {
    const malformed = await request(svc.url)
      .post('/api/v1.0/rooms/standup/start-recording/')
      .set(bearer(owner))
      .set('Content-Type', 'application/json')
      .send('{"mode": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toMatch(/malformed/i);
    const huge = await request(svc.url)
      .post('/api/v1.0/rooms/standup/start-recording/')
      .set(bearer(owner))
      .send({ mode: 'screen_recording', options: { language: 'x'.repeat(200_000) } });
    expect(huge.status).toBe(400);
    expect(huge.body.detail).toMatch(/too large/i);
  });
});

describe('issuer, audience and public keys', () => {
  it('checks iss/aud and refuses algorithm confusion with an RS256 key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = await startTestService({ AUTH_JWT_SECRET: '', AUTH_JWT_PUBLIC_KEY: pem, AUTH_JWT_ISSUER: 'https://idp.example', AUTH_JWT_AUDIENCE: 'recorder' });
    try {
      const sign = (claims: object, opts: jwt.SignOptions) => jwt.sign({ ...owner, ...claims }, privateKey, { algorithm: 'RS256', expiresIn: '5m', ...opts });
      const list = (token: string) => request(rs.url).get('/api/v1.0/recordings').set('Authorization', `Bearer ${token}`);
      expect((await list(sign({}, { issuer: 'https://idp.example', audience: 'recorder' }))).status).toBe(200);
      expect((await list(sign({}, { issuer: 'https://idp.example', audience: 'someone-else' }))).status).toBe(401);
      expect((await list(sign({}, { issuer: 'https://evil.example', audience: 'recorder' }))).status).toBe(401);
      // HS256 signed with the public key as the HMAC secret: the classic confusion attack.
      const confused = jwt.sign({ ...owner, iss: 'https://idp.example', aud: 'recorder' }, pem, { algorithm: 'HS256' });
      expect((await list(confused)).status).toBe(401);
    } finally {
      await rs.close();
    }
  });
});
