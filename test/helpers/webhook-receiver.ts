import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A delivery whose signature the official `standardwebhooks` library verified. */
export interface VerifiedDelivery {
  /** `webhook-id`: the same on every retry of one event. */
  id: string;
  /** `webhook-timestamp`, as a date. */
  timestamp: Date;
  /** `type` of the body (`recording.ready`, ...). */
  type: string;
  /** The body, parsed by `Webhook.verify`. */
  body: { type: string; timestamp: string; data: Record<string, unknown> } & Record<string, unknown>;
  /** The body exactly as received. */
  raw: string;
  /** Request path, so one receiver can stand for several endpoints (`/a`, `/b`). */
  path: string;
  /** What the receiver answered: a status code, or null when it hung. */
  answered: number | null;
  /** When it arrived (ms since the epoch, the receiver's clock). */
  receivedAt: number;
  /** The three Standard Webhooks headers as received (to re-verify a tampered copy). */
  headers: Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;
}

/** A request the receiver refused (answered 400) because `Webhook.verify` threw. */
export interface RejectedDelivery {
  /** The verification error's message (`No matching signature found`, `Message timestamp too old`, ...). */
  reason: string;
  id: string | undefined;
  raw: string;
  path: string;
}

/** How the receiver answers a verified delivery. */
export type ReceiverAnswer =
  | { kind: 'accept' }
  /** Answer `status` (default 500) to the next `count` deliveries, then accept; unset count: always. */
  | { kind: 'fail'; status: number; count?: number }
  /** Never answer; the connection stays open until the sender times out or stop(). */
  | { kind: 'hang' }
  /** 302 to `location`; the receiver's own `/redirect-target` (counted in redirectTargetHits) by default. */
  | { kind: 'redirect'; location: string };

/** A real HTTP endpoint that verifies Standard Webhooks deliveries. */
export interface TestWebhookReceiver {
  readonly port: number;
  /** `http://127.0.0.1:<port>/hooks`; any other path works too and is recorded. */
  readonly url: string;
  /** The `whsec_...` secret deliveries are verified with. */
  readonly secret: string;
  /** Every verified request, in arrival order, whatever was answered (retries included). */
  readonly attempts: readonly VerifiedDelivery[];
  /** Verified requests answered 2xx: what a receiver actually took in. */
  readonly deliveries: readonly VerifiedDelivery[];
  readonly rejected: readonly RejectedDelivery[];
  /** Requests that reached the redirect target: stays 0 when the sender does not follow redirects. */
  readonly redirectTargetHits: number;
  /** Resolves once at least `count` deliveries were accepted; rejects after `timeoutMs`. */
  waitForDeliveries(count: number, timeoutMs?: number): Promise<VerifiedDelivery[]>;
  /** Resolves once at least `count` verified attempts arrived (accepted or not). */
  waitForAttempts(count: number, timeoutMs?: number): Promise<VerifiedDelivery[]>;
  /** Answer 500 (or `status`) to the next `count` deliveries, then accept again. */
  failNext(count: number, status?: number): void;
  /** Answer 500 (or `status`) to every delivery until accept(). */
  alwaysFail(status?: number): void;
  /** Answer 410 Gone to every delivery (a sender must stop retrying). */
  gone(): void;
  /** Never answer (to test the sender's timeout). */
  hang(): void;
  /** Answer 302 to `location` (default: this receiver's `/redirect-target`). */
  redirect(location?: string): void;
  /** Back to answering 204. */
  accept(): void;
  /** Forget what was received. */
  clear(): void;
  /**
   * Runs before each verified delivery is answered (e.g. to crash the sender then); the answer
   * waits for it. Unset: answer at once.
   */
  beforeAnswer: ((delivery: VerifiedDelivery) => Promise<void> | void) | null;
  /** Close the server and every open (hung) connection. */
  stop(): Promise<void>;
}

/** A fresh Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64')}`;
}

/**
 * The three Standard Webhooks headers for `body`, signed with the official library's
 * `Webhook.sign` (what a correct sender produces; for tests of the receiver itself).
 */
export function signedWebhookHeaders(
  secret: string,
  body: string,
  options: { id?: string; timestamp?: Date } = {},
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const timestamp = options.timestamp ?? new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
  };
}

const HOST = '127.0.0.1';
const REDIRECT_TARGET = '/redirect-target';
const MAX_BODY_BYTES = 5 * 1024 * 1024;

function headerValues(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

interface Waiter {
  list: () => readonly VerifiedDelivery[];
  count: number;
  resolve: (list: VerifiedDelivery[]) => void;
}

/**
 * Start a receiver on 127.0.0.1 and a random port. Every POST is verified with
 * `new Webhook(secret).verify(rawBody, headers)` (which also refuses timestamps more than
 * 5 minutes off); failures get 400 and land in `rejected`, verified ones get the programmed answer.
 */
export async function startWebhookReceiver(options: { secret?: string } = {}): Promise<TestWebhookReceiver> {
  const secret = options.secret ?? newWebhookSecret();
  const verifier = new Webhook(secret);
  const attempts: VerifiedDelivery[] = [];
  const deliveries: VerifiedDelivery[] = [];
  const rejected: RejectedDelivery[] = [];
  const waiters = new Set<Waiter>();
  const sockets = new Set<net.Socket>();
  let answer: ReceiverAnswer = { kind: 'accept' };
  let redirectTargetHits = 0;
  const responses = new Map<VerifiedDelivery, http.ServerResponse>();

  const notify = () => {
    for (const w of [...waiters]) {
      if (w.list().length >= w.count) {
        waiters.delete(w);
        w.resolve([...w.list()]);
      }
    }
  };

  /** The answer for the next verified delivery; consumes one of a counted failure. */
  const nextAnswer = (): ReceiverAnswer => {
    const current = answer;
    if (current.kind === 'fail' && current.count !== undefined) {
      current.count -= 1;
      if (current.count <= 0) answer = { kind: 'accept' };
    }
    return current;
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === REDIRECT_TARGET) {
      redirectTargetHits += 1;
      req.resume();
      res.writeHead(200).end('redirect followed');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = headerValues(req.headers);
      let body: VerifiedDelivery['body'];
      try {
        if (req.method !== 'POST') throw new Error(`method ${req.method} is not POST`);
        body = verifier.verify(raw, headers) as VerifiedDelivery['body'];
      } catch (err) {
        rejected.push({ reason: (err as Error).message, id: headers['webhook-id'], raw, path });
        res.writeHead(400, { 'content-type': 'text/plain' }).end('verification failed');
        return;
      }
      const delivery: VerifiedDelivery = {
        id: headers['webhook-id'],
        timestamp: new Date(Number(headers['webhook-timestamp']) * 1000),
        type: typeof body?.type === 'string' ? body.type : '',
        body,
        raw,
        path,
        answered: null,
        receivedAt: Date.now(),
        headers: {
          'webhook-id': headers['webhook-id'] ?? '',
          'webhook-timestamp': headers['webhook-timestamp'] ?? '',
          'webhook-signature': headers['webhook-signature'] ?? '',
        },
      };
      responses.set(delivery, res);
      attempts.push(delivery);
      notify();
      void Promise.resolve(receiver.beforeAnswer?.(delivery)).then(() => answerDelivery(delivery));
    });
  });

  const answerDelivery = (delivery: VerifiedDelivery, res = responses.get(delivery)!) => {
    responses.delete(delivery);
    if (res.destroyed || res.writableEnded) return;
    const reply = nextAnswer();
    switch (reply.kind) {
      case 'accept':
        delivery.answered = 204;
        deliveries.push(delivery);
        res.writeHead(204).end();
        break;
      case 'fail':
        delivery.answered = reply.status;
        res.writeHead(reply.status, { 'content-type': 'text/plain' }).end('failing on purpose');
        break;
      case 'redirect':
        delivery.answered = 302;
        res.writeHead(302, { location: reply.location }).end();
        break;
      case 'hang':
        break;
    }
    notify();
  };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port));
  });

  const waitFor = (list: () => readonly VerifiedDelivery[], what: string) => (count: number, timeoutMs = 10_000) => {
    if (list().length >= count) return Promise.resolve([...list()]);
    return new Promise<VerifiedDelivery[]>((resolve, reject) => {
      const waiter: Waiter = {
        list,
        count,
        resolve: (found) => {
          clearTimeout(timer);
          resolve(found);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `expected ${count} ${what} within ${timeoutMs} ms, got ${list().length} (${rejected.length} rejected: ${rejected
              .map((r) => r.reason)
              .join('; ')})`,
          ),
        );
      }, timeoutMs);
      waiters.add(waiter);
    });
  };

  const receiver: TestWebhookReceiver = {
    beforeAnswer: null,
    port,
    url: `http://${HOST}:${port}/hooks`,
    secret,
    attempts,
    deliveries,
    rejected,
    get redirectTargetHits() {
      return redirectTargetHits;
    },
    waitForDeliveries: waitFor(() => deliveries, 'accepted deliveries'),
    waitForAttempts: waitFor(() => attempts, 'verified attempts'),
    failNext(count, status = 500) {
      answer = { kind: 'fail', status, count };
    },
    alwaysFail(status = 500) {
      answer = { kind: 'fail', status };
    },
    gone() {
      answer = { kind: 'fail', status: 410 };
    },
    hang() {
      answer = { kind: 'hang' };
    },
    redirect(location = `http://${HOST}:${port}${REDIRECT_TARGET}`) {
      answer = { kind: 'redirect', location };
    },
    accept() {
      answer = { kind: 'accept' };
    },
    clear() {
      attempts.length = 0;
      deliveries.length = 0;
      rejected.length = 0;
      redirectTargetHits = 0;
    },
    stop() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
