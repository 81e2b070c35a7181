import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { reasonOf, scrubDetail } from '../src/recording/reason';

/** A recording's `reason` in the API after a start the fake LiveKit refused, and what its page says. */

const owner: TestUser = { sub: 'reason-owner', rooms: { refused: 'owner', full: 'owner', down: 'owner', fine: 'owner' } };

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

async function start(room: string) {
  return request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
}

async function failedIn(room: string) {
  const list = await request(svc.url).get(`/api/v1.0/recordings/?room=${room}`).set(bearer(owner));
  expect(list.body.count).toBe(1);
  return list.body.results[0] as { id: string; status: string; reason: unknown };
}

describe('reason in the recording JSON', () => {
  it("is start_failed with the worker's words when LiveKit refuses the start", async () => {
    livekit.injectFault({ type: 'twirp-error', code: 'invalid_argument', msg: 'no egress at all' }, { method: 'StartRoomCompositeEgress' });
    expect((await start('refused')).status).toBe(502);
    const failed = await failedIn('refused');
    expect(failed.status).toBe('failed_to_start');
    expect(failed.reason).toEqual({ code: 'start_failed', detail: expect.stringContaining('no egress at all') });
    const one = await request(svc.url).get(`/api/v1.0/recordings/${failed.id}/`).set(bearer(owner));
    expect(one.body.reason).toEqual(failed.reason);
  });

  it('is no_recorder_available when LiveKit has no egress worker free (and there is no queue)', async () => {
    livekit.injectFault({ type: 'twirp-error', code: 'unavailable', msg: 'no egress worker free' }, { method: 'StartRoomCompositeEgress' });
    expect((await start('full')).status).toBe(502);
    const failed = await failedIn('full');
    expect(failed.reason).toEqual({ code: 'no_recorder_available', detail: expect.stringContaining('no egress worker free') });
  });

  it('comes with its composite file failed, not pending', async () => {
    const failed = await failedIn('refused');
    const one = await request(svc.url).get(`/api/v1.0/recordings/${failed.id}/`).set(bearer(owner));
    expect(one.body.files).toEqual([expect.objectContaining({ kind: 'composite', status: 'failed', size: null })]);
  });

  it('is start_failed when LiveKit cannot be reached', async () => {
    await livekit.close();
    const res = await start('down');
    await livekit.listen();
    expect(res.status).toBe(502);
    const failed = await failedIn('down');
    expect(failed.reason).toMatchObject({ code: 'start_failed', detail: expect.stringMatching(/unreachable/) });
  });

  it('is null for a recording started and stopped by its owner', async () => {
    expect((await start('fine')).status).toBe(201);
    await request(svc.url).post('/api/v1.0/rooms/fine/stop-recording/').set(bearer(owner)).expect(200);
    const list = await request(svc.url).get('/api/v1.0/recordings/?room=fine').set(bearer(owner));
    expect(list.body.results[0]).toMatchObject({ status: 'stopped', reason: null });
  });
});

describe("a failed recording's page", () => {
  it.each([
    ['en', 'This recording failed and will not become ready to watch. The recorder could not start.'],
    ['fr', 'Cet enregistrement a échoué et ne pourra pas être regardé. L’enregistreur n’a pas pu démarrer.'],
    ['de', 'Diese Aufnahme ist fehlgeschlagen und wird nicht abrufbar werden. Der Aufnahmedienst konnte nicht starten.'],
    ['nl', 'Deze opname is mislukt en zal niet te bekijken zijn. De opnamedienst kon niet starten.'],
  ])('says why and that it will not become ready (%s)', async (language, text) => {
    const failed = await failedIn('refused');
    const page = await request(svc.url).get(`/recordings/${failed.id}`).set(bearer(owner)).set('Accept-Language', language);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<p id="not-ready">${text}</p>`);
    expect(page.text).not.toMatch(/not ready to be watched yet|pas encore|noch nicht|nog niet/);
  });
});

describe('detail scrubbing', () => {
  it('keeps the words and drops credentials', () => {
    const raw = 'rejected: POST https://user:pw@lk.example/twirp?access_token=abc Bearer eyJhbGciOi.eyJzdWIiOi.sig secret=s3cr3t for ops@example.org';
    const detail = scrubDetail(raw);
    expect(detail).toContain('rejected: POST https://lk.example/twirp');
    for (const leaked of ['user:pw', 'abc', 'eyJ', 's3cr3t', 'ops@example.org']) expect(detail).not.toContain(leaked);
    expect(reasonOf('room_empty')).toEqual({ code: 'room_empty', detail: null });
  });
});
