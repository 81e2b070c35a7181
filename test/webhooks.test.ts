import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../src/config/config';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb, jobsSettled } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { deliver } from './helpers/rooms';
import { startS3Server, type TestS3 } from './helpers/s3';
import { startS3Recorder, type S3Recorder } from './helpers/s3-recorder';
import { savedRecording } from './helpers/saved-recording';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp';
import { newWebhookSecret, startWebhookReceiver, type TestWebhookReceiver, type VerifiedDelivery } from './helpers/webhook-receiver';

/**
 * Events to the host application, end to end: the real service POSTs to a real HTTP receiver
 * that verifies every delivery with the official `standardwebhooks` library. Two endpoints
 * (paths /a and /b of one receiver) get every event once each, in the order of their causes.
 */

const owner: TestUser = { sub: 'wh-owner', email: 'wh-owner@example.org', name: 'Ada', rooms: { w1: 'owner', w2: 'owner', w3: 'owner', lr: 'owner' } };
const MEDIA = { bytes: Buffer.from('fake mp4 bytes for the webhook test '.repeat(100)), contentType: 'video/mp4' };

let s3: TestS3;
let storage: S3Recorder;
let livekit: FakeLivekitServer;
let smtp: TestSmtpServer;
let receiver: TestWebhookReceiver;
let svc: TestService;

beforeAll(async () => {
  s3 = await startS3Server();
  storage = await startS3Recorder(s3);
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  smtp = await startSmtpServer();
  receiver = await startWebhookReceiver();
  svc = await startTestService({
    ...fake.env,
    ...storage.env,
    ...smtp.env,
    JOBS_POLL_INTERVAL_MS: '100',
    WEBHOOK_URLS: `${receiver.url.replace('/hooks', '/a')},${receiver.url.replace('/hooks', '/b')}`,
    WEBHOOK_SECRET: receiver.secret,
    WEBHOOK_MEDIA_URL_TTL_SECONDS: '600',
  });
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await receiver?.stop();
  await smtp?.stop();
  await livekit?.close();
  await storage?.close();
  await s3?.close();
});

const ofRecording = (id: string) => receiver.deliveries.filter((d) => (d.body.data as { id?: string }).id === id);
const typesAt = (list: VerifiedDelivery[], path: string) => list.filter((d) => d.path === path).map((d) => d.type);

describe('a recording from start to email', () => {
  let id: string;

  beforeAll(async () => {
    receiver.clear();
    id = (await savedRecording(svc.url, s3, owner, 'w1', MEDIA)).id;
    await smtp.waitForMessages(1);
    await eventually(async () => ofRecording(id).length >= 6, 10_000, 'six deliveries');
  });

  it('sends started, stopped and ready once per endpoint, in the order of their causes', async () => {
    await jobsSettled(svc.db.url, 'webhook.%'); // nothing more comes
    const events = ofRecording(id);
    expect(typesAt(events, '/a')).toEqual(['recording.started', 'recording.stopped', 'recording.ready']);
    expect(typesAt(events, '/b')).toEqual(['recording.started', 'recording.stopped', 'recording.ready']);
    // One id per event, the same at both endpoints; distinct between events.
    for (const type of ['recording.started', 'recording.stopped', 'recording.ready']) {
      const ids = new Set(events.filter((d) => d.type === type).map((d) => d.id));
      expect(ids.size).toBe(1);
    }
    expect(new Set(events.map((d) => d.id)).size).toBe(3);
    expect(receiver.rejected).toEqual([]);
  });

  it('carries the recording JSON of the API (without abilities), its owners by sub, and no address', async () => {
    const api = (await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner))).body as Record<string, unknown>;
    const events = ofRecording(id).filter((d) => d.path === '/a');
    const byType = Object.fromEntries(events.map((d) => [d.type, d.body]));
    expect(byType['recording.started']!.data.status).toBe('active');
    expect(byType['recording.stopped']!.data.status).toBe('stopped');
    const ready = byType['recording.ready']!;
    // `notifications` is the API's view of one recording's emails, not part of the recording JSON.
    const { abilities: _a, status: _s, updated_at: _u, files: apiFiles, notifications: _n, ...stable } = api;
    const { status, owners, files, updated_at: _ru, ...readyStable } = ready.data as Record<string, unknown>;
    expect(readyStable).toEqual(stable);
    expect(['saved', 'notification_succeeded']).toContain(status);
    expect(owners).toEqual([{ sub: owner.sub }]);
    expect((files as Record<string, unknown>[]).map(({ media_url: _m, ...f }) => f)).toEqual(apiFiles);
    expect(ready.data).not.toHaveProperty('abilities');
    expect(typeof ready.timestamp).toBe('string');
    expect(Number.isNaN(Date.parse(ready.timestamp))).toBe(false);
    for (const d of events) expect(d.raw).not.toContain('@example.org');
  });

  it("gives recording.ready a media_url that fetches the object's bytes from storage", async () => {
    const ready = ofRecording(id).find((d) => d.type === 'recording.ready')!;
    const [file] = ready.body.data.files as { media_url: string; key: string }[];
    expect(file!.media_url).toMatch(/X-Amz-Signature=/);
    expect(file!.media_url).toMatch(/X-Amz-Expires=600/);
    const res = await fetch(file!.media_url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(MEDIA.bytes)).toBe(true);
  });

  it('verifies only as sent: a tampered body or an old timestamp fails Webhook.verify', async () => {
    const d = ofRecording(id)[0]!;
    const verifier = new Webhook(receiver.secret);
    expect(() => verifier.verify(d.raw, d.headers)).not.toThrow();
    expect(() => verifier.verify(d.raw.replace('"recording.', '"recordinG.'), d.headers)).toThrow(/signature/i);
    const later = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 10 * 60_000);
    try {
      expect(() => verifier.verify(d.raw, d.headers)).toThrow(/timestamp/i);
    } finally {
      later.mockRestore();
    }
  });

  it('sends recording.deleted with its last state when the owner deletes it', async () => {
    const del = await request(svc.url).delete(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
    expect(del.status).toBe(204);
    await eventually(async () => ofRecording(id).filter((d) => d.type === 'recording.deleted').length === 2, 10_000, 'deleted events');
    const deleted = ofRecording(id).find((d) => d.type === 'recording.deleted')!;
    expect(deleted.body.data).toMatchObject({ id, room: 'w1', owners: [{ sub: owner.sub }] });
  });
});

describe('failures', () => {
  it('sends recording.failed with data.reason {code, detail} when the worker cannot start', async () => {
    receiver.clear();
    livekit.injectFault({ type: 'twirp-error', code: 'unavailable', msg: 'egress is down' }, { method: 'StartRoomCompositeEgress' });
    const start = await request(svc.url).post('/api/v1.0/rooms/w2/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(start.status).toBe(502);
    const [a] = await receiver.waitForDeliveries(2);
    expect(a!.type).toBe('recording.failed');
    expect(a!.body.data).toMatchObject({ status: 'failed_to_start', room: 'w2' });
    expect(a!.body.data.reason).toEqual({ code: 'no_recorder_available', detail: expect.stringContaining('egress is down') });
    // The snapshot is taken after its composite was failed, in the same transaction.
    expect(a!.body.data.files).toEqual([expect.objectContaining({ kind: 'composite', status: 'failed' })]);
  });
});

describe('rooms', () => {
  it('sends room.started and room.finished once each per session, repeats and all', async () => {
    receiver.clear();
    livekit.createRoom('lr');
    const started = livekit.roomEvent('lr', 'room_started');
    await deliver(svc, started, started);
    const finished = livekit.roomEvent('lr', 'room_finished');
    await deliver(svc, finished, finished);
    await receiver.waitForDeliveries(4);
    await jobsSettled(svc.db.url, 'webhook.%');
    expect(typesAt([...receiver.deliveries], '/a')).toEqual(['room.started', 'room.finished']);
    expect(typesAt([...receiver.deliveries], '/b')).toEqual(['room.started', 'room.finished']);
    expect(receiver.deliveries[0]!.body.data).toMatchObject({ room: 'lr' });
  });
});

describe('settings', () => {
  const base = { AUTH_JWT_SECRET: 'x'.repeat(40), RECORDING_STORAGE_EVENT_TOKEN: 'token' };
  it('refuses a bad secret, a bad endpoint and an unknown event type, naming the variable', () => {
    expect(() => loadConfig({ ...base, WEBHOOK_URLS: 'http://h/x' })).toThrow(/^WEBHOOK_SECRET: required/);
    expect(() => loadConfig({ ...base, WEBHOOK_URLS: 'http://h/x', WEBHOOK_SECRET: 'not-a-secret' })).toThrow(/^WEBHOOK_SECRET:/);
    expect(() => loadConfig({ ...base, WEBHOOK_URLS: 'http://h/x', WEBHOOK_SECRET: `whsec_${Buffer.alloc(8).toString('base64')}` })).toThrow(/^WEBHOOK_SECRET:/);
    expect(() => loadConfig({ ...base, WEBHOOK_URLS: 'ftp://h/x', WEBHOOK_SECRET: newWebhookSecret() })).toThrow(/^WEBHOOK_URLS:/);
    expect(() => loadConfig({ ...base, WEBHOOK_URLS: 'https://user:pw@h/x', WEBHOOK_SECRET: newWebhookSecret() })).toThrow(/^WEBHOOK_URLS:/);
    expect(() => loadConfig({ ...base, WEBHOOK_EVENTS: 'recording.started,recording.exploded' })).toThrow(/^WEBHOOK_EVENTS: unknown event type "recording.exploded"/);
    const ok = loadConfig({ ...base, WEBHOOK_URLS: 'https://a.example/h, https://b.example/h', WEBHOOK_SECRET: newWebhookSecret(), WEBHOOK_EVENTS: 'recording.ready' });
    expect(ok.webhooks).toMatchObject({ endpoints: ['https://a.example/h', 'https://b.example/h'], events: ['recording.ready'], maxAttempts: 10, timeoutMs: 10000, retryBaseMs: 5000, mediaUrlTtlSeconds: 3600 });
  });
});
