import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TwirpError } from 'livekit-server-sdk';
import { callLivekit } from '../src/recording/workers/livekit/livekit-call';
import { LivekitEgressClient, LivekitRoomServiceClient } from '../src/recording/workers/livekit/livekit-clients';
import { toWorkerError, type ErrorContext } from '../src/recording/workers/livekit/livekit-errors';
import { FakeLivekitServer } from './fakes/livekit-server';

const API_KEY = 'APIfakeKey123';
const API_SECRET = 'fake-livekit-secret-0123456789abcdef';
const errorContext: ErrorContext = { kind: 'livekit-video', method: 'ListEgress', timeoutMs: 10_000, secrets: [] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const options = { requestTimeout: 5, failover: false };

/** What a call rejected with (it must reject). */
async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (err: unknown) => err,
  );
}

/** A plain HTTP server on 127.0.0.1 answering with `handler`; closed (connections cut) by close(). */
async function rawServer(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      return closed;
    },
  };
}

describe("the SDK's own clients against the fake LiveKit", () => {
  let fake: FakeLivekitServer;
  beforeAll(async () => {
    fake = await FakeLivekitServer.start({ apiKey: API_KEY, apiSecret: API_SECRET });
  });
  afterEach(() => fake.clearFaults());
  afterAll(() => fake.close());

  it("sends the SDK's requests: Twirp path, body, a token with the call's grant, a request id per call, on kept-alive connections", async () => {
    const client = new LivekitEgressClient(fake.url, API_KEY, API_SECRET, options);
    const before = fake.requests.length;
    await expect(client.listEgress({ roomName: 'room-a' })).resolves.toEqual([]);
    await expect(client.listEgress({ roomName: 'room-b', active: true })).resolves.toEqual([]);

    const [first, second] = fake.requests.slice(before);
    expect([first!.service, first!.method]).toEqual(['Egress', 'ListEgress']);
    expect(first!.body).toEqual({ roomName: 'room-a' });
    expect(second!.body).toEqual({ roomName: 'room-b', active: true });
    for (const r of [first!, second!]) {
      expect(r.authorized).toBe(true);
      expect(r.claims).toMatchObject({ iss: API_KEY, video: { roomRecord: true } });
      expect(r.headers.contentType).toBe('application/json;charset=UTF-8');
      expect(r.headers.userAgent).toMatch(/^livekit-server-sdk-node\/2\./);
      expect(r.headers.requestId).toMatch(UUID);
    }
    expect(second!.headers.requestId).not.toBe(first!.headers.requestId);

    // Node's fetch keeps connections alive by itself (no dispatcher of ours): more calls reuse
    // them. It may open a second one while the first is still being handed back to its pool.
    for (const room of ['room-c', 'room-d', 'room-e', 'room-f']) await client.listEgress({ roomName: room });
    const connections = new Set(fake.requests.slice(before).map((r) => r.connection));
    expect(connections.size).toBeLessThanOrEqual(2);
  });

  it("the RoomService client asks with roomAdmin for the room, and a ws:// URL with a path is called on the Twirp path over http", async () => {
    fake.createRoom('room-grants');
    const client = new LivekitRoomServiceClient(`${fake.url.replace(/^http/, 'ws')}/some/path`, API_KEY, API_SECRET, options);
    const before = fake.requests.length;
    await expect(client.listParticipants('room-grants')).resolves.toEqual([]);
    const [request] = fake.requests.slice(before);
    expect([request!.service, request!.method, request!.authorized]).toEqual(['RoomService', 'ListParticipants', true]);
    expect(request!.claims).toMatchObject({ video: { roomAdmin: true, room: 'room-grants' } });
  });

  it("LiveKit's Twirp error is the SDK's TwirpError with its code, which the worker calls rejected", async () => {
    const client = new LivekitEgressClient(fake.url, API_KEY, 'a-secret-LiveKit-does-not-know-at-all', options);
    const error = await failure(client.listEgress({}));
    expect(error).toBeInstanceOf(TwirpError);
    expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(toWorkerError(error, errorContext)).toMatchObject({ code: 'rejected', message: expect.stringContaining('Twirp code unauthenticated, HTTP 401') });
  });

  it("a proxy's error page keeps its status and text; a 2xx that is not JSON is invalid_response", async () => {
    const client = new LivekitEgressClient(fake.url, API_KEY, API_SECRET, options);
    fake.injectFault({ type: 'http-error', status: 503, body: 'upstream down' }, { times: 1 });
    const proxied = await failure(client.listEgress({}));
    expect(proxied).toMatchObject({ status: 503, message: 'upstream down', code: undefined });
    // HTTP 503 means no egress can take it (a start waits in the queue); another status is a refusal.
    expect(toWorkerError(proxied, errorContext).code).toBe('unavailable');
    fake.injectFault({ type: 'http-error', status: 502, body: 'bad gateway' }, { times: 1 });
    expect(toWorkerError(await failure(client.listEgress({})), errorContext).code).toBe('rejected');

    fake.injectFault({ type: 'invalid-json' }, { times: 1 });
    expect(toWorkerError(await failure(client.listEgress({})), errorContext)).toMatchObject({
      code: 'invalid_response',
      message: 'LiveKit answered ListEgress with a body that is not JSON',
    });
  });

  it('a hung LiveKit: the SDK gives up at requestTimeout on its own, and a worker call answers timeout within its bound', async () => {
    fake.injectFault({ type: 'hang' }, { times: 2 });
    const client = new LivekitEgressClient(fake.url, API_KEY, API_SECRET, { requestTimeout: 0.3, failover: false });
    let began = Date.now();
    const error = await failure(client.listEgress({}));
    expect(Date.now() - began).toBeLessThan(3000);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(toWorkerError(error, errorContext).code).toBe('timeout');

    // As the worker calls it: the SDK's deadline and ours (util/with-timeout) are the same.
    began = Date.now();
    const call = { kind: 'livekit-video' as const, timeoutMs: 300, secrets: [API_SECRET] };
    await expect(callLivekit(call, 'ListEgress', () => client.listEgress({}))).rejects.toMatchObject({
      code: 'timeout',
      message: 'LiveKit did not answer ListEgress within 300 ms',
    });
    expect(Date.now() - began).toBeLessThan(3000);
  });
});

describe("the SDK's fetch failing to exchange is unreachable, with Node's code", () => {
  it('a refused connection', async () => {
    const closed = await rawServer(() => undefined);
    await closed.close();
    const client = new LivekitEgressClient(closed.url, API_KEY, API_SECRET, options);
    const error = await failure(client.listEgress({}));
    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(toWorkerError(error, errorContext)).toMatchObject({ code: 'unreachable', message: 'LiveKit unreachable for ListEgress (ECONNREFUSED)' });
  });

  it("a TypeError that is not fetch's (no Node error under it) is not called unreachable", () => {
    expect(toWorkerError(new TypeError("Cannot read properties of undefined (reading 'egressId')"), errorContext).code).toBe('invalid_response');
  });

  it('an answer cut in the middle of its body fails at once', async () => {
    const server = await rawServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"items": [');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    try {
      const client = new LivekitEgressClient(server.url, API_KEY, API_SECRET, { requestTimeout: 30, failover: false });
      const began = Date.now();
      const error = await failure(client.listEgress({}));
      expect(Date.now() - began).toBeLessThan(5000);
      expect(toWorkerError(error, errorContext)).toMatchObject({ code: 'unreachable', message: 'LiveKit unreachable for ListEgress (UND_ERR_SOCKET)' });
    } finally {
      await server.close();
    }
  });

  it('an https:// LiveKit whose certificate Node does not trust', async () => {
    // A certificate for 127.0.0.1 made by openssl, its own authority.
    const dir = mkdtempSync(join(tmpdir(), 'livekit-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    rmSync(dir, { recursive: true });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const error = await failure(new LivekitEgressClient(url, API_KEY, API_SECRET, options).listEgress({}));
      expect(toWorkerError(error, errorContext)).toMatchObject({ code: 'unreachable', message: expect.stringMatching(/\(DEPTH_ZERO_SELF_SIGNED_CERT\)$/) });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
