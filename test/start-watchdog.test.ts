import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { postLivekitWebhook } from './fakes/livekit-webhook';
import { eventually, queryDb, statusOf } from './helpers/flow';
import { LK_KEY, LK_SECRET, startFakeLivekit } from './helpers/livekit-env';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

const rooms = ['wd-replace', 'wd-fail', 'wd-timeout', 'wd-missed', 'wd-race', 'wd-stray'];
const owner: TestUser = { sub: 'wd-owner', rooms: Object.fromEntries(rooms.map((r) => [r, 'owner'])) };
const creds = { apiKey: LK_KEY, apiSecret: LK_SECRET };

let svc: TestService;
let livekit: FakeLivekitServer;
let receiver: TestWebhookReceiver;
let hookUrl: string;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  receiver = await startWebhookReceiver();
  svc = await startTestService({
    ...fake.env,
    RECORDING_START_TIMEOUT_SECONDS: '1',
    RECORDING_START_RETRIES: '1',
    JOBS_POLL_INTERVAL_MS: '100',
    WEBHOOK_URLS: receiver.url,
    WEBHOOK_SECRET: receiver.secret,
  });
  hookUrl = `${svc.url}/api/v1.0/rooms/webhooks-livekit/`;
}, 30_000);

afterAll(async () => {
  await svc?.close();
  await livekit?.close();
  await receiver?.stop();
});

/** The room's composite egresses in the fake, oldest first. */
const compositesIn = (room: string) => [...livekit.egresses.values()].filter((e) => e.kind === 'room_composite' && e.roomName === room);

async function start(room: string): Promise<{ id: string; egressId: string }> {
  const res = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('active');
  const [row] = await queryDb<{ worker_id: string }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [res.body.id]);
  return { id: res.body.id, egressId: row!.worker_id };
}

async function workerIdOf(id: string): Promise<string> {
  const [row] = await queryDb<{ worker_id: string }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [id]);
  return row!.worker_id;
}

async function checkDone(id: string, attempt: number): Promise<boolean> {
  const rows = await queryDb<{ status: string }>(svc.db.url, "SELECT status FROM jobs WHERE kind = 'recording.start-watch' AND recording_id = $1 AND key LIKE $2", [id, `%:${id}:${attempt}`]);
  return rows.length === 1 && rows[0]!.status === 'done';
}

const filepathOf = (egress: ReturnType<typeof compositesIn>[number]) => ((egress.roomComposite as { fileOutputs: { filepath: string }[] }).fileOutputs[0]!.filepath);

describe('the start watchdog', () => {
  it('replaces an egress still EGRESS_STARTING after the timeout; the replacement records, a late report of the first changes nothing, stop stops the second', async () => {
    const room = 'wd-replace';
    const { id, egressId: first } = await start(room);
    await eventually(async () => compositesIn(room).length === 2, 10_000, 'a second egress');
    await eventually(async () => (await workerIdOf(id)) !== first, 10_000, 'the recording on the second egress');
    const [old, second] = compositesIn(room);
    expect(old!.egressId).toBe(first);
    // The first was stopped; the second writes the same object for the same recording.
    expect(old!.status).not.toMatch(/STARTING|ACTIVE/);
    expect(filepathOf(second!)).toBe(`recordings/${id}.mp4`);
    expect(await workerIdOf(id)).toBe(second!.egressId);
    expect(await statusOf(svc.db.url, id)).toBe('active');

    livekit.activateEgress(second!.egressId);
    expect((await postLivekitWebhook(hookUrl, livekit.webhookEvent(second!.egressId, 'egress_updated'), creds)).status).toBe(200);
    // Its own check ran after the timeout and left it alone.
    await eventually(() => checkDone(id, 1), 10_000, 'the second check');
    expect(compositesIn(room)).toHaveLength(2);
    expect(await workerIdOf(id)).toBe(second!.egressId);

    // A late report about the replaced egress (LiveKit says it failed) is stale.
    expect((await postLivekitWebhook(hookUrl, livekit.webhookEvent(first, 'egress_ended'), creds)).status).toBe(200);
    const failedFirst = livekit.webhookEvent(first, 'egress_ended') as { egressInfo: Record<string, unknown> };
    failedFirst.egressInfo = { ...failedFirst.egressInfo, status: 'EGRESS_FAILED', error: 'Start signal not received' };
    expect((await postLivekitWebhook(hookUrl, failedFirst, creds)).status).toBe(200);
    expect(await statusOf(svc.db.url, id)).toBe('active');
    expect(await workerIdOf(id)).toBe(second!.egressId);

    const stop = await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner));
    expect(stop.status).toBe(200);
    expect(stop.body.status).toBe('stopped');
    expect(livekit.egresses.get(second!.egressId)!.status).toBe('EGRESS_COMPLETE');
    const stops = livekit.requestsFor('StopEgress').map((r) => r.body.egressId);
    expect(stops).toEqual(expect.arrayContaining([first, second!.egressId]));
  });

  it('a recorder that fails every attempt: failed_to_start with start_failed after RECORDING_START_RETRIES, told in recording.failed', async () => {
    const room = 'wd-fail';
    const { id, egressId: first } = await start(room);
    expect((await postLivekitWebhook(hookUrl, livekit.endEgress(first, 'EGRESS_FAILED', 'pipeline could not start'), creds)).status).toBe(200);
    await eventually(async () => compositesIn(room).length === 2 && (await workerIdOf(id)) === compositesIn(room)[1]!.egressId, 10_000, 'a replacement');
    expect(await statusOf(svc.db.url, id)).toBe('active');
    const second = compositesIn(room)[1]!.egressId;
    expect((await postLivekitWebhook(hookUrl, livekit.endEgress(second, 'EGRESS_FAILED', 'pipeline could not start'), creds)).status).toBe(200);
    await eventually(async () => (await statusOf(svc.db.url, id)) === 'failed_to_start', 10_000, 'failed_to_start');
    // One replacement (RECORDING_START_RETRIES=1), no more.
    expect(compositesIn(room)).toHaveLength(2);

    const one = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
    expect(one.body.reason).toEqual({ code: 'start_failed', detail: expect.stringContaining('pipeline could not start') });
    await eventually(async () => receiver.deliveries.some((d) => d.type === 'recording.failed' && d.body.data.id === id), 10_000, 'recording.failed');
    const failed = receiver.deliveries.find((d) => d.type === 'recording.failed' && d.body.data.id === id)!;
    expect(failed.body.data.status).toBe('failed_to_start');
    expect(failed.body.data.reason).toEqual({ code: 'start_failed', detail: expect.stringContaining('pipeline could not start') });
    // The room is free again.
    const next = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(next.status).toBe(201);
  });

  it('a replacement that never becomes active either: failed_to_start with start_timeout, both egresses stopped', async () => {
    const room = 'wd-timeout';
    const { id } = await start(room);
    await eventually(async () => (await statusOf(svc.db.url, id)) === 'failed_to_start', 15_000, 'failed_to_start');
    const [reasonRow] = await queryDb<{ reason: { code: string } }>(svc.db.url, 'SELECT reason FROM recordings WHERE id = $1', [id]);
    expect(reasonRow!.reason.code).toBe('start_timeout');
    expect(compositesIn(room)).toHaveLength(2);
    for (const egress of compositesIn(room)) expect(egress.status).not.toMatch(/STARTING|ACTIVE/);
    // Its page says why, and that it will not become ready, in each language.
    const texts: Record<string, string> = {
      en: 'This recording failed and will not become ready to watch. The recorder did not start in time.',
      fr: 'Cet enregistrement a échoué et ne pourra pas être regardé. L’enregistreur n’a pas démarré à temps.',
      de: 'Diese Aufnahme ist fehlgeschlagen und wird nicht abrufbar werden. Der Aufnahmedienst ist nicht rechtzeitig gestartet.',
      nl: 'Deze opname is mislukt en zal niet te bekijken zijn. De opnamedienst is niet op tijd gestart.',
    };
    for (const [language, text] of Object.entries(texts)) {
      const page = await request(svc.url).get(`/recordings/${id}`).set(bearer(owner)).set('Accept-Language', language);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<p id="not-ready">${text}</p>`);
    }
  });

  it('a stop while the replacement is being started: the recording stays stopped and the replacement egress is stopped too', async () => {
    const room = 'wd-race';
    const { id, egressId: first } = await start(room);
    const startsBefore = livekit.requestsFor('StartRoomCompositeEgress').length;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    livekit.beforeHandle('StartRoomCompositeEgress', () => gate);
    // The watchdog stopped the first egress and is starting the replacement (held by the fake).
    await eventually(async () => livekit.requestsFor('StartRoomCompositeEgress').length === startsBefore + 1, 10_000, 'the replacement start');
    expect(livekit.egresses.get(first)!.status).not.toMatch(/STARTING|ACTIVE/);
    const stop = await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner));
    expect(stop.status).toBe(200);
    release();
    await eventually(async () => compositesIn(room).length === 2 && !/STARTING|ACTIVE/.test(compositesIn(room)[1]!.status), 10_000, 'the replacement stopped');
    expect(await statusOf(svc.db.url, id)).toBe('stopped');
    expect(await workerIdOf(id)).toBe(first);
  });

  it('a replacement whose start answer comes too late is stopped all the same when the start then fails', async () => {
    const room = 'wd-stray';
    const { id } = await start(room);
    let release!: () => void;
    const late = new Promise<void>((resolve) => (release = resolve));
    // LiveKit creates the replacement but answers only after WORKER_TIMEOUT_MS.
    livekit.beforeAnswer('StartRoomCompositeEgress', () => late);
    try {
      await eventually(async () => (await statusOf(svc.db.url, id)) === 'failed_to_start', 15_000, 'failed_to_start');
    } finally {
      release();
    }
    expect(compositesIn(room)).toHaveLength(2);
    for (const egress of compositesIn(room)) expect(egress.status).not.toMatch(/STARTING|ACTIVE/);
    const [row] = await queryDb<{ reason: { code: string; detail: string } }>(svc.db.url, 'SELECT reason FROM recordings WHERE id = $1', [id]);
    expect(row!.reason.code).toBe('start_failed');
  });

  it('an egress that became active without its webhook is found by ListEgress and kept', async () => {
    const room = 'wd-missed';
    const { id, egressId } = await start(room);
    livekit.activateEgress(egressId);
    await eventually(() => checkDone(id, 0), 10_000, 'the check');
    expect(compositesIn(room)).toHaveLength(1);
    expect(await workerIdOf(id)).toBe(egressId);
    expect(await statusOf(svc.db.url, id)).toBe('active');
    const asked = livekit.requestsFor('ListEgress').some((r) => r.body.egressId === egressId);
    expect(asked).toBe(true);
  });
});
