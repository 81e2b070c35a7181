import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TwirpError } from 'livekit-server-sdk';
import { LivekitEgressClient, USER_AGENT } from '../src/recording/workers/livekit/livekit-clients';
import { toWorkerError, type ErrorContext } from '../src/recording/workers/livekit/livekit-errors';
import { MAX_ANSWER_BYTES, TwirpExchangeError, TwirpTransport } from '../src/recording/workers/livekit/twirp-transport';
import { FakeLivekitServer } from './fakes/livekit-server';
import { eventually } from './helpers/flow';

const API_KEY = 'APIfakeKey123';
const API_SECRET = 'fake-livekit-secret-0123456789abcdef';
const errorContext: ErrorContext = { kind: 'livekit-video', method: 'ListEgress', timeoutMs: 10_000, secrets: [] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the SDK clients call LiveKit through our transport', () => {
  let fake: FakeLivekitServer;
  beforeAll(async () => {
    fake = await FakeLivekitServer.start({ apiKey: API_KEY, apiSecret: API_SECRET });
  });
  afterAll(() => fake.close());

  it('as the SDK would: its path, body, token and headers, a request id per call, on one kept-alive connection', async () => {
    const client = new LivekitEgressClient(fake.url, API_KEY, API_SECRET, { requestTimeout: 5, failover: false });
    const before = fake.requests.length;
    await expect(client.listEgress({ roomName: 'room-a' })).resolves.toEqual([]);
    await expect(client.listEgress({ roomName: 'room-b', active: true })).resolves.toEqual([]);

    const [first, second] = fake.requests.slice(before);
    expect([first!.service, first!.method]).toEqual(['Egress', 'ListEgress']);
    expect(first!.body).toEqual({ roomName: 'room-a' });
    expect(second!.body).toEqual({ roomName: 'room-b', active: true });
    expect(first!.authorized && second!.authorized).toBe(true);
    for (const r of [first!, second!]) {
      expect(r.headers.contentType).toBe('application/json;charset=UTF-8');
      expect(r.headers.userAgent).toBe(USER_AGENT);
      expect(r.headers.requestId).toMatch(UUID);
    }
    expect(second!.headers.requestId).not.toBe(first!.headers.requestId);
    expect(second!.connection).toBe(first!.connection);
  });

  it("LiveKit's Twirp error reaches the caller as the SDK's TwirpError, with its code", async () => {
    const client = new LivekitEgressClient(fake.url, API_KEY, 'a-secret-LiveKit-does-not-know-at-all', { requestTimeout: 5, failover: false });
    const error = await client.listEgress({}).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TwirpError);
    expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
  });
});

describe('TwirpTransport', () => {
  let server: http.Server;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  const seen: { url?: string; sockets: Set<Socket>; closed: number } = { sockets: new Set(), closed: 0 };
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => handler(req, res));
    server.on('connection', (socket: Socket) => {
      seen.sockets.add(socket);
      socket.on('close', () => (seen.closed += 1));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const answer = (status: number, contentType: string, body: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.url = req.url;
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': contentType }).end(body));
  };

  it('calls a ws:// URL over http, on the Twirp path whatever path the URL has', async () => {
    handler = answer(200, 'application/json', '{"items":[]}');
    const transport = new TwirpTransport(`ws://${base}/some/path`);
    try {
      await expect(transport.request('Egress', 'ListEgress', {})).resolves.toEqual({ items: [] });
      expect(seen.url).toBe('/twirp/livekit.Egress/ListEgress');
    } finally {
      transport.close();
    }
  });

  it('an error answer that is not JSON keeps its status and its text', async () => {
    handler = answer(503, 'text/plain', 'upstream down');
    const transport = new TwirpTransport(`http://${base}`);
    try {
      const error = await transport.request('Egress', 'StopEgress', { egressId: 'EG_1' }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TwirpError);
      expect(error).toMatchObject({ status: 503, message: 'upstream down', code: undefined });
    } finally {
      transport.close();
    }
  });

  it('a 2xx answer that is not JSON is a SyntaxError', async () => {
    handler = answer(200, 'application/json', '<html>proxy</html>');
    const transport = new TwirpTransport(`http://${base}`);
    try {
      await expect(transport.request('Egress', 'ListEgress', {})).rejects.toBeInstanceOf(SyntaxError);
    } finally {
      transport.close();
    }
  });

  it(`an answer over ${MAX_ANSWER_BYTES} bytes is refused and its connection cut`, async () => {
    const chunk = Buffer.alloc(2 ** 20, 'a');
    handler = (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      res.on('error', () => undefined);
      more();
    };
    const transport = new TwirpTransport(`http://${base}`);
    const closed = seen.closed;
    try {
      await expect(transport.request('Egress', 'ListEgress', {})).rejects.toThrow(/over 16777216 bytes/);
      await eventually(async () => seen.closed > closed, 5000, 'the connection to close');
    } finally {
      transport.close();
    }
  });

  it('no answer within the timeout is a TimeoutError, and the connection is closed', async () => {
    handler = (req) => req.resume();
    const transport = new TwirpTransport(`http://${base}`);
    const closed = seen.closed;
    try {
      const began = Date.now();
      const error = await transport.request('Egress', 'StartRoomCompositeEgress', {}, {}, 0.2).catch((err: unknown) => err);
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - began).toBeLessThan(5000);
      await eventually(async () => seen.closed > closed, 5000, 'the connection to close');
    } finally {
      transport.close();
    }
  });

  it('an answer cut in the middle of its body fails at once, and leaves no timer behind', async () => {
    handler = (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"items": [');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const transport = new TwirpTransport(`http://${base}`);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    try {
      const began = Date.now();
      await expect(transport.request('Egress', 'ListEgress', {}, {}, 30)).rejects.toMatchObject({ name: 'TwirpExchangeError', code: 'ECONNRESET' });
      expect(Date.now() - began).toBeLessThan(5000);
      expect(timers()).toBe(before);
    } finally {
      transport.close();
    }
  });

  it('an error body is read as the SDK reads it: Twirp JSON, else the text; a timeout of 0 is none', async () => {
    const transport = new TwirpTransport(`http://${base}`);
    try {
      handler = answer(404, 'application/json', '{"code":"not_found","msg":"egress does not exist","meta":{"egress_id":"EG_1"}}');
      await expect(transport.request('Egress', 'StopEgress', {}, {}, 0)).rejects.toMatchObject({
        status: 404,
        code: 'not_found',
        message: 'egress does not exist',
        metadata: { egress_id: 'EG_1' },
      });
      handler = answer(502, 'application/json', 'Bad Gateway');
      await expect(transport.request('Egress', 'StopEgress', {})).rejects.toMatchObject({ status: 502, message: 'Unknown internal error' });
      handler = answer(502, 'text/html', '');
      await expect(transport.request('Egress', 'StopEgress', {})).rejects.toMatchObject({ status: 502, message: '' });
    } finally {
      transport.close();
    }
  });

  it('a refused connection is an exchange error with Node’s code, which the worker calls unreachable', async () => {
    const transport = new TwirpTransport('http://127.0.0.1:1');
    const error = await transport.request('Egress', 'ListEgress', {}).catch((err: unknown) => err);
    transport.close();
    expect(error).toBeInstanceOf(TwirpExchangeError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(toWorkerError(error, errorContext)).toMatchObject({ code: 'unreachable', message: 'LiveKit unreachable for ListEgress (ECONNREFUSED)' });
  });
});

describe('TwirpTransport over TLS', () => {
  let server: https.Server;
  let ca: string;
  let port: number;

  beforeAll(async () => {
    // A certificate for 127.0.0.1 made by openssl, its own authority.
    const dir = mkdtempSync(join(tmpdir(), 'twirp-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    rmSync(dir, { recursive: true });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('calls an https:// or wss:// LiveKit over TLS, checking its certificate', async () => {
    const trusting = new TwirpTransport(`wss://127.0.0.1:${port}`, { ca });
    const plain = new TwirpTransport(`https://127.0.0.1:${port}`);
    try {
      await expect(trusting.request('Egress', 'ListEgress', {})).resolves.toEqual({ path: '/twirp/livekit.Egress/ListEgress' });
      // Node's own authorities do not know this one: refused, and unreachable for the worker.
      const error = await plain.request('Egress', 'ListEgress', {}).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TwirpExchangeError);
      expect((error as TwirpExchangeError).code).toMatch(/SELF_SIGNED/);
      expect(toWorkerError(error, errorContext).code).toBe('unreachable');
    } finally {
      trusting.close();
      plain.close();
    }
  });
});
