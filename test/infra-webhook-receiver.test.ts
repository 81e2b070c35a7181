import { signedWebhookHeaders, startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

// Smoke test of the webhook receiver: it verifies with the official standardwebhooks library.
let receiver: TestWebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await receiver.stop();
});

const event = (type = 'recording.ready') =>
  JSON.stringify({ type, timestamp: new Date().toISOString(), data: { id: 'rec-1', status: 'saved' } });

function post(body: string, headers: Record<string, string>, init: RequestInit = {}) {
  return fetch(receiver.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, ...init });
}

test('a correctly signed delivery is verified and recorded with its id, timestamp, type and body', async () => {
  const body = event();
  const timestamp = new Date(Math.floor(Date.now() / 1000) * 1000);
  const headers = signedWebhookHeaders(receiver.secret, body, { id: 'msg_1', timestamp });
  const res = await post(body, headers);
  expect(res.status).toBe(204);
  const [delivery] = await receiver.waitForDeliveries(1);
  expect(delivery).toMatchObject({ id: 'msg_1', type: 'recording.ready', path: '/hooks', answered: 204, raw: body });
  expect(delivery.timestamp).toEqual(timestamp);
  expect(delivery.body.data).toEqual({ id: 'rec-1', status: 'saved' });
  expect(receiver.rejected).toHaveLength(0);
});

test('a tampered body, an old timestamp, another secret and missing headers are rejected', async () => {
  const body = event();
  const good = signedWebhookHeaders(receiver.secret, body);
  expect((await post(body.replace('rec-1', 'rec-2'), good)).status).toBe(400);
  const old = signedWebhookHeaders(receiver.secret, body, { timestamp: new Date(Date.now() - 10 * 60_000) });
  expect((await post(body, old)).status).toBe(400);
  const foreign = signedWebhookHeaders(`whsec_${Buffer.from('another secret of 24+ bytes').toString('base64')}`, body);
  expect((await post(body, foreign)).status).toBe(400);
  expect((await post(body, {})).status).toBe(400);
  expect(receiver.rejected.map((r) => r.reason)).toEqual([
    'No matching signature found',
    'Message timestamp too old',
    'No matching signature found',
    'Missing required headers',
  ]);
  expect(receiver.attempts).toHaveLength(0);
});

test('failNext answers 500 that many times, then accepts; every attempt is recorded', async () => {
  receiver.failNext(2);
  const body = event();
  const headers = signedWebhookHeaders(receiver.secret, body, { id: 'msg_retry' });
  const statuses = [];
  for (let i = 0; i < 3; i += 1) statuses.push((await post(body, headers)).status);
  expect(statuses).toEqual([500, 500, 204]);
  expect(receiver.attempts.map((a) => [a.id, a.answered])).toEqual([
    ['msg_retry', 500],
    ['msg_retry', 500],
    ['msg_retry', 204],
  ]);
  expect(receiver.deliveries).toHaveLength(1);
});

test('alwaysFail, gone and redirect answer as programmed; the redirect target is not reached by a non-following client', async () => {
  const body = event();
  receiver.alwaysFail(503);
  expect((await post(body, signedWebhookHeaders(receiver.secret, body))).status).toBe(503);
  expect((await post(body, signedWebhookHeaders(receiver.secret, body))).status).toBe(503);
  receiver.gone();
  expect((await post(body, signedWebhookHeaders(receiver.secret, body))).status).toBe(410);
  receiver.redirect();
  const res = await post(body, signedWebhookHeaders(receiver.secret, body), { redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe(`http://127.0.0.1:${receiver.port}/redirect-target`);
  expect(receiver.redirectTargetHits).toBe(0);
  expect(receiver.deliveries).toHaveLength(0);
  // A client that does follow it is seen at the target.
  await fetch(res.headers.get('location')!, { method: 'POST', body });
  expect(receiver.redirectTargetHits).toBe(1);
});

test('hang never answers: the attempt is recorded and the sender has to give up', async () => {
  receiver.hang();
  const body = event();
  const abort = new AbortController();
  const pending = post(body, signedWebhookHeaders(receiver.secret, body), { signal: abort.signal });
  const [attempt] = await receiver.waitForAttempts(1);
  expect(attempt.answered).toBeNull();
  abort.abort();
  await expect(pending).rejects.toThrow();
  expect(receiver.deliveries).toHaveLength(0);
});
