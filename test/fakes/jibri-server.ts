import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Jibri speaking the documented HTTP API (jitsi/jibri doc/http_api.md, HttpApi.kt) on
 * 127.0.0.1, port 0. One session at a time: startService answers 200 and goes BUSY, or 412
 * "Jibri is currently busy" when not idle, decided synchronously so concurrent calls cannot both
 * win. A file recording without callLoginParams is refused with 412, as Jibri does.
 */

export type BusyStatus = 'IDLE' | 'BUSY' | 'EXPIRED';
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY';
export type JibriEndpointName = 'health' | 'startService' | 'stopService';

export interface FakeJibriRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body, undefined when empty or not JSON. */
  body: unknown;
  /** What the fake answered; null while hanging or when the client went away first. */
  status: number | null;
  /** The client closed the connection before an answer (e.g. its timeout fired). */
  aborted: boolean;
}

export interface FakeJibriOptions {
  jibriId?: string;
  /** After a session ends, go EXPIRED instead of IDLE (Jibri's single-use-mode). */
  singleUse?: boolean;
}

const PREFIX = '/jibri/api/v1.0/';

/**
 * The metadata.json Jibri writes into a session's directory before running its finalize script
 * (FileRecordingJibriService's RecordingMetadata): `meeting_url` is callUrlInfo's callUrl,
 * `{baseUrl}/{callName}`, followed by `#` and the request's urlParams joined with `&` when it
 * has any; then the participants.
 */
export function jibriMetadataJson(session: Record<string, unknown>, participants: unknown[] = []): string {
  const info = (session.callParams as { callUrlInfo: { baseUrl: string; callName: string; urlParams?: string[] } }).callUrlInfo;
  const params = info.urlParams ?? [];
  const meetingUrl = `${info.baseUrl}/${info.callName}${params.length > 0 ? `#${params.join('&')}` : ''}`;
  return JSON.stringify({ meeting_url: meetingUrl, participants });
}

/** The upload capability the service put into a startService body's urlParams, if any. */
export function uploadCapabilityOf(session: Record<string, unknown>): string | undefined {
  const info = (session.callParams as { callUrlInfo: { urlParams?: string[] } }).callUrlInfo;
  const param = (info.urlParams ?? []).find((p) => p.startsWith('recorderUploadCapability='));
  return param?.slice('recorderUploadCapability='.length);
}

/** The startService body one of these fakes took for `sessionId`; throws when none took it. */
export function sessionOf(jibris: FakeJibri[], sessionId: string): Record<string, unknown> {
  for (const jibri of jibris) {
    const found = jibri.startedSessions.find((s) => s.sessionId === sessionId);
    if (found) return found;
  }
  throw new Error(`no fake Jibri took session ${sessionId}`);
}

export class FakeJibri {
  readonly jibriId: string;
  readonly requests: FakeJibriRequest[] = [];
  busyStatus: BusyStatus = 'IDLE';
  healthStatus: HealthStatus = 'HEALTHY';
  /** The startService body of the running session. */
  session: Record<string, unknown> | null = null;
  /** Every startService body this fake took, the ended sessions' too. */
  readonly startedSessions: Record<string, unknown>[] = [];
  /**
   * Runs before each health answer, which waits for it and then reports the state as it is
   * (e.g. a start made meanwhile by another client). Unset: answer at once.
   */
  beforeHealthAnswer: (() => Promise<void> | void) | null = null;

  private server: http.Server;
  private port = 0;
  private readonly singleUse: boolean;
  private hanging = new Set<JibriEndpointName>();
  private failing = new Set<JibriEndpointName>();
  private held: http.ServerResponse[] = [];
  private healthDelayMs = 0;
  private startAnswerDelayMs = 0;
  private takenAfterHealth = false;

  private constructor(options: FakeJibriOptions) {
    this.jibriId = options.jibriId ?? `fake-jibri-${Math.random().toString(36).slice(2, 8)}`;
    this.singleUse = options.singleUse ?? false;
    this.server = this.createServer();
  }

  static async start(options: FakeJibriOptions = {}): Promise<FakeJibri> {
    const fake = new FakeJibri(options);
    await fake.listen(0);
    return fake;
  }

  /** Base URL, as in JIBRI_URLS. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  requestsTo(name: JibriEndpointName): FakeJibriRequest[] {
    return this.requests.filter((r) => r.path === `${PREFIX}${name}`);
  }

  setUnhealthy(on = true): void {
    this.healthStatus = on ? 'UNHEALTHY' : 'HEALTHY';
  }

  setExpired(on = true): void {
    this.busyStatus = on ? 'EXPIRED' : 'IDLE';
    if (on) this.session = null;
  }

  /** Requests to these endpoints (default: all) are never answered until unhang() or close. */
  hang(endpoints: JibriEndpointName[] = ['health', 'startService', 'stopService']): void {
    for (const e of endpoints) this.hanging.add(e);
  }

  unhang(): void {
    this.hanging.clear();
    for (const res of this.held.splice(0)) res.destroy();
  }

  /** These endpoints (default: all) answer 500 Internal Server Error. */
  fail500(endpoints: JibriEndpointName[] = ['health', 'startService', 'stopService'], on = true): void {
    for (const e of endpoints) on ? this.failing.add(e) : this.failing.delete(e);
  }

  /** Health answers wait this long (a slow instance). */
  setHealthDelay(ms: number): void {
    this.healthDelayMs = ms;
  }

  /** startService takes the session at once but answers this much later (a slow answer). */
  setStartAnswerDelay(ms: number): void {
    this.startAnswerDelayMs = ms;
  }

  /**
   * The next health answer says IDLE, then the fake turns BUSY at once, as if another service
   * process started a session in between: the next startService gets a 412.
   */
  busyAfterNextHealth(): void {
    this.takenAfterHealth = true;
  }

  /** Another client (e.g. another service process) started a session here. */
  takeByOther(sessionId = 'someone-else'): void {
    this.busyStatus = 'BUSY';
    this.session = { sessionId };
  }

  /** The meeting ended by itself: the session is over. */
  finishOnItsOwn(): void {
    this.endSession();
  }

  /** Close the listener and every connection; the port stays ours for up(). */
  async down(): Promise<void> {
    this.unhang();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Listen again on the same port. */
  async up(): Promise<void> {
    this.server = this.createServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }

  /**
   * POST the status webhook Jibri sends to each `jibri.webhook.subscribers` entry:
   * `{subscriber}/v1/status` with `{jibriId, status: {busyStatus, health: {healthStatus, details}}}`
   * (sessionId only when asked for: some Jibri versions add it). Resolves to the HTTP status.
   */
  async postStatus(subscriberBaseUrl: string, options: { sessionId?: string; headers?: Record<string, string> } = {}): Promise<number> {
    const body: Record<string, unknown> = {
      jibriId: this.jibriId,
      status: {
        busyStatus: this.busyStatus,
        health: { healthStatus: this.healthStatus, details: {} },
      },
    };
    if (options.sessionId !== undefined) body.sessionId = options.sessionId;
    const res = await fetch(`${subscriberBaseUrl}/v1/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return res.status;
  }

  private createServer(): http.Server {
    return http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string): void {
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '').split('?')[0]!;
    const entry: FakeJibriRequest = { method: req.method ?? '', path, headers: req.headers, rawBody, body, status: null, aborted: false };
    this.requests.push(entry);
    res.on('close', () => {
      if (!res.writableFinished) entry.aborted = true;
    });
    const answer = (status: number, payload?: unknown): void => {
      entry.status = status;
      if (payload === undefined) {
        res.writeHead(status).end();
        return;
      }
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(status, { 'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json' }).end(text);
    };

    const name = path.startsWith(PREFIX) ? (path.slice(PREFIX.length) as JibriEndpointName) : undefined;
    const routes: Record<JibriEndpointName, string> = { health: 'GET', startService: 'POST', stopService: 'POST' };
    if (!name || !(name in routes)) return answer(404);
    if (req.method !== routes[name]) return answer(405);
    if (this.hanging.has(name)) {
      this.held.push(res);
      return;
    }
    if (this.failing.has(name)) return answer(500);

    if (name === 'health' && this.beforeHealthAnswer) {
      void Promise.resolve(this.beforeHealthAnswer()).then(() => this.health(answer));
      return;
    }
    if (name === 'health') return this.health(answer);
    if (name === 'startService') return this.startService(body, answer);
    this.endSession();
    return answer(200);
  }

  private health(answer: (status: number, payload?: unknown) => void): void {
    const status = { busyStatus: this.busyStatus, health: { healthStatus: this.healthStatus, details: {} } };
    if (this.takenAfterHealth) {
      this.takenAfterHealth = false;
      this.takeByOther();
    }
    if (this.healthDelayMs > 0) {
      setTimeout(() => answer(200, { status }), this.healthDelayMs);
      return;
    }
    answer(200, { status });
  }

  /** Checked and switched in one synchronous step: the atomic "one session at a time". */
  private startService(body: unknown, answer: (status: number, payload?: unknown) => void): void {
    if (typeof body !== 'object' || body === null) return answer(500);
    const params = body as Record<string, unknown>;
    if (this.busyStatus !== 'IDLE') return answer(412, 'Jibri is currently busy');
    if (params.sinkType === 'file' && params.callLoginParams == null) return answer(412, 'Call login params missing');
    if (typeof params.sessionId !== 'string') return answer(500);
    this.busyStatus = 'BUSY';
    this.session = params;
    this.startedSessions.push(params);
    if (this.startAnswerDelayMs > 0) setTimeout(() => answer(200), this.startAnswerDelayMs);
    else answer(200);
  }

  private endSession(): void {
    if (this.busyStatus === 'BUSY') this.busyStatus = this.singleUse ? 'EXPIRED' : 'IDLE';
    this.session = null;
  }
}
