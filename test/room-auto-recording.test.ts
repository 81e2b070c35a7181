import request from 'supertest';
import { eventually, minioFixture, postStorageEvent, queryDb, reasonOfRecording, statusOf } from './helpers/flow';
import { compositeStarts, deliver, join, leave, putPolicy, recordingsOf, roomJobs, roomView, settled } from './helpers/rooms';
import { bearer, type TestUser } from './helpers/service';
import { startStack, type TestStack } from './helpers/stack';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

/**
 * Recording policies through LiveKit's signed webhooks, against the real service, the fake
 * LiveKit and a real SMTP server: automatic starts as the API would, stops after the grace or at
 * room_finished, retries, a manual stop respected, layouts as LiveKit receives them.
 */

const ROOMS = ['auto', 'second', 'empties', 'manual', 'flaky', 'broken', 'demoted', 'lay-1', 'lay-2', 'lay-3', 'rejoin', 'finish', 'keep', 'late'];
const author: TestUser = {
  sub: 'policy-author',
  email: 'author@example.org',
  name: 'Ada Author',
  locale: 'fr-FR',
  zoneinfo: 'Europe/Paris',
  rooms: Object.fromEntries(ROOMS.map((r) => [r, 'owner'])),
};
const member: TestUser = { sub: 'just-a-member', email: 'member@example.org', rooms: Object.fromEntries(ROOMS.map((r) => [r, 'member'])) };
const policy = (trigger: string, extra: object = {}) => ({ trigger, mode: 'screen_recording', ...extra });

/** The room's live recording as the room view shows it, once it is active. */
async function activeRecording(stack: TestStack, room: string): Promise<Record<string, any>> {
  let live: Record<string, any> | null = null;
  await eventually(
    async () => {
      live = (await roomView(stack.svc, member, room)).recording as Record<string, any> | null;
      return live?.status === 'active';
    },
    15_000,
    `an active recording in ${room}`,
  );
  return live!;
}

describe('with a short grace', () => {
  let stack: TestStack;
  let receiver: TestWebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    stack = await startStack({
      WEBHOOK_URLS: receiver.url,
      WEBHOOK_SECRET: receiver.secret,
      AUTO_START_ATTEMPTS: '3',
      AUTO_STOP_GRACE_SECONDS: '1',
      AUTO_START_RETRY_BASE_MS: '100',
      ROOM_RECONCILE_INTERVAL_MS: '0',
      JOBS_POLL_INTERVAL_MS: '50',
      RECORDING_WORKERS: '{"screen_recording":"livekit-video","transcript":"livekit-audio","jitsi":"jibri"}',
    });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.stop();
  });

  it('automatic: the first join starts one recording owned by the author, who gets the email; the empty room stops it', async () => {
    const { svc, livekit, smtp } = stack;
    expect((await putPolicy(svc, author, 'auto', policy('automatic'))).status).toBe(200);
    await join(svc, livekit, 'auto', 'first');
    const live = await activeRecording(stack, 'auto');
    // A member sees that the room is recorded, and may do nothing with the recording.
    expect(live.abilities).toEqual({ retrieve: false, destroy: false, stop: false });
    expect((await roomView(svc, author, 'auto')).recording.abilities).toEqual({ retrieve: true, destroy: false, stop: true });

    // The recorder joins as an EGRESS participant, others come and go: still one recording.
    const [egressId] = [...livekit.egresses.values()].filter((e) => e.roomName === 'auto').map((e) => e.egressId);
    livekit.joinEgressParticipant(egressId!);
    await deliver(svc, livekit.participantEvent('auto', egressId!, 'participant_joined'));
    await join(svc, livekit, 'auto', 'second');
    await leave(svc, livekit, 'auto', 'second');
    await settled(svc, 'auto', ['room.auto-start']);
    expect(compositeStarts(livekit, 'auto')).toHaveLength(1);
    expect(compositeStarts(livekit, 'auto')[0]!.layout).toBe('speaker-light');
    expect(await recordingsOf(svc, 'auto')).toEqual([{ id: live.id, status: 'active', automatic: true, owner: 'policy-author' }]);
    expect((await roomView(svc, member, 'auto')).participants).toBe(1);

    // The last person leaves (the recorder stays): stopped once the grace is over.
    await leave(svc, livekit, 'auto', 'first');
    await eventually(async () => (await statusOf(svc.db.url, live.id)) === 'stopped', 15_000, 'automatic stop');
    expect(await reasonOfRecording(svc.db.url, live.id)).toEqual({ code: 'room_empty', detail: null });
    expect(livekit.requestsFor('StopEgress').map((r) => r.body.egressId)).toContain(egressId);

    expect((await postStorageEvent(svc.url, minioFixture('put-recording.json', live.id))).status).toBe(200);
    await eventually(async () => (await statusOf(svc.db.url, live.id)) === 'notification_succeeded', 15_000, 'email sent');
    const mails = smtp.messages.filter((m) => m.to.includes('author@example.org'));
    expect(mails).toHaveLength(1);
    expect(smtp.messages.filter((m) => m.to.includes('member@example.org'))).toHaveLength(0);
    // The author's recording, listed for them.
    const mine = await request(svc.url).get('/api/v1.0/recordings/').set(bearer(author));
    expect(mine.body.results.map((r: { id: string }) => r.id)).toContain(live.id);
  });

  it('automatic-2nd-participant: nothing on the first join, a recording on the second', async () => {
    const { svc, livekit } = stack;
    expect((await putPolicy(svc, author, 'second', policy('automatic-2nd-participant'))).status).toBe(200);
    await join(svc, livekit, 'second', 'one');
    await join(svc, livekit, 'second', 'bot', 'AGENT');
    await settled(svc, 'second');
    expect(await roomJobs(svc, 'room.auto-start', 'second')).toEqual([]);
    expect(await roomView(svc, member, 'second')).toMatchObject({ participants: 1, recording: null });
    expect(compositeStarts(livekit, 'second')).toHaveLength(0);

    await join(svc, livekit, 'second', 'two');
    await activeRecording(stack, 'second');
    expect(compositeStarts(livekit, 'second')).toHaveLength(1);
  });

  it('a policy set while its condition already holds starts a recording at once', async () => {
    const { svc, livekit } = stack;
    await join(svc, livekit, 'late', 'early-bird');
    expect(compositeStarts(livekit, 'late')).toHaveLength(0);
    expect((await putPolicy(svc, author, 'late', policy('automatic'))).status).toBe(200);
    await activeRecording(stack, 'late');
    expect((await recordingsOf(svc, 'late')).map((r) => [r.automatic, r.owner])).toEqual([[true, 'policy-author']]);
  });

  it('a recording started by hand is never stopped by the empty room', async () => {
    const { svc, livekit } = stack;
    expect((await putPolicy(svc, author, 'keep', policy('automatic'))).status).toBe(200);
    const started = await request(svc.url).post('/api/v1.0/rooms/keep/start-recording/').set(bearer(author)).send({ mode: 'screen_recording' });
    expect(started.status).toBe(201);
    await join(svc, livekit, 'keep', 'solo');
    await leave(svc, livekit, 'keep', 'solo');
    await eventually(async () => (await roomJobs(svc, 'room.auto-stop', 'keep')).some((j) => j.status === 'done'), 15_000, 'grace over');
    expect(await statusOf(svc.db.url, started.body.id)).toBe('active');
    expect(compositeStarts(livekit, 'keep')).toHaveLength(1);
  });

  it('a manual stop is respected until the room empties and fills again', async () => {
    const { svc, livekit } = stack;
    expect((await putPolicy(svc, author, 'manual', policy('automatic-2nd-participant'))).status).toBe(200);
    await join(svc, livekit, 'manual', 'host');
    await join(svc, livekit, 'manual', 'guest');
    const first = await activeRecording(stack, 'manual');
    const stop = await request(svc.url).post('/api/v1.0/rooms/manual/stop-recording/').set(bearer(author));
    expect([stop.status, stop.body.status]).toEqual([200, 'stopped']);

    // The condition becomes false and true again while the room never empties: no restart.
    await leave(svc, livekit, 'manual', 'guest');
    await join(svc, livekit, 'manual', 'guest');
    await join(svc, livekit, 'manual', 'third');
    await settled(svc, 'manual');
    expect((await roomView(svc, member, 'manual')).recording).toBeNull();
    expect(compositeStarts(livekit, 'manual')).toHaveLength(1);

    // Everyone leaves; once the room has been empty for the grace, the next fill records again.
    for (const who of ['guest', 'third', 'host']) await leave(svc, livekit, 'manual', who);
    await eventually(async () => (await roomJobs(svc, 'room.auto-stop', 'manual')).some((j) => j.status === 'done'), 15_000, 'grace over');
    await join(svc, livekit, 'manual', 'host');
    await join(svc, livekit, 'manual', 'guest');
    const second = await activeRecording(stack, 'manual');
    expect(second.id).not.toBe(first.id);
    expect(compositeStarts(livekit, 'manual')).toHaveLength(2);
  });

  const sample = async (series: RegExp) => {
    const text = (await request(stack.svc.url).get('/metrics')).text;
    const line = text.split('\n').find((l) => series.test(l));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const metric = (outcome: string) => sample(new RegExp(`^recorder_automatic_starts_total\\{outcome="${outcome}"\\} `));
  const startErrors = () =>
    sample(/^recorder_worker_call_duration_seconds_count\{(?=.*worker_kind="livekit-video")(?=.*operation="start")(?=.*outcome="error")/);

  it('LiveKit failing the automatic start twice, then succeeding: one recording, asked again within the one start', async () => {
    const { svc, livekit } = stack;
    const failedBefore = await metric('failed');
    const startedBefore = await metric('started');
    const errorsBefore = await startErrors();
    expect((await putPolicy(svc, author, 'flaky', policy('automatic'))).status).toBe(200);
    livekit.injectFault({ type: 'twirp-error', code: 'unavailable', msg: 'no egress available' }, { method: 'StartRoomCompositeEgress', times: 2 });
    await join(svc, livekit, 'flaky', 'patient');
    const live = await activeRecording(stack, 'flaky');
    await settled(svc, 'flaky', ['room.auto-start']);

    expect(compositeStarts(livekit, 'flaky')).toHaveLength(3);
    const rows = await recordingsOf(svc, 'flaky');
    expect(rows).toEqual([{ id: live.id, status: 'active', automatic: true, owner: 'policy-author' }]);
    expect(await roomJobs(svc, 'room.auto-start', 'flaky')).toEqual([{ status: 'done', last_error: null }]);
    expect((await metric('failed')) - failedBefore).toBe(0);
    expect((await metric('started')) - startedBefore).toBe(1);
    expect((await startErrors()) - errorsBefore).toBe(2);
    const gauges = (await request(svc.url).get('/metrics')).text;
    expect(gauges).toMatch(/^recorder_rooms_live \d+$/m);
    expect(gauges).toMatch(/^recorder_room_participants [1-9]\d*$/m);
  });

  it('LiveKit failing every attempt: one failed_to_start recording and one recording.failed for the fill, whoever joins after', async () => {
    const { svc, livekit } = stack;
    const failedBefore = await metric('failed');
    expect((await putPolicy(svc, author, 'broken', policy('automatic'))).status).toBe(200);
    livekit.injectFault({ type: 'twirp-error', code: 'unavailable', msg: 'no egress available' }, { method: 'StartRoomCompositeEgress', times: 50 });
    try {
      await join(svc, livekit, 'broken', 'first');
      await eventually(async () => (await roomJobs(svc, 'room.auto-start', 'broken')).some((j) => j.status === 'failed'), 15_000, 'the start gave up');
      // More people in the same fill, and the room checked against LiveKit: no new attempt.
      await join(svc, livekit, 'broken', 'second');
      await join(svc, livekit, 'broken', 'third');
      await settled(svc, 'broken', ['room.auto-start']);
      const rows = await recordingsOf(svc, 'broken');
      expect(rows.map((r) => r.status)).toEqual(['failed_to_start']);
      expect(compositeStarts(livekit, 'broken')).toHaveLength(3);
      expect(await roomJobs(svc, 'room.auto-start', 'broken')).toHaveLength(1);
      expect((await metric('failed')) - failedBefore).toBe(1);
      await eventually(async () => receiver.deliveries.some((d) => d.type === 'recording.failed' && d.body.data.id === rows[0]!.id), 15_000, 'recording.failed');
      const failedEvents = receiver.deliveries.filter((d) => d.type === 'recording.failed' && d.body.data.room === 'broken');
      expect(new Set(failedEvents.map((d) => d.id)).size).toBe(1);
    } finally {
      livekit.clearFaults();
    }
  });

  it("an author whose token no longer shows the room's owner role: the policy stops acting until it shows it again", async () => {
    const { svc, livekit } = stack;
    expect((await putPolicy(svc, author, 'demoted', policy('automatic'))).status).toBe(200);
    // The author calls the API with a token in which they are only a member of the room now.
    const demoted: TestUser = { ...author, rooms: { ...author.rooms, demoted: 'member' } };
    expect((await request(svc.url).get('/api/v1.0/recordings/').set(bearer(demoted))).status).toBe(200);
    await join(svc, livekit, 'demoted', 'first');
    await settled(svc, 'demoted', ['room.auto-start']);
    expect(await recordingsOf(svc, 'demoted')).toEqual([]);
    expect(compositeStarts(livekit, 'demoted')).toHaveLength(0);
    const shown = (await roomView(svc, member, 'demoted')).policy;
    expect(shown).toMatchObject({ trigger: 'automatic' });

    // A later token with the role again: the next fill records.
    expect((await request(svc.url).get('/api/v1.0/recordings/').set(bearer(author))).status).toBe(200);
    await leave(svc, livekit, 'demoted', 'first');
    await eventually(async () => (await roomJobs(svc, 'room.auto-stop', 'demoted')).some((j) => j.status === 'done'), 15_000, 'grace over');
    await join(svc, livekit, 'demoted', 'again');
    const live = await activeRecording(stack, 'demoted');
    expect(live.id).toBeDefined();
  });

  it('layouts: LiveKit receives the one asked for; audio-only and Jibri modes refuse one', async () => {
    const { svc, livekit } = stack;
    const start = (room: string, body: object) => request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(author)).send(body);

    const grid = await start('lay-1', { mode: 'screen_recording', options: { layout: 'grid-dark' } });
    expect(grid.status).toBe(201);
    expect(compositeStarts(livekit, 'lay-1').map((b) => b.layout)).toEqual(['grid-dark']);

    for (const [body, detail] of [
      [{ mode: 'transcript', options: { layout: 'grid' } }, /layouts apply to LiveKit video modes only/],
      [{ mode: 'jitsi', options: { layout: 'speaker' } }, /layouts apply to LiveKit video modes only/],
      [{ mode: 'screen_recording', options: { layout: 'mosaic' } }, /options\.layout/],
      [{ mode: 'screen_recording', options: { layout: 'custom-https://example.org' } }, /options\.layout/],
    ] as const) {
      const res = await start('lay-2', body);
      expect([res.status, res.body.detail]).toEqual([400, expect.stringMatching(detail)]);
    }
    expect(compositeStarts(livekit, 'lay-2')).toHaveLength(0);
    expect(await recordingsOf(svc, 'lay-2')).toEqual([]);

    // A policy's layout reaches LiveKit too; a policy for a Jibri mode is refused.
    expect((await putPolicy(svc, author, 'lay-3', policy('automatic', { mode: 'jitsi' }))).status).toBe(400);
    expect((await putPolicy(svc, author, 'lay-3', policy('automatic', { options: { layout: 'single-speaker-light' } }))).status).toBe(200);
    await join(svc, livekit, 'lay-3', 'speaker');
    await activeRecording(stack, 'lay-3');
    expect(compositeStarts(livekit, 'lay-3').map((b) => b.layout)).toEqual(['single-speaker-light']);
  });
});

describe('with a long grace', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ AUTO_STOP_GRACE_SECONDS: '3600', ROOM_RECONCILE_INTERVAL_MS: '0', JOBS_POLL_INTERVAL_MS: '50' });
  });
  afterAll(() => stack?.close());

  it('a participant back within the grace keeps the recording running', async () => {
    const { svc, livekit } = stack;
    expect((await putPolicy(svc, author, 'rejoin', policy('automatic'))).status).toBe(200);
    await join(svc, livekit, 'rejoin', 'flaky-wifi');
    const live = await activeRecording(stack, 'rejoin');
    await leave(svc, livekit, 'rejoin', 'flaky-wifi');
    await join(svc, livekit, 'rejoin', 'flaky-wifi');
    // The stop job of that vacancy comes due (as if the grace were over): the room is occupied, nothing stops.
    await queryDb(svc.db.url, `UPDATE jobs SET run_at = now() WHERE kind = 'room.auto-stop' AND payload->>'room' = 'rejoin'`);
    await eventually(async () => (await roomJobs(svc, 'room.auto-stop', 'rejoin')).every((j) => j.status === 'cancelled'), 15_000, 'stop job decided');
    expect(await roomJobs(svc, 'room.auto-stop', 'rejoin')).toEqual([{ status: 'cancelled', last_error: 'the room was occupied again' }]);
    await settled(svc, 'rejoin');
    expect(await statusOf(svc.db.url, live.id)).toBe('active');
    expect(compositeStarts(livekit, 'rejoin')).toHaveLength(1);
  });

  it('room_finished stops the automatic recording at once', async () => {
    const { svc, livekit } = stack;
    expect((await putPolicy(svc, author, 'finish', policy('automatic'))).status).toBe(200);
    livekit.createRoom('finish');
    await deliver(svc, livekit.roomEvent('finish', 'room_started'));
    await join(svc, livekit, 'finish', 'lecturer');
    const live = await activeRecording(stack, 'finish');
    livekit.deleteRoom('finish');
    await deliver(svc, livekit.participantEvent('finish', 'lecturer', 'participant_left'), livekit.roomEvent('finish', 'room_finished'));
    expect(await statusOf(svc.db.url, live.id)).toBe('stopped');
    expect(await reasonOfRecording(svc.db.url, live.id)).toEqual({ code: 'room_finished', detail: null });
    expect(await roomView(svc, member, 'finish')).toMatchObject({ is_active: false, participants: 0, recording: null });
    await settled(svc, 'finish', ['room.auto-start']);
    expect(await statusOf(svc.db.url, live.id)).toBe('stopped');
  });

  it('a room still empty before the grace is over keeps its recording', async () => {
    const { svc, livekit } = stack;
    expect((await putPolicy(svc, author, 'empties', policy('automatic'))).status).toBe(200);
    await join(svc, livekit, 'empties', 'briefly');
    const live = await activeRecording(stack, 'empties');
    await leave(svc, livekit, 'empties', 'briefly');
    const [job] = await roomJobs(svc, 'room.auto-stop', 'empties');
    expect(job!.status).toBe('pending');
    expect(await statusOf(svc.db.url, live.id)).toBe('active');
  });
});
