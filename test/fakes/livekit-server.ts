import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt, { type JwtPayload } from 'jsonwebtoken';

/**
 * A stand-in for LiveKit's Egress API as livekit-server-sdk talks to it: Twirp over JSON,
 * `POST /twirp/livekit.Egress/<Method>` with a bearer JWT. Requests arrive in protobuf JSON
 * (lowerCamelCase from the SDK, snake_case from curl: both accepted); answers use the proto
 * field names (snake_case) like LiveKit's Twirp server, 64-bit numbers as strings, enums by name.
 * Errors follow Twirp: `{"code", "msg"}` with the matching HTTP status.
 */

export type EgressStatusName =
  | 'EGRESS_STARTING'
  | 'EGRESS_ACTIVE'
  | 'EGRESS_ENDING'
  | 'EGRESS_COMPLETE'
  | 'EGRESS_FAILED'
  | 'EGRESS_ABORTED'
  | 'EGRESS_LIMIT_REACHED';

const TWIRP_STATUS = {
  canceled: 408,
  unknown: 500,
  invalid_argument: 400,
  malformed: 400,
  deadline_exceeded: 408,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
} as const;
export type TwirpCode = keyof typeof TWIRP_STATUS;

export type Fault =
  /** A plain HTTP error, as a proxy in front of LiveKit would answer. */
  | { type: 'http-error'; status: number; body?: string }
  /** A Twirp error from LiveKit itself. */
  | { type: 'twirp-error'; code: TwirpCode; msg?: string }
  /** Accept the request and never answer. */
  | { type: 'hang' }
  /** Answer 200 with an EgressInfo that has no egress id. */
  | { type: 'no-egress-id' }
  /** Answer 200 with a body that is not JSON. */
  | { type: 'invalid-json' };

export interface RecordedRequest {
  method: string;
  /** The JSON body exactly as sent. */
  body: Record<string, unknown>;
  /** The JWT's claims when it verified, else its unverified claims (or null when unreadable). */
  claims: JwtPayload | null;
  authorized: boolean;
}

/** An egress as the fake keeps it (camelCase; rendered to snake_case on the wire). */
export interface FakeEgress {
  egressId: string;
  roomId: string;
  roomName: string;
  status: EgressStatusName;
  startedAt: string;
  endedAt: string;
  updatedAt: string;
  error: string;
  /** The RoomCompositeEgressRequest as received (camelCase), storage credentials redacted. */
  roomComposite: Record<string, unknown>;
  fileResults: Record<string, string>[];
}

interface PendingFault {
  fault: Fault;
  method: string | undefined;
  remaining: number;
}

type Json = Record<string, unknown>;
/** Runs after a request was carried out, before its answer (snake_case, as sent) goes out. */
export type AnswerHook = (answer: Record<string, unknown>) => Promise<void> | void;

const RUNNING: EgressStatusName[] = ['EGRESS_STARTING', 'EGRESS_ACTIVE'];
const NOT_FINISHED: EgressStatusName[] = ['EGRESS_STARTING', 'EGRESS_ACTIVE', 'EGRESS_ENDING'];

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function livekitId(prefix: string): string {
  return prefix + Array.from(randomBytes(12), (b) => ALPHABET[b % ALPHABET.length]).join('');
}

function nowNanos(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}

const toSnakeKey = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamelKey = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Renames object keys recursively (our messages carry no map fields, whose keys would be data). */
function renameKeys(value: unknown, rename: (k: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), renameKeys(v, rename)]));
  }
  return value;
}

function asObject(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function fileOutputsOf(request: Json): Json[] {
  const outputs = Array.isArray(request.fileOutputs) ? request.fileOutputs.map(asObject) : [];
  if (request.file) outputs.push(asObject(request.file));
  return outputs;
}

class TwirpFailure extends Error {
  constructor(
    readonly code: TwirpCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeLivekitOptions {
  apiKey: string;
  apiSecret: string;
}

export class FakeLivekitServer {
  readonly requests: RecordedRequest[] = [];
  readonly egresses = new Map<string, FakeEgress>();
  private faults: PendingFault[] = [];
  private abortOnStop = new Map<string, string>();
  private answerHooks = new Map<string, AnswerHook>();
  private readonly server: http.Server;
  private port = 0;

  private constructor(private readonly options: FakeLivekitOptions) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  /** Starts a fake on 127.0.0.1 and a random port. */
  static async start(options: FakeLivekitOptions): Promise<FakeLivekitServer> {
    const fake = new FakeLivekitServer(options);
    await fake.listen();
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** (Re)opens the port: the first time a random one, afterwards the same one as before. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts every open connection (hanging requests included): LiveKit is down. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** The next `times` matching requests (any method unless given) get this fault instead of an answer. */
  injectFault(fault: Fault, options: { method?: string; times?: number } = {}): void {
    this.faults.push({ fault, method: options.method, remaining: options.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
    this.answerHooks.clear();
  }

  /**
   * Once: the next `method` request is carried out (e.g. the egress exists) and `hook` runs
   * before the answer is sent, so a test can kill the caller first or outlast its timeout.
   */
  beforeAnswer(method: string, hook: AnswerHook): void {
    this.answerHooks.set(method, hook);
  }

  requestsFor(method: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  /** The egress started after the recording began to run (LiveKit reports ACTIVE). */
  activateEgress(egressId: string): FakeEgress {
    const egress = this.egress(egressId);
    egress.status = 'EGRESS_ACTIVE';
    egress.startedAt = nowNanos();
    egress.updatedAt = egress.startedAt;
    return egress;
  }

  /** A later StopEgress for this egress finds it aborted (e.g. nobody ever published). */
  abortOnNextStop(egressId: string, error = 'Start signal not received'): void {
    this.egress(egressId);
    this.abortOnStop.set(egressId, error);
  }

  /**
   * The egress ends on its own (room closed, limit reached, failure...). Returns the
   * `egress_ended` webhook event LiveKit would post for it.
   */
  endEgress(egressId: string, status: Exclude<EgressStatusName, 'EGRESS_STARTING' | 'EGRESS_ACTIVE'>, error = ''): Json {
    this.finish(this.egress(egressId), status, error);
    return this.webhookEvent(egressId, 'egress_ended');
  }

  /**
   * A webhook event about an egress in its current state, in the protobuf JSON LiveKit posts
   * (lowerCamelCase names, 64-bit numbers as strings). Serialize it and sign the exact string.
   */
  webhookEvent(egressId: string, event: 'egress_started' | 'egress_updated' | 'egress_ended'): Json {
    return {
      event,
      egressInfo: this.infoJson(this.egress(egressId)),
      id: livekitId('EV_'),
      createdAt: Math.floor(Date.now() / 1000).toString(),
    };
  }

  private egress(egressId: string): FakeEgress {
    const egress = this.egresses.get(egressId);
    if (!egress) throw new Error(`fake LiveKit: no egress ${egressId}`);
    return egress;
  }

  private finish(egress: FakeEgress, status: EgressStatusName, error: string): void {
    const now = nowNanos();
    if (egress.startedAt === '0') egress.startedAt = now;
    egress.status = status;
    egress.endedAt = now;
    egress.updatedAt = now;
    egress.error = error;
    if (status === 'EGRESS_COMPLETE' || status === 'EGRESS_LIMIT_REACHED') {
      egress.fileResults = fileOutputsOf(egress.roomComposite).map((file) => {
        const filepath = String(file.filepath ?? '');
        const s3 = asObject(file.s3);
        return {
          filename: filepath,
          startedAt: egress.startedAt,
          endedAt: now,
          duration: (BigInt(now) - BigInt(egress.startedAt)).toString(),
          size: '1048576',
          location: `${String(s3.endpoint ?? '')}/${String(s3.bucket ?? '')}/${filepath}`,
        };
      });
    }
  }

  /** EgressInfo in camelCase; zero values are left out, as protobuf JSON does. */
  private infoJson(egress: FakeEgress): Json {
    const info: Json = {
      egressId: egress.egressId,
      roomId: egress.roomId,
      roomName: egress.roomName,
      status: egress.status,
      startedAt: egress.startedAt,
      endedAt: egress.endedAt,
      updatedAt: egress.updatedAt,
      roomComposite: egress.roomComposite,
      fileResults: egress.fileResults,
      error: egress.error,
    };
    for (const [key, value] of Object.entries(info)) {
      if (value === '' || value === '0' || (Array.isArray(value) && value.length === 0)) delete info[key];
    }
    return info;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/twirp\/livekit\.Egress\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) {
      return this.twirpError(res, 'bad_route', `no handler for path "${req.url ?? ''}"`);
    }
    const method = match[1]!;
    let body: Json;
    try {
      body = asObject(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      return this.twirpError(res, 'malformed', 'the json request could not be decoded');
    }
    const { claims, authorized } = this.authenticate(req.headers.authorization);
    this.requests.push({ method, body, claims, authorized });

    const pending = this.faults.find((f) => f.method === undefined || f.method === method);
    if (pending) {
      pending.remaining -= 1;
      if (pending.remaining <= 0) this.faults.splice(this.faults.indexOf(pending), 1);
      return this.applyFault(res, pending.fault);
    }
    if (!authorized) return this.twirpError(res, 'unauthenticated', 'invalid token or missing roomRecord grant');

    try {
      const request = asObject(renameKeys(body, toCamelKey));
      const answer = renameKeys(this.dispatch(method, request), toSnakeKey) as Json;
      const hook = this.answerHooks.get(method);
      if (hook) {
        this.answerHooks.delete(method);
        await hook(answer);
      }
      this.json(res, 200, answer);
    } catch (err) {
      if (err instanceof TwirpFailure) return this.twirpError(res, err.code, err.message);
      return this.twirpError(res, 'internal', err instanceof Error ? err.message : 'internal error');
    }
  }

  private authenticate(header: string | undefined): { claims: JwtPayload | null; authorized: boolean } {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    if (!token) return { claims: null, authorized: false };
    try {
      const claims = jwt.verify(token, this.options.apiSecret, {
        algorithms: ['HS256'],
        issuer: this.options.apiKey,
      }) as JwtPayload;
      const video = asObject(claims.video);
      return { claims, authorized: video.roomRecord === true };
    } catch {
      const decoded = jwt.decode(token);
      return { claims: decoded && typeof decoded === 'object' ? decoded : null, authorized: false };
    }
  }

  private dispatch(method: string, request: Json): Json {
    switch (method) {
      case 'StartRoomCompositeEgress':
        return this.infoJson(this.startRoomComposite(request));
      case 'StopEgress':
        return this.infoJson(this.stopEgress(String(request.egressId ?? '')));
      case 'ListEgress':
        return { items: this.listEgress(request).map((e) => this.infoJson(e)) };
      default:
        throw new TwirpFailure('bad_route', `unknown method ${method}`);
    }
  }

  private startRoomComposite(request: Json): FakeEgress {
    const roomName = String(request.roomName ?? '');
    if (!roomName) throw new TwirpFailure('invalid_argument', 'room name is required');
    const files = fileOutputsOf(request);
    const hasOutput = files.length > 0 || ['stream', 'segments', 'streamOutputs', 'segmentOutputs'].some((k) => k in request);
    if (!hasOutput) throw new TwirpFailure('invalid_argument', 'no outputs provided');
    const audioCodec = asObject(request.advanced).audioCodec;
    if (files.some((f) => f.fileType === 'OGG') && audioCodec !== undefined && audioCodec !== 'OPUS') {
      throw new TwirpFailure('invalid_argument', `format audio/ogg incompatible with codec ${String(audioCodec)}`);
    }
    const echoed = structuredClone(request);
    for (const file of fileOutputsOf(echoed)) {
      const s3 = asObject(file.s3);
      if ('accessKey' in s3) s3.accessKey = '{access_key}';
      if ('secret' in s3) s3.secret = '{secret}';
    }
    const existing = [...this.egresses.values()].find((e) => e.roomName === roomName);
    const egress: FakeEgress = {
      egressId: livekitId('EG_'),
      roomId: existing?.roomId ?? livekitId('RM_'),
      roomName,
      status: 'EGRESS_STARTING',
      startedAt: '0',
      endedAt: '0',
      updatedAt: nowNanos(),
      error: '',
      roomComposite: echoed,
      fileResults: [],
    };
    this.egresses.set(egress.egressId, egress);
    return egress;
  }

  private stopEgress(egressId: string): FakeEgress {
    const egress = this.egresses.get(egressId);
    if (!egress) throw new TwirpFailure('not_found', 'egress does not exist');
    if (!RUNNING.includes(egress.status)) {
      throw new TwirpFailure('failed_precondition', `egress with status ${egress.status} cannot be stopped`);
    }
    const abortError = this.abortOnStop.get(egressId);
    this.abortOnStop.delete(egressId);
    if (abortError !== undefined) this.finish(egress, 'EGRESS_ABORTED', abortError);
    else this.finish(egress, 'EGRESS_COMPLETE', '');
    return egress;
  }

  private listEgress(request: Json): FakeEgress[] {
    const egressId = String(request.egressId ?? '');
    const roomName = String(request.roomName ?? '');
    let items = [...this.egresses.values()];
    if (egressId) {
      items = items.filter((e) => e.egressId === egressId);
      if (items.length === 0) throw new TwirpFailure('not_found', 'egress does not exist');
    }
    if (roomName) items = items.filter((e) => e.roomName === roomName);
    if (request.active === true) items = items.filter((e) => NOT_FINISHED.includes(e.status));
    return items;
  }

  private applyFault(res: ServerResponse, fault: Fault): void {
    switch (fault.type) {
      case 'http-error':
        res.writeHead(fault.status, { 'Content-Type': 'text/html' });
        res.end(fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`);
        return;
      case 'twirp-error':
        return this.twirpError(res, fault.code, fault.msg ?? `injected ${fault.code}`);
      case 'hang':
        return; // the response stays open until the client gives up or close() cuts it
      case 'no-egress-id':
        return this.json(res, 200, { room_name: 'unknown', status: 'EGRESS_STARTING' });
      case 'invalid-json':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"egress_id": "EG_');
        return;
    }
  }

  private twirpError(res: ServerResponse, code: TwirpCode, msg: string): void {
    this.json(res, TWIRP_STATUS[code], { code, msg });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    // Exactly `application/json`: the SDK compares the header literally before reading a Twirp error.
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
