import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { postLivekitWebhook, signLivekitWebhook } from './fakes/livekit-webhook';
import { eventually, queryDb, reasonOfRecording, statusOf } from './helpers/flow';
import { LK_KEY, LK_SECRET, startFakeLivekit } from './helpers/livekit-env';
import { pauseReconciler } from './helpers/reconciler-pause';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp';

const owner: TestUser = { sub: 'lk-owner', email: 'lk@example.org', rooms: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`room-${i}`, 'owner'])) };

let svc: TestService;
let livekit: FakeLivekitServer;
let smtp: TestSmtpServer;
let hookUrl: string;
const creds = { apiKey: LK_KEY, apiSecret: LK_SECRET };

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  smtp = await startSmtpServer();
  svc = await startTestService({ ...fake.env, ...smtp.env, EMAIL_POLL_INTERVAL_MS: '100' });
  hookUrl = `${svc.url}/api/v1.0/rooms/webhooks-livekit/`;
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
  await smtp?.stop();
});

async function activeRecording(room: string): Promise<{ id: string; egressId: string }> {
  const res = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(res.status).toBe(201);
  const [row] = await queryDb<{ worker_id: string }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [res.body.id]);
  return { id: res.body.id, egressId: row!.worker_id };
}

async function compositeStatus(id: string): Promise<string | undefined> {
  const [row] = await queryDb<{ status: string }>(svc.db.url, "SELECT status FROM recording_files WHERE recording_id = $1 AND kind = 'composite'", [id]);
  return row?.status;
}

describe('signatures', () => {
  it('refuses unsigned, wrongly signed and tampered deliveries with 401', async () => {
    const { id, egressId } = await activeRecording('room-0');
    const event = livekit.endEgress(egressId, 'EGRESS_ABORTED');
    expect((await postLivekitWebhook(hookUrl, event, { ...creds, authorization: null })).status).toBe(401);
    expect((await postLivekitWebhook(hookUrl, event, { apiKey: LK_KEY, apiSecret: 'not-the-secret-0123456789' })).status).toBe(401);
    expect((await postLivekitWebhook(hookUrl, event, { ...creds, authorization: 'Bearer junk' })).status).toBe(401);
    const signedOther = await signLivekitWebhook(LK_KEY, LK_SECRET, JSON.stringify({ event: 'room_finished' }));
    expect((await postLivekitWebhook(hookUrl, event, { ...creds, authorization: signedOther })).status).toBe(401);
    expect(await statusOf(svc.db.url, id)).toBe('active');
  });

  it('answers 400, not 500, to junk that carries a valid signature', async () => {
    for (const junk of ['not json at all', '{"event": 12, "egressInfo": "x"}', '[]', '']) {
      const res = await postLivekitWebhook(hookUrl, junk, creds);
      expect(res.status).toBe(400);
    }
  });
});

describe('egress events keep the recording true', () => {
  it('egress_started confirms an initiated recording as active', async () => {
    const { id, egressId } = await activeRecording('room-1');
    await queryDb(svc.db.url, "UPDATE recordings SET status = 'initiated', worker_id = NULL WHERE id = $1", [id]);
    livekit.activateEgress(egressId);
    const res = await postLivekitWebhook(hookUrl, livekit.webhookEvent(egressId, 'egress_started'), creds);
    expect(res.status).toBe(200);
    const [row] = await queryDb<{ status: string; worker_id: string }>(svc.db.url, 'SELECT status, worker_id FROM recordings WHERE id = $1', [id]);
    expect(row).toEqual({ status: 'active', worker_id: egressId });
    expect((await postLivekitWebhook(hookUrl, livekit.webhookEvent(egressId, 'egress_updated'), creds)).status).toBe(200);
    expect(await statusOf(svc.db.url, id)).toBe('active');
  });

  it.each([
    ['EGRESS_FAILED', 'failed_to_stop'],
    ['EGRESS_ABORTED', 'aborted'],
    ['EGRESS_LIMIT_REACHED', 'stopped'],
    ['EGRESS_COMPLETE', 'stopped'],
  ] as const)('egress_ended %s -> %s', async (egressStatus, expected) => {
    const room = `room-${2 + ['EGRESS_FAILED', 'EGRESS_ABORTED', 'EGRESS_LIMIT_REACHED', 'EGRESS_COMPLETE'].indexOf(egressStatus)}`;
    const { id, egressId } = await activeRecording(room);
    if (egressStatus === 'EGRESS_FAILED') {
      // It recorded first: a failure before that is the start watchdog's (test/start-watchdog.test.ts).
      livekit.activateEgress(egressId);
      expect((await postLivekitWebhook(hookUrl, livekit.webhookEvent(egressId, 'egress_updated'), creds)).status).toBe(200);
    }
    const res = await postLivekitWebhook(hookUrl, livekit.endEgress(egressId, egressStatus, egressStatus === 'EGRESS_FAILED' ? 'pipeline error' : ''), creds);
    expect(res.status).toBe(200);
    expect(await statusOf(svc.db.url, id)).toBe(expected);
    // The room is free again.
    const next = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(next.status).toBe(201);
  });

  it('egress_ended FAILED for a recording still initiated -> failed_to_start', async () => {
    const { id, egressId } = await activeRecording('room-6');
    await queryDb(svc.db.url, "UPDATE recordings SET status = 'initiated' WHERE id = $1", [id]);
    await postLivekitWebhook(hookUrl, livekit.endEgress(egressId, 'EGRESS_FAILED', 'no publisher'), creds);
    expect(await statusOf(svc.db.url, id)).toBe('failed_to_start');
    expect(await compositeStatus(id)).toBe('failed');
  });

  it('an aborted recording has its composite file failed, in the JSON too', async () => {
    const { id, egressId } = await activeRecording('room-9');
    expect(await compositeStatus(id)).toBe('pending');
    expect((await postLivekitWebhook(hookUrl, livekit.endEgress(egressId, 'EGRESS_ABORTED'), creds)).status).toBe(200);
    expect(await statusOf(svc.db.url, id)).toBe('aborted');
    const one = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
    expect(one.body.files).toEqual([expect.objectContaining({ kind: 'composite', status: 'failed' })]);
  });

  it('a stop or a limit leaves the composite pending: its file still comes', async () => {
    const { id, egressId } = await activeRecording('room-10');
    await postLivekitWebhook(hookUrl, livekit.endEgress(egressId, 'EGRESS_LIMIT_REACHED'), creds);
    expect(await statusOf(svc.db.url, id)).toBe('stopped');
    expect(await compositeStatus(id)).toBe('pending');
  });

  it('room_finished stops what is still active in the room', async () => {
    const { id } = await activeRecording('room-7');
    const res = await postLivekitWebhook(hookUrl, { event: 'room_finished', room: { sid: 'RM_x', name: 'room-7' }, id: 'EV_1', createdAt: '1' }, creds);
    expect(res.status).toBe(200);
    expect(await statusOf(svc.db.url, id)).toBe('stopped');
    expect(await reasonOfRecording(svc.db.url, id)).toEqual({ code: 'room_finished', detail: null });
  });

  it('an event about an unknown egress is accepted and changes nothing', async () => {
    const { egressId } = await activeRecording('room-8');
    const event = livekit.webhookEvent(egressId, 'egress_ended') as { egressInfo: Record<string, unknown> };
    event.egressInfo = { ...event.egressInfo, egressId: 'EG_unknown', roomComposite: undefined, fileResults: undefined };
    expect((await postLivekitWebhook(hookUrl, event, creds)).status).toBe(200);
    expect((await postLivekitWebhook(hookUrl, { event: 'participant_joined', id: 'EV_2', createdAt: '1' }, creds)).status).toBe(200);
  });
});

describe('with RECORDING_STORAGE_EVENT_ENABLE=false', () => {
  it('egress_ended COMPLETE saves the recording and notifies once', async () => {
    const fake = await startFakeLivekit();
    const other = await startTestService({ ...fake.env, ...smtp.env, RECORDING_STORAGE_EVENT_ENABLE: 'false', EMAIL_POLL_INTERVAL_MS: '100' });
    try {
      const user: TestUser = { sub: 'nostorage', email: 'nostorage@example.org', rooms: { quiet: 'owner' } };
      const res = await request(other.url).post('/api/v1.0/rooms/quiet/start-recording/').set(bearer(user)).send({ mode: 'screen_recording' });
      const [row] = await queryDb<{ worker_id: string }>(other.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [res.body.id]);
      const url = `${other.url}/api/v1.0/rooms/webhooks-livekit`;
      const event = fake.livekit.endEgress(row!.worker_id, 'EGRESS_COMPLETE');
      expect((await postLivekitWebhook(url, event, creds)).status).toBe(200);
      expect((await postLivekitWebhook(url, event, creds)).status).toBe(200);
      await eventually(async () => (await statusOf(other.db.url, res.body.id)) === 'notification_succeeded', 10_000, 'notification');
      expect(smtp.messages.filter((m) => m.to.includes('nostorage@example.org'))).toHaveLength(1);
    } finally {
      await other.close();
      await fake.livekit.close();
    }
  });
});

describe('with a maximum duration', () => {
  it('egress_ended for a recording past its maximum duration: stopped with the limit stop\'s reason, even before that stop\'s own change', async () => {
    const fake = await startFakeLivekit();
    const limited = await startTestService({ ...fake.env, ...smtp.env, RECORDING_MAX_DURATION: '60000' });
    // Held, so that the report (not the reconciler's own limit stop) makes the change.
    const resume = await pauseReconciler(limited.db.url);
    try {
      const res = await request(limited.url).post('/api/v1.0/rooms/room-11/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
      expect(res.status).toBe(201);
      const [row] = await queryDb<{ worker_id: string }>(limited.db.url, "UPDATE recordings SET created_at = now() - interval '2 minutes' WHERE id = $1 RETURNING worker_id", [res.body.id]);
      const event = fake.livekit.endEgress(row!.worker_id, 'EGRESS_COMPLETE');
      expect((await postLivekitWebhook(`${limited.url}/api/v1.0/rooms/webhooks-livekit/`, event, creds)).status).toBe(200);
      expect(await statusOf(limited.db.url, res.body.id)).toBe('stopped');
      expect(await reasonOfRecording(limited.db.url, res.body.id)).toEqual({ code: 'limit_reached', detail: 'the recording reached its maximum duration (60 s)' });
    } finally {
      await resume();
      await limited.close();
      await fake.livekit.close();
    }
  });
});
