import fc from 'fast-check';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { postLivekitWebhook } from './fakes/livekit-webhook';
import { stoppedRecording } from './helpers/flow';
import { LK_KEY, LK_SECRET, startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService } from './helpers/service';

/**
 * Names PostgreSQL cannot store (a NUL byte) or that are no identifier (control characters) in a
 * token's claims or a LiveKit room: a 4xx or an ignored claim, never a 500. And a Host header
 * the caller chose never reaches the paging links.
 */

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

const FUZZ_RUNS = 100;
const owner = { sub: 'paging-owner', rooms: { 'paging-a': 'owner', 'paging-b': 'owner' } } as const;
const webhookUrl = () => `${svc.url}/api/v1.0/rooms/webhooks-livekit/`;
let eventCount = 0;

function roomEvents(name: string): object[] {
  const stamp = () => ({ id: `EV_bad_${++eventCount}`, createdAt: String(1_700_000_000 + eventCount) });
  const room = { sid: 'RM_bad', name };
  const participant = { sid: 'PA_bad', identity: 'someone', name: 'Someone', state: 'ACTIVE', kind: 'STANDARD' };
  return [
    { event: 'room_started', room, ...stamp() },
    { event: 'participant_joined', room, participant, ...stamp() },
    { event: 'track_published', room, participant, track: { sid: 'TR_bad', type: 'AUDIO', source: 'MICROPHONE' }, ...stamp() },
    { event: 'participant_left', room, participant, ...stamp() },
    { event: 'egress_started', egressInfo: { egressId: 'EG_bad', roomName: name, status: 'EGRESS_ACTIVE' }, ...stamp() },
    { event: 'room_finished', room, ...stamp() },
  ];
}

describe('a NUL byte in the claims of a token', () => {
  it('in `sub` answers 401', async () => {
    const res = await request(svc.url).get('/api/v1.0/recordings/').set(bearer({ sub: 'a\u0000b' }));
    expect(res.status).toBe(401);
  });

  it('in `name` is treated as no name, like any other unusable optional claim', async () => {
    const user = { sub: 'nul-name', name: 'a\u0000b', email: 'nul@example.com', rooms: { 'nul-room': 'owner' } };
    expect((await request(svc.url).get('/api/v1.0/recordings/').set(bearer(user))).status).toBe(200);
    const start = await request(svc.url).post('/api/v1.0/rooms/nul-room/start-recording/').set(bearer(user)).send({ mode: 'screen_recording' });
    expect(start.status).toBeLessThan(500);
  });

  it('fuzz: arbitrary strings in sub, name and room claims never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 12, unit: 'binary' }), fc.string({ maxLength: 12, unit: 'binary' }), async (sub, name) => {
        const res = await request(svc.url).get('/api/v1.0/recordings/').set(bearer({ sub, name, rooms: { [name || 'x']: 'owner' } }));
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('a NUL byte in a LiveKit room name', () => {
  it('in the URL of a room route answers 400', async () => {
    const res = await request(svc.url).get('/api/v1.0/rooms/a%00b/').set(bearer({ sub: 'u', rooms: { 'a\u0000b': 'owner' } }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('in webhook events answers 400, whatever the event', async () => {
    for (const event of roomEvents('a\u0000b')) {
      const res = await postLivekitWebhook(webhookUrl(), event, { apiKey: LK_KEY, apiSecret: LK_SECRET });
      expect({ event: (event as { event: string }).event, status: res.status }).toEqual({ event: (event as { event: string }).event, status: 400 });
    }
  });

  it('fuzz: arbitrary room names in webhook events never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }), async (name) => {
        for (const event of roomEvents(name)) {
          const res = await postLivekitWebhook(webhookUrl(), event, { apiKey: LK_KEY, apiSecret: LK_SECRET });
          expect(res.status).toBeLessThan(500);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('the Host header and the paging links of GET /api/v1.0/recordings/', () => {
  beforeAll(async () => {
    await stoppedRecording(svc.url, owner, 'paging-a');
    await stoppedRecording(svc.url, owner, 'paging-b');
  });

  it.each(['[', 'evil.example:99999', 'evil.example'])('Host %j neither fails the page nor appears in its links', async (host) => {
    const res = await request(svc.url).get('/api/v1.0/recordings/?page_size=1').set(bearer(owner)).set('Host', host);
    expect(res.status).toBe(200);
    expect(res.body.count).toBeGreaterThan(1);
    expect(res.body.next).toBe(`${svc.config.server.publicUrl}/api/v1.0/recordings/?page=2&page_size=1`);
    const second = await request(svc.url).get('/api/v1.0/recordings/?page_size=1&page=2').set(bearer(owner)).set('Host', host);
    expect(second.body.previous).toBe(`${svc.config.server.publicUrl}/api/v1.0/recordings/?page=1&page_size=1`);
  });

  it('fuzz: any printable Host never answers 5xx', async () => {
    const printable = fc.string({ maxLength: 20, unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) });
    await fc.assert(
      fc.asyncProperty(printable, async (host) => {
        const res = await request(svc.url).get('/api/v1.0/recordings/?page_size=1').set(bearer(owner)).set('Host', host);
        expect(res.status).toBeLessThan(500);
        if (host) expect(JSON.stringify(res.body)).not.toContain(`//${host}/`);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
