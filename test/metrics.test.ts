import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { postLivekitWebhook } from './fakes/livekit-webhook';
import { eventually, minioFixture, postStorageEvent, statusOf, stoppedRecording } from './helpers/flow';
import { LK_KEY, LK_SECRET } from './helpers/livekit-env';
import { bearer, type TestService, type TestUser } from './helpers/service';
import { startStack, type TestStack } from './helpers/stack';

const owner: TestUser = { sub: 'm-owner', email: 'metrics@example.org', rooms: { m1: 'owner', m2: 'owner' } };

let stack: TestStack;
let svc: TestService;
let livekit: FakeLivekitServer;

beforeAll(async () => {
  stack = await startStack();
  ({ svc, livekit } = stack);
});
afterAll(() => stack?.close());

type Samples = Map<string, number>;

/**
 * Reads the Prometheus text exposition format strictly: every line is a HELP/TYPE comment or
 * `name{labels} value`, each sample belongs to a declared family. Throws on anything else.
 */
function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  const families = new Map<string, string>();
  // prom-client writes a NaN gauge (event-loop lag before its first sample) as "Nan", which Prometheus reads.
  const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|Nan|\+Inf|-Inf)$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      families.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const m = sampleLine.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!families.has(m[1]!) && !families.has(family)) throw new Error(`sample without a TYPE: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

async function scrape(): Promise<Samples> {
  const res = await request(svc.url).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return parseExposition(res.text);
}

const value = (s: Samples, key: string) => s.get(key) ?? 0;

it('serves valid Prometheus text whose counters move with the requests', async () => {
  const before = await scrape();

  const id = await stoppedRecording(svc.url, owner, 'm1');
  await postStorageEvent(svc.url, minioFixture('put-recording.json', id));
  await postStorageEvent(svc.url, minioFixture('not-a-recording.json'));
  await postStorageEvent(svc.url, {}, 'wrong');
  await eventually(async () => (await statusOf(svc.db.url, id)) === 'notification_succeeded', 10_000, 'email');
  await request(svc.url).get('/api/v1.0/recordings/media-auth/').set('X-Original-URL', `/media/recordings/${id}.mp4`);
  await postLivekitWebhook(`${svc.url}/api/v1.0/rooms/webhooks-livekit/`, { event: 'participant_joined', id: 'EV_m', createdAt: '1' }, { apiKey: LK_KEY, apiSecret: LK_SECRET });
  livekit.injectFault({ type: 'http-error', status: 500 }, { method: 'StartRoomCompositeEgress' });
  await request(svc.url).post('/api/v1.0/rooms/m2/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });

  const after = await scrape();
  const delta = (key: string) => value(after, key) - value(before, key);
  expect(delta('recorder_recordings_started_total{worker_kind="livekit-video"}')).toBe(1);
  expect(delta('recorder_recordings_failed_total{worker_kind="livekit-video",operation="start"}')).toBe(1);
  expect(delta('recorder_storage_events_total{outcome="processed"}')).toBe(1);
  expect(delta('recorder_storage_events_total{outcome="ignored"}')).toBe(1);
  expect(delta('recorder_storage_events_total{outcome="unauthorized"}')).toBe(1);
  expect(delta('recorder_emails_total{outcome="queued"}')).toBe(1);
  expect(delta('recorder_emails_total{outcome="sent"}')).toBe(1);
  expect(delta('recorder_media_auth_decisions_total{status="401",reason="no_credentials"}')).toBe(1);
  expect(delta('recorder_livekit_events_total{event="participant_joined",outcome="ignored"}')).toBe(1);
  expect(delta('recorder_worker_call_duration_seconds_count{worker_kind="livekit-video",operation="start",outcome="ok"}')).toBe(1);
  expect(delta('recorder_http_request_duration_seconds_count{method="POST",route="/api/v1.0/rooms/:room/start-recording",status="201"}')).toBe(1);
  // media-auth observes its own latency (it is mounted before the generic middleware), under the route the dashboard reads.
  expect(delta('recorder_http_request_duration_seconds_count{method="GET",route="/api/v1.0/recordings/media-auth",status="401"}')).toBe(1);
  expect(value(after, 'recorder_recordings{status="notification_succeeded"}')).toBeGreaterThanOrEqual(1);
  expect(value(after, 'recorder_recordings{status="failed_to_start"}')).toBe(1);
});
