import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import { EgressStore, type EgressEndStatus, type FakeEgress } from './livekit/egress';
import {
  participantJson,
  roomJson,
  trackJson,
  webhookEventJson,
  type EgressEventName,
  type EventStamp,
  type ParticipantEventName,
  type RoomEventName,
  type TrackEventName,
} from './livekit/events';
import {
  RoomStore,
  type DisconnectReason,
  type FakeParticipant,
  type FakeRoom,
  type FakeTrack,
  type ParticipantSpec,
  type RoomOptions,
  type TrackSpec,
} from './livekit/room-service';
import { asObject, sendJson, sendTwirpError, toJsonNames, toProtoNames, TwirpFailure, type Json, type TwirpCode } from './livekit/wire';

/**
 * A stand-in for LiveKit's server API as livekit-server-sdk talks to it: Twirp over JSON,
 * `POST /twirp/livekit.Egress/<Method>` and `POST /twirp/livekit.RoomService/<Method>` with a
 * bearer JWT whose video grant must allow the call. Requests arrive in protobuf JSON
 * (lowerCamelCase from the SDK, snake_case from curl: both accepted); answers use the proto
 * field names (snake_case) like LiveKit's Twirp server, 64-bit numbers as strings, enums by name.
 * Errors follow Twirp: `{"code", "msg"}` with the matching HTTP status.
 *
 * Egress: StartRoomCompositeEgress, StartTrackEgress, StopEgress, ListEgress (./livekit/egress).
 * RoomService: ListParticipants, over rooms a test fills (./livekit/room-service).
 * Webhook events for all of them are rendered here; ./livekit-webhook signs and posts them.
 */

export type { EgressStatusName, FakeEgress } from './livekit/egress';
export type { EventStamp } from './livekit/events';
export type {
  DisconnectReason,
  FakeParticipant,
  FakeRoom,
  FakeTrack,
  ParticipantKind,
  ParticipantSpec,
  ParticipantState,
  RoomOptions,
  TrackSource,
  TrackSpec,
  TrackType,
} from './livekit/room-service';
export type { TwirpCode } from './livekit/wire';

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

export type LivekitService = 'Egress' | 'RoomService';

export interface RecordedRequest {
  service: LivekitService;
  method: string;
  /** The JSON body exactly as sent. */
  body: Record<string, unknown>;
  /** The JWT's claims when it verified, else its unverified claims (or null when unreadable). */
  claims: JwtPayload | null;
  /** The token verified and its video grant allows this call (LiveKit's Ensure*Permission). */
  authorized: boolean;
  /** When the call arrived (performance.now() of this process) and the fake's own time on it until its answer was sent (ms; set once answered). */
  arrivedAt?: number;
  handledMs?: number;
  /** The headers a Twirp client sends besides the token, as received. */
  headers: { contentType?: string; userAgent?: string; requestId?: string };
  /** Which TCP connection carried it: 1 for the fake's first, 2 for the next, and so on. */
  connection: number;
}

interface PendingFault {
  fault: Fault;
  method: string | undefined;
  remaining: number;
}

/** Runs after a request was carried out, before its answer (snake_case, as sent) goes out. */
export type AnswerHook = (answer: Record<string, unknown>) => Promise<void> | void;

export interface FakeLivekitOptions {
  apiKey: string;
  apiSecret: string;
}

export class FakeLivekitServer {
  readonly requests: RecordedRequest[] = [];
  private readonly roomStore = new RoomStore();
  private readonly egressStore = new EgressStore(this.roomStore);
  private faults: PendingFault[] = [];
  private answerHooks = new Map<string, AnswerHook>();
  private handleHooks = new Map<string, () => Promise<void> | void>();
  private readonly server: http.Server;
  private port = 0;
  private readonly connections = new WeakMap<object, number>();
  private connectionCount = 0;

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

  /** Every egress ever started, by id (room composite and track egresses). */
  get egresses(): Map<string, FakeEgress> {
    return this.egressStore.egresses;
  }

  /** The live rooms by name, with their participants and tracks. */
  get rooms(): ReadonlyMap<string, FakeRoom> {
    return this.roomStore.rooms;
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
    this.handleHooks.clear();
  }

  /**
   * Once: the next `method` request is carried out (e.g. the egress exists) and `hook` runs
   * before the answer is sent, so a test can kill the caller first or outlast its timeout.
   */
  beforeAnswer(method: string, hook: AnswerHook): void {
    this.answerHooks.set(method, hook);
  }

  /**
   * Once: the next `method` request waits for `hook` before it is carried out (a LiveKit slow to
   * create the egress: until then it is not in ListEgress either).
   */
  beforeHandle(method: string, hook: () => Promise<void> | void): void {
    this.handleHooks.set(method, hook);
  }

  requestsFor(method: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  // --- egresses ---

  /** The egress started after the recording began to run (LiveKit reports ACTIVE). */
  activateEgress(egressId: string): FakeEgress {
    return this.egressStore.activate(egressId);
  }

  /** A later StopEgress for this egress finds it aborted (e.g. nobody ever published). */
  abortOnNextStop(egressId: string, error = 'Start signal not received'): void {
    this.egressStore.abortOnNextStop(egressId, error);
  }

  /**
   * The egress ends on its own (room closed, limit reached, failure...). Returns the
   * `egress_ended` webhook event LiveKit would post for it.
   */
  endEgress(egressId: string, status: EgressEndStatus, error = ''): Json {
    this.egressStore.end(egressId, status, error);
    return this.webhookEvent(egressId, 'egress_ended');
  }

  /**
   * A webhook event about an egress in its current state, in the protobuf JSON LiveKit posts
   * (lowerCamelCase names, 64-bit numbers as strings). Serialize it and sign the exact string.
   */
  webhookEvent(egressId: string, event: EgressEventName, stamp?: EventStamp): Json {
    return this.egressStore.webhookEvent(egressId, event, stamp);
  }

  /**
   * The egress's recorder joins its room, as LiveKit's egress does once it runs: a hidden
   * `EGRESS` participant whose identity is the egress id. It stays until removeParticipant.
   */
  joinEgressParticipant(egressId: string): FakeParticipant {
    const egress = this.egressStore.get(egressId);
    return this.roomStore.join(egress.roomName, { identity: egress.egressId, kind: 'EGRESS' });
  }

  // --- rooms, participants, tracks ---

  /** A room exists before anyone joined (addParticipant also creates one). */
  createRoom(name: string, options?: RoomOptions): FakeRoom {
    return this.roomStore.ensure(name, options);
  }

  /** The room closes: everyone leaves (ROOM_DELETED), its egresses complete, ListParticipants finds nobody. */
  deleteRoom(name: string): FakeRoom {
    return this.roomStore.delete(name);
  }

  /** A participant joins the room (created when missing); the same identity again replaces the first. */
  addParticipant(room: string, spec: ParticipantSpec): FakeParticipant {
    return this.roomStore.join(room, spec);
  }

  removeParticipant(room: string, identity: string, reason: DisconnectReason = 'CLIENT_INITIATED'): FakeParticipant {
    return this.roomStore.leave(room, identity, reason);
  }

  /** The participant publishes a track: by default an Opus microphone track. */
  publishTrack(room: string, identity: string, spec?: TrackSpec): FakeTrack {
    return this.roomStore.publish(room, identity, spec);
  }

  /**
   * The track goes away. As in LiveKit, a running track egress of it then completes on its
   * own (removeParticipant does the same for every track, deleteRoom also for composites);
   * webhookEvent(egressId, 'egress_ended') renders what LiveKit would post.
   */
  unpublishTrack(room: string, trackSid: string): FakeTrack {
    return this.roomStore.unpublish(room, trackSid);
  }

  muteTrack(room: string, trackSid: string, muted = true): FakeTrack {
    return this.roomStore.setMuted(room, trackSid, muted);
  }

  /** `room_started` / `room_finished` for a live or deleted room. */
  roomEvent(room: string, event: RoomEventName, stamp?: EventStamp): Json {
    return webhookEventJson(event, { room: roomJson(this.roomStore.roomForEvent(room)) }, stamp);
  }

  /** `participant_joined` / `participant_left` for a present or departed participant, as it is now. */
  participantEvent(room: string, identity: string, event: ParticipantEventName, stamp?: EventStamp): Json {
    const participant = this.roomStore.participantForEvent(room, identity);
    return webhookEventJson(
      event,
      { room: roomJson(this.roomStore.roomForEvent(room)), participant: participantJson(participant) },
      stamp,
    );
  }

  /** `track_published` / `track_unpublished` for a track and its publisher. */
  trackEvent(room: string, trackSid: string, event: TrackEventName, stamp?: EventStamp): Json {
    const { participant, track } = this.roomStore.trackForEvent(room, trackSid);
    const roomInfo = this.roomStore.roomForEvent(room);
    return webhookEventJson(
      event,
      { room: { sid: roomInfo.sid, name: roomInfo.name }, participant: participantJson(participant), track: trackJson(track) },
      stamp,
    );
  }

  // --- the Twirp server ---

  private connectionOf(socket: object): number {
    let n = this.connections.get(socket);
    if (n === undefined) this.connections.set(socket, (n = ++this.connectionCount));
    return n;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/twirp\/livekit\.(Egress|RoomService)\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) {
      return sendTwirpError(res, 'bad_route', `no handler for path "${req.url ?? ''}"`);
    }
    const service = match[1] as LivekitService;
    const method = match[2]!;
    let body: Json;
    try {
      body = asObject(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      return sendTwirpError(res, 'malformed', 'the json request could not be decoded');
    }
    const request = toJsonNames(body);
    const { claims, verified } = this.authenticate(req.headers.authorization);
    const authorized = verified && this.allows(service, asObject(claims?.video), request);
    const headers = {
      contentType: req.headers['content-type'],
      userAgent: req.headers['user-agent'],
      requestId: req.headers['x-livekit-request-id'] as string | undefined,
    };
    const record: RecordedRequest = { service, method, body, claims, authorized, arrivedAt: arrived, headers, connection: this.connectionOf(req.socket) };
    this.requests.push(record);
    res.once('finish', () => (record.handledMs = performance.now() - arrived));

    const pending = this.faults.find((f) => f.method === undefined || f.method === method);
    if (pending) {
      pending.remaining -= 1;
      if (pending.remaining <= 0) this.faults.splice(this.faults.indexOf(pending), 1);
      return this.applyFault(res, pending.fault);
    }
    if (!authorized) {
      return sendTwirpError(
        res,
        'unauthenticated',
        service === 'Egress' ? 'invalid token or missing roomRecord grant' : 'permissions denied',
      );
    }

    const before = this.handleHooks.get(method);
    if (before) {
      this.handleHooks.delete(method);
      await before();
    }
    try {
      const answer = service === 'Egress' ? toProtoNames(this.egressCall(method, request)) : this.roomServiceCall(method, request);
      const hook = this.answerHooks.get(method);
      if (hook) {
        this.answerHooks.delete(method);
        await hook(answer);
      }
      sendJson(res, 200, answer);
    } catch (err) {
      if (err instanceof TwirpFailure) return sendTwirpError(res, err.code, err.message);
      return sendTwirpError(res, 'internal', err instanceof Error ? err.message : 'internal error');
    }
  }

  private authenticate(header: string | undefined): { claims: JwtPayload | null; verified: boolean } {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    if (!token) return { claims: null, verified: false };
    try {
      const claims = jwt.verify(token, this.options.apiSecret, {
        algorithms: ['HS256'],
        issuer: this.options.apiKey,
      }) as JwtPayload;
      return { claims, verified: true };
    } catch {
      const decoded = jwt.decode(token);
      return { claims: decoded && typeof decoded === 'object' ? decoded : null, verified: false };
    }
  }

  /**
   * The video grant each call needs, as LiveKit checks it: egress calls `roomRecord`
   * (EnsureRecordPermission); room calls `roomAdmin` for the very room asked about
   * (EnsureAdminPermission).
   */
  private allows(service: LivekitService, video: Json, request: Json): boolean {
    if (service === 'Egress') return video.roomRecord === true;
    return video.roomAdmin === true && typeof video.room === 'string' && video.room === String(request.room ?? '');
  }

  private egressCall(method: string, request: Json): Json {
    const store = this.egressStore;
    switch (method) {
      case 'StartRoomCompositeEgress':
        return store.infoJson(store.startRoomComposite(request));
      case 'StartTrackEgress':
        return store.infoJson(store.startTrack(request));
      case 'StopEgress':
        return store.infoJson(store.stop(String(request.egressId ?? '')));
      case 'ListEgress':
        return { items: store.list(request).map((e) => store.infoJson(e)) };
      default:
        throw new TwirpFailure('bad_route', `unknown method ${method}`);
    }
  }

  /** Answers already in proto field names (they carry map fields, whose keys are data). */
  private roomServiceCall(method: string, request: Json): Json {
    switch (method) {
      case 'ListParticipants':
        return this.roomStore.listParticipantsAnswer(String(request.room ?? ''));
      default:
        throw new TwirpFailure('bad_route', `unknown method ${method}`);
    }
  }

  private applyFault(res: ServerResponse, fault: Fault): void {
    switch (fault.type) {
      case 'http-error':
        res.writeHead(fault.status, { 'Content-Type': 'text/html' });
        res.end(fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`);
        return;
      case 'twirp-error':
        return sendTwirpError(res, fault.code, fault.msg ?? `injected ${fault.code}`);
      case 'hang':
        return; // the response stays open until the client gives up or close() cuts it
      case 'no-egress-id':
        return sendJson(res, 200, { room_name: 'unknown', status: 'EGRESS_STARTING' });
      case 'invalid-json':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"egress_id": "EG_');
        return;
    }
  }
}
