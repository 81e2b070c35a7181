import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
// The SDK re-exports most of its protocol enums, not ParticipantInfo.Kind nor EgressSourceType.
import { DisconnectReason, EgressSourceType, ParticipantInfo_Kind } from '@livekit/protocol';
import jwt from 'jsonwebtoken';
import {
  AccessToken,
  DirectFileOutput,
  EgressClient,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  ParticipantInfo_State,
  RoomServiceClient,
  S3Upload,
  TrackSource,
  TrackType,
  TwirpError,
  WebhookReceiver,
  type VideoGrant,
  type WebhookEvent,
} from 'livekit-server-sdk';
import { FakeLivekitServer } from './fakes/livekit-server';
import { postLivekitWebhook } from './fakes/livekit-webhook';

/**
 * The fake LiveKit's RoomService, track egresses and room/participant/track webhooks, driven
 * through the official livekit-server-sdk clients and checked against the contract fixtures.
 */

const API_KEY = 'APIfakeRoomKey';
const API_SECRET = 'fake-livekit-room-secret-0123456789abcdef';
const S3_SECRET = 's3-track-secret-do-not-echo';
const fixture = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'livekit', name), 'utf8')) as Record<string, any>;

let fake: FakeLivekitServer;
let rooms: RoomServiceClient;
let egress: EgressClient;
let roomCounter = 0;
const nextRoom = () => `fake-room-${++roomCounter}`;

beforeAll(async () => {
  fake = await FakeLivekitServer.start({ apiKey: API_KEY, apiSecret: API_SECRET });
  rooms = new RoomServiceClient(fake.url, API_KEY, API_SECRET);
  egress = new EgressClient(fake.url, API_KEY, API_SECRET);
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.clearFaults());

async function tokenWith(grant: VideoGrant, secret = API_SECRET): Promise<string> {
  const at = new AccessToken(API_KEY, secret, { ttl: '5m' });
  at.addGrant(grant);
  return at.toJwt();
}

async function twirpErrorOf(promise: Promise<unknown>): Promise<TwirpError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TwirpError);
    return err as TwirpError;
  }
  throw new Error('expected a TwirpError, the call succeeded');
}

function trackOutput(filepath: string): DirectFileOutput {
  return new DirectFileOutput({
    filepath,
    output: {
      case: 's3',
      value: new S3Upload({
        accessKey: 'minio-access',
        secret: S3_SECRET,
        endpoint: 'http://minio.test:9000',
        bucket: 'meet-media-storage',
        region: 'us-east-1',
        forcePathStyle: true,
      }),
    },
  });
}

/** A room like the fixture's: Ada with a microphone and a camera, and the composite's recorder. */
function standup(room: string) {
  fake.addParticipant(room, { identity: 'user-42', name: 'Ada Lovelace' });
  const mic = fake.publishTrack(room, 'user-42');
  const camera = fake.publishTrack(room, 'user-42', { source: 'CAMERA' });
  fake.addParticipant(room, { identity: 'EG_hX3kPq8TzR2m', kind: 'EGRESS' });
  return { mic, camera };
}

/** What a value looks like: keys at every level with the JSON type of each leaf. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shape((value as Record<string, unknown>)[k])]),
    );
  }
  return value === null ? 'null' : typeof value;
}

describe('RoomService.ListParticipants', () => {
  it('answers what the SDK decodes into participants, kinds, tracks and sources', async () => {
    const room = nextRoom();
    const { mic, camera } = standup(room);
    fake.addParticipant(room, { identity: 'agent-1', kind: 'AGENT' });
    fake.addParticipant(room, { identity: 'sip-1', kind: 'SIP', name: '+33 1 23 45 67 89' });
    const screen = fake.publishTrack(room, 'user-42', { source: 'SCREEN_SHARE' });
    fake.muteTrack(room, camera.sid);

    const participants = await rooms.listParticipants(room);

    expect(participants.map((p) => [p.identity, p.kind])).toEqual([
      ['user-42', ParticipantInfo_Kind.STANDARD],
      ['EG_hX3kPq8TzR2m', ParticipantInfo_Kind.EGRESS],
      ['agent-1', ParticipantInfo_Kind.AGENT],
      ['sip-1', ParticipantInfo_Kind.SIP],
    ]);
    const ada = participants[0]!;
    const stored = fake.rooms.get(room)!.participants.get('user-42')!;
    expect(ada.sid).toBe(stored.sid);
    expect(ada.sid).toMatch(/^PA_[A-Za-z0-9]{12}$/);
    expect(ada.name).toBe('Ada Lovelace');
    expect(ada.state).toBe(ParticipantInfo_State.ACTIVE);
    expect(ada.isPublisher).toBe(true);
    expect(ada.joinedAt).toBe(BigInt(stored.joinedAt));
    expect(ada.joinedAtMs).toBe(BigInt(stored.joinedAtMs));
    expect(ada.tracks.map((t) => [t.sid, t.type, t.source, t.mimeType, t.muted])).toEqual([
      [mic.sid, TrackType.AUDIO, TrackSource.MICROPHONE, 'audio/opus', false],
      [camera.sid, TrackType.VIDEO, TrackSource.CAMERA, 'video/VP8', true],
      [screen.sid, TrackType.VIDEO, TrackSource.SCREEN_SHARE, 'video/VP8', false],
    ]);
    expect(mic.sid).toMatch(/^TR_[A-Za-z0-9]{12}$/);
    expect([ada.tracks[1]!.width, ada.tracks[1]!.height]).toEqual([1280, 720]);
    expect(participants[1]!.tracks).toEqual([]);
    expect(participants[3]!.name).toBe('+33 1 23 45 67 89');
  });

  it('sends the shape of the contract fixture: snake_case, default values emitted', async () => {
    const room = nextRoom();
    standup(room);
    let answer: Record<string, any> = {};
    fake.beforeAnswer('ListParticipants', (a) => {
      answer = a;
    });
    await rooms.listParticipants(room);

    const expected = fixture('twirp-list-participants-response.json');
    expect(shape(answer)).toEqual(shape(expected));
    expect(Object.keys(answer.participants[0])).toEqual(Object.keys(expected.participants[0]));
    expect(Object.keys(answer.participants[0].tracks[0])).toEqual(Object.keys(expected.participants[0].tracks[0]));
    expect(answer.participants[1]).toMatchObject({ identity: 'EG_hX3kPq8TzR2m', kind: 'EGRESS', is_publisher: false, tracks: [] });
    expect(answer.participants[0].tracks.map((t: any) => [t.type, t.source, t.mime_type])).toEqual([
      ['AUDIO', 'MICROPHONE', 'audio/opus'],
      ['VIDEO', 'CAMERA', 'video/VP8'],
    ]);
  });

  it('follows joins, departures and unpublished tracks; an unknown room has nobody', async () => {
    const room = nextRoom();
    const { mic } = standup(room);
    fake.addParticipant(room, { identity: 'bob' });
    const bobMic = fake.publishTrack(room, 'bob');
    fake.unpublishTrack(room, mic.sid);
    fake.removeParticipant(room, 'EG_hX3kPq8TzR2m');

    const participants = await rooms.listParticipants(room);
    expect(participants.map((p) => p.identity)).toEqual(['user-42', 'bob']);
    expect(participants[0]!.tracks.map((t) => t.source)).toEqual([TrackSource.CAMERA]);
    expect(participants[1]!.tracks.map((t) => t.sid)).toEqual([bobMic.sid]);

    fake.deleteRoom(room);
    expect(await rooms.listParticipants(room)).toEqual([]);
    expect(await rooms.listParticipants('never-existed')).toEqual([]);
  });

  it('needs the roomAdmin grant for that very room, as the SDK sends it', async () => {
    const room = nextRoom();
    standup(room);
    await rooms.listParticipants(room);
    const sent = fake.requestsFor('ListParticipants').at(-1)!;
    expect(sent.service).toBe('RoomService');
    expect(sent.body).toEqual({ room });
    expect(sent.authorized).toBe(true);
    expect(sent.claims).toMatchObject({ iss: API_KEY, video: { roomAdmin: true, room } });

    const refused: [string, string][] = [
      ['another room', await tokenWith({ roomAdmin: true, room: 'elsewhere' })],
      ['no room', await tokenWith({ roomAdmin: true })],
      ['recording only', await tokenWith({ roomRecord: true, room })],
      ['wrong secret', await tokenWith({ roomAdmin: true, room }, 'not-the-secret-0123456789abcdef')],
    ];
    for (const [why, token] of refused) {
      const client = new RoomServiceClient(fake.url, undefined, undefined, { token });
      const error = await twirpErrorOf(client.listParticipants(room));
      expect([why, error.status, error.code]).toEqual([why, 401, 'unauthenticated']);
      expect(fake.requestsFor('ListParticipants').at(-1)!.authorized).toBe(false);
    }
  });

  it('answers injected faults instead', async () => {
    const room = nextRoom();
    standup(room);
    fake.injectFault({ type: 'twirp-error', code: 'unavailable', msg: 'room service down' }, { method: 'ListParticipants' });
    const error = await twirpErrorOf(rooms.listParticipants(room));
    expect([error.status, error.code, error.message]).toEqual([503, 'unavailable', 'room service down']);
    fake.injectFault({ type: 'http-error', status: 502 }, { method: 'ListParticipants' });
    expect((await twirpErrorOf(rooms.listParticipants(room))).status).toBe(502);
    expect(await rooms.listParticipants(room)).toHaveLength(2);
  });
});

describe('Egress.StartTrackEgress', () => {
  it('starts a track egress the SDK decodes, echoing the request with its secrets redacted', async () => {
    const room = nextRoom();
    const { mic } = standup(room);
    let answer: Record<string, any> = {};
    fake.beforeAnswer('StartTrackEgress', (a) => {
      answer = a;
    });

    const info = await egress.startTrackEgress(room, trackOutput(`recordings/rec-1/${mic.sid}.ogg`), mic.sid);

    expect(info.egressId).toMatch(/^EG_[A-Za-z0-9]{12}$/);
    expect(info.roomName).toBe(room);
    expect(info.roomId).toBe(fake.rooms.get(room)!.sid);
    expect(info.status).toBe(EgressStatus.EGRESS_STARTING);
    expect(info.sourceType).toBe(EgressSourceType.SDK);
    expect(info.request.case).toBe('track');
    const request = info.request.value as { roomName: string; trackId: string; output: { case: string; value: DirectFileOutput } };
    expect([request.roomName, request.trackId, request.output.case]).toEqual([room, mic.sid, 'file']);
    const file = request.output.value;
    expect(file.filepath).toBe(`recordings/rec-1/${mic.sid}.ogg`);
    expect(file.output.case).toBe('s3');
    expect(file.output.value).toMatchObject({
      accessKey: '{access_key}',
      secret: '{secret}',
      endpoint: 'http://minio.test:9000',
      bucket: 'meet-media-storage',
      forcePathStyle: true,
    });

    // On the wire: proto field names, the request under `track`, no secret anywhere.
    expect(answer).toMatchObject({
      egress_id: info.egressId,
      room_name: room,
      source_type: 'EGRESS_SOURCE_TYPE_SDK',
      status: 'EGRESS_STARTING',
      track: { room_name: room, track_id: mic.sid, file: { filepath: `recordings/rec-1/${mic.sid}.ogg`, s3: { force_path_style: true } } },
    });
    expect(JSON.stringify(answer)).not.toContain(S3_SECRET);

    // The request is recorded as sent, with the roomRecord grant.
    const sent = fake.requestsFor('StartTrackEgress').at(-1)!;
    expect(sent.authorized).toBe(true);
    expect(sent.claims).toMatchObject({ video: { roomRecord: true } });
    expect(sent.body).toMatchObject({ roomName: room, trackId: mic.sid, file: { filepath: `recordings/rec-1/${mic.sid}.ogg`, s3: { secret: S3_SECRET } } });
    expect(fake.egresses.get(info.egressId)).toMatchObject({ kind: 'track', roomName: room, track: { trackId: mic.sid } });
  });

  it('lists track egresses beside the composite, filtered by room, id and activity', async () => {
    const room = nextRoom();
    const other = nextRoom();
    const { mic } = standup(room);
    fake.addParticipant(room, { identity: 'bob' });
    const bobMic = fake.publishTrack(room, 'bob');
    fake.addParticipant(other, { identity: 'carol' });
    const carolMic = fake.publishTrack(other, 'carol');

    const composite = await egress.startRoomCompositeEgress(room, {
      file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'recordings/rec-2.mp4' }),
    });
    const adaTrack = await egress.startTrackEgress(room, trackOutput(`recordings/rec-2/${mic.sid}.ogg`), mic.sid);
    const bobTrack = await egress.startTrackEgress(room, trackOutput(`recordings/rec-2/${bobMic.sid}.ogg`), bobMic.sid);
    await egress.startTrackEgress(other, trackOutput(`recordings/rec-3/${carolMic.sid}.ogg`), carolMic.sid);
    expect(composite.roomId).toBe(adaTrack.roomId);

    const inRoom = await egress.listEgress({ roomName: room });
    expect(inRoom.map((e) => [e.egressId, e.request.case])).toEqual([
      [composite.egressId, 'roomComposite'],
      [adaTrack.egressId, 'track'],
      [bobTrack.egressId, 'track'],
    ]);
    const [one] = await egress.listEgress({ egressId: bobTrack.egressId });
    expect(one!.request.case === 'track' && one!.request.value.trackId).toBe(bobMic.sid);

    fake.activateEgress(adaTrack.egressId);
    await egress.stopEgress(bobTrack.egressId);
    const active = await egress.listEgress({ roomName: room, active: true });
    expect(active.map((e) => [e.egressId, e.status])).toEqual([
      [composite.egressId, EgressStatus.EGRESS_STARTING],
      [adaTrack.egressId, EgressStatus.EGRESS_ACTIVE],
    ]);
  });

  it('reports the file on stop: OGG for an Opus track, in file_results and the legacy file result', async () => {
    const room = nextRoom();
    const { mic, camera } = standup(room);
    const audio = await egress.startTrackEgress(room, trackOutput(`recordings/rec-4/${mic.sid}.ogg`), mic.sid);
    fake.activateEgress(audio.egressId);

    const stopped = await egress.stopEgress(audio.egressId);

    expect(stopped.status).toBe(EgressStatus.EGRESS_COMPLETE);
    expect(stopped.fileResults).toHaveLength(1);
    const result = stopped.fileResults[0]!;
    expect(result.filename).toBe(`recordings/rec-4/${mic.sid}.ogg`);
    expect(result.size).toBeGreaterThan(0n);
    expect(result.duration).toBe(result.endedAt - result.startedAt);
    expect(result.location).toBe(`http://minio.test:9000/meet-media-storage/recordings/rec-4/${mic.sid}.ogg`);
    expect(stopped.result.case).toBe('file');
    expect(stopped.result.value).toEqual(result);
    expect((await twirpErrorOf(egress.stopEgress(audio.egressId))).code).toBe('failed_precondition');

    // LiveKit fixes the extension to the track's container and fills in the templates.
    const bare = await egress.startTrackEgress(room, trackOutput('recordings/rec-4/{track_id}'), mic.sid);
    const wrong = await egress.startTrackEgress(room, trackOutput('recordings/rec-4/mic.mp4'), mic.sid);
    const video = await egress.startTrackEgress(room, trackOutput('recordings/rec-4/{publisher_identity}-{track_source}'), camera.sid);
    const names = [];
    for (const e of [bare, wrong, video]) names.push((await egress.stopEgress(e.egressId)).fileResults[0]!.filename);
    expect(names).toEqual([`recordings/rec-4/${mic.sid}.ogg`, 'recordings/rec-4/mic.ogg', 'recordings/rec-4/user-42-camera.webm']);
  });

  it('ends a track egress on its own when the track goes, and the composite when the room closes', async () => {
    const room = nextRoom();
    const { mic, camera } = standup(room);
    fake.addParticipant(room, { identity: 'bob' });
    const bobMic = fake.publishTrack(room, 'bob');
    const composite = await egress.startRoomCompositeEgress(room, {
      file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'recordings/rec-7.mp4' }),
    });
    const [adaMic, adaCamera, bob] = await Promise.all(
      [mic, camera, bobMic].map((t) => egress.startTrackEgress(room, trackOutput(`recordings/rec-7/${t.sid}`), t.sid)),
    );

    fake.unpublishTrack(room, bobMic.sid);
    fake.removeParticipant(room, 'user-42');
    const ended = await egress.listEgress({ roomName: room });
    expect(ended.map((e) => [e.egressId, e.status, e.fileResults[0]?.filename])).toEqual([
      [composite.egressId, EgressStatus.EGRESS_STARTING, undefined],
      [adaMic!.egressId, EgressStatus.EGRESS_COMPLETE, `recordings/rec-7/${mic.sid}.ogg`],
      [adaCamera!.egressId, EgressStatus.EGRESS_COMPLETE, `recordings/rec-7/${camera.sid}.webm`],
      [bob!.egressId, EgressStatus.EGRESS_COMPLETE, `recordings/rec-7/${bobMic.sid}.ogg`],
    ]);
    expect((await twirpErrorOf(egress.stopEgress(bob!.egressId))).code).toBe('failed_precondition');
    expect(fake.webhookEvent(adaMic!.egressId, 'egress_ended')).toMatchObject({ egressInfo: { status: 'EGRESS_COMPLETE' } });

    fake.deleteRoom(room);
    const [closed] = await egress.listEgress({ egressId: composite.egressId });
    expect(closed!.status).toBe(EgressStatus.EGRESS_COMPLETE);
    expect(fake.trackEvent(room, camera.sid, 'track_unpublished')).toMatchObject({ participant: { identity: 'user-42' }, track: { sid: camera.sid } });
  });

  it('refuses what LiveKit refuses', async () => {
    const room = nextRoom();
    const { mic } = standup(room);
    const unknownRoom = await twirpErrorOf(egress.startTrackEgress('no-such-room', trackOutput('x.ogg'), mic.sid));
    expect([unknownRoom.status, unknownRoom.code]).toEqual([404, 'not_found']);
    const noTrack = await twirpErrorOf(egress.startTrackEgress(room, trackOutput('x.ogg'), ''));
    expect([noTrack.status, noTrack.code]).toEqual([400, 'invalid_argument']);

    const adminOnly = new EgressClient(fake.url, undefined, undefined, { token: await tokenWith({ roomAdmin: true, room }) });
    const unauthorized = await twirpErrorOf(adminOnly.startTrackEgress(room, trackOutput('x.ogg'), mic.sid));
    expect([unauthorized.status, unauthorized.code]).toEqual([401, 'unauthenticated']);
    expect([...fake.egresses.values()].filter((e) => e.roomName === room)).toEqual([]);
  });
});

describe('webhooks for rooms, participants, tracks and track egresses', () => {
  let receiver: http.Server;
  let receiverUrl: string;
  const deliveries: { contentType: string | undefined; authorization: string | undefined; body: string; event: WebhookEvent }[] = [];
  const sdkReceiver = new WebhookReceiver(API_KEY, API_SECRET);

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        sdkReceiver
          .receive(body, req.headers.authorization)
          .then((event) => {
            deliveries.push({ contentType: req.headers['content-type'], authorization: req.headers.authorization, body, event });
            res.writeHead(200).end();
          })
          .catch((err: Error) => res.writeHead(401).end(err.message));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  /** Posts as LiveKit does and returns what the official WebhookReceiver made of it. */
  async function deliver(event: object): Promise<WebhookEvent> {
    const res = await postLivekitWebhook(receiverUrl, event, { apiKey: API_KEY, apiSecret: API_SECRET });
    expect([res.status, res.body]).toEqual([200, '']);
    const delivery = deliveries.at(-1)!;
    expect(delivery.contentType).toBe('application/webhook+json');
    expect(delivery.authorization).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/); // the bare JWT, no "Bearer "
    return delivery.event;
  }

  it('signs room, participant and track events that the official WebhookReceiver accepts', async () => {
    const room = nextRoom();
    const roomSid = fake.createRoom(room).sid;

    const started = await deliver(fake.roomEvent(room, 'room_started'));
    expect([started.event, started.room?.name, started.room?.sid, started.room?.emptyTimeout]).toEqual(['room_started', room, roomSid, 300]);
    expect(started.id).toMatch(/^EV_/);
    expect(started.createdAt).toBeGreaterThan(0n);

    const ada = fake.addParticipant(room, { identity: 'user-42', name: 'Ada Lovelace' });
    const joined = await deliver(fake.participantEvent(room, 'user-42', 'participant_joined'));
    expect(joined.event).toBe('participant_joined');
    expect(joined.room?.numParticipants).toBe(1);
    expect(joined.participant).toMatchObject({ sid: ada.sid, identity: 'user-42', name: 'Ada Lovelace', kind: ParticipantInfo_Kind.STANDARD });
    expect(joined.participant?.state).toBe(ParticipantInfo_State.ACTIVE);
    expect(joined.participant?.joinedAt).toBe(BigInt(ada.joinedAt));

    const mic = fake.publishTrack(room, 'user-42');
    const published = await deliver(fake.trackEvent(room, mic.sid, 'track_published'));
    expect(published.participant?.identity).toBe('user-42');
    expect(published.track).toMatchObject({ sid: mic.sid, type: TrackType.AUDIO, source: TrackSource.MICROPHONE, mimeType: 'audio/opus' });

    fake.unpublishTrack(room, mic.sid);
    const unpublished = await deliver(fake.trackEvent(room, mic.sid, 'track_unpublished'));
    expect([unpublished.event, unpublished.track?.sid]).toEqual(['track_unpublished', mic.sid]);

    fake.removeParticipant(room, 'user-42');
    const left = await deliver(fake.participantEvent(room, 'user-42', 'participant_left'));
    expect(left.participant?.state).toBe(ParticipantInfo_State.DISCONNECTED);
    expect(left.participant?.disconnectReason).toBe(DisconnectReason.CLIENT_INITIATED);
    expect(left.room?.numParticipants).toBe(0);

    fake.deleteRoom(room);
    const finished = await deliver(fake.roomEvent(room, 'room_finished', { id: 'EV_fixedForRetry', createdAt: 1777890470 }));
    expect([finished.event, finished.room?.sid, finished.id, finished.createdAt]).toEqual(['room_finished', roomSid, 'EV_fixedForRetry', 1777890470n]);
  });

  it('signs with the token LiveKit mints: HS256 JWT, issuer the API key, 5 minutes, sha256 of the raw body', async () => {
    const room = nextRoom();
    fake.createRoom(room);
    await deliver(fake.roomEvent(room, 'room_started'));
    const { authorization, body } = deliveries.at(-1)!;
    const decoded = jwt.decode(authorization!, { complete: true })!;
    expect(decoded.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decoded.payload as Record<string, number | string>;
    expect(Object.keys(claims).sort()).toEqual(['exp', 'iat', 'iss', 'nbf', 'sha256']);
    expect(claims.iss).toBe(API_KEY);
    expect([claims.nbf, Number(claims.exp) - Number(claims.iat)]).toEqual([claims.iat, 300]);
    expect(claims.sha256).toBe(createHash('sha256').update(body).digest('base64'));
    expect(JSON.parse(body)).toMatchObject({ event: 'room_started', id: expect.stringMatching(/^EV_/), createdAt: expect.stringMatching(/^\d+$/) });
  });

  it('lets an egress recorder join as a hidden EGRESS participant', async () => {
    const room = nextRoom();
    fake.addParticipant(room, { identity: 'user-42' });
    const mic = fake.publishTrack(room, 'user-42');
    const info = await egress.startTrackEgress(room, trackOutput(`recordings/rec-5/${mic.sid}.ogg`), mic.sid);

    const recorder = fake.joinEgressParticipant(info.egressId);
    const joined = await deliver(fake.participantEvent(room, recorder.identity, 'participant_joined'));
    expect(joined.participant).toMatchObject({ identity: info.egressId, kind: ParticipantInfo_Kind.EGRESS });
    expect(joined.participant?.permission).toMatchObject({ hidden: true, recorder: true, canSubscribe: true, canPublish: false });
    expect((await rooms.listParticipants(room)).map((p) => p.kind)).toEqual([ParticipantInfo_Kind.STANDARD, ParticipantInfo_Kind.EGRESS]);
  });

  it('sends track egress_started and egress_ended with the track request and its file', async () => {
    const room = nextRoom();
    const { mic } = standup(room);
    const info = await egress.startTrackEgress(room, trackOutput(`recordings/rec-6/${mic.sid}.ogg`), mic.sid);
    fake.activateEgress(info.egressId);

    const started = await deliver(fake.webhookEvent(info.egressId, 'egress_started'));
    expect(started.egressInfo?.status).toBe(EgressStatus.EGRESS_ACTIVE);
    expect(started.egressInfo?.request.case).toBe('track');

    const ended = await deliver(fake.endEgress(info.egressId, 'EGRESS_COMPLETE'));
    const endedInfo = ended.egressInfo!;
    expect([ended.event, endedInfo.egressId, endedInfo.roomName, endedInfo.status]).toEqual(['egress_ended', info.egressId, room, EgressStatus.EGRESS_COMPLETE]);
    expect(endedInfo.request.case === 'track' && endedInfo.request.value.trackId).toBe(mic.sid);
    expect(endedInfo.fileResults.map((f) => f.filename)).toEqual([`recordings/rec-6/${mic.sid}.ogg`]);
    expect(endedInfo.result.case).toBe('file');
    expect(JSON.stringify(fake.webhookEvent(info.egressId, 'egress_ended'))).not.toContain(S3_SECRET);
  });

  /**
   * Every key the contract fixture shows is in the fake's event, except where the fixture
   * spells out a proto default that LiveKit's protojson.Marshal leaves out (`kind` STANDARD,
   * `type` AUDIO, an empty `name`, a `numParticipants` of 0): the SDK reads both the same.
   */
  it('renders events with the keys of the contract fixtures', () => {
    const PROTO_DEFAULTS: unknown[] = ['', 0, false, 'STANDARD', 'AUDIO', 'UNKNOWN_REASON'];
    const paths = (value: unknown, prefix = ''): string[] =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) => (PROTO_DEFAULTS.includes(v) ? [] : [`${prefix}${k}`, ...paths(v, `${prefix}${k}.`)]))
        : [];
    const room = 'standup';
    fake.createRoom(room);
    fake.addParticipant(room, { identity: 'user-42', name: 'Ada Lovelace', isPublisher: true });
    const rendered: Record<string, Record<string, unknown>> = {
      'room-started.json': fake.roomEvent(room, 'room_started'),
      'participant-joined.json': fake.participantEvent(room, 'user-42', 'participant_joined'),
      'track-published.json': fake.trackEvent(room, fake.publishTrack(room, 'user-42').sid, 'track_published'),
    };
    fake.addParticipant(room, { identity: 'EG_hX3kPq8TzR2m', kind: 'EGRESS' });
    rendered['participant-joined-egress.json'] = fake.participantEvent(room, 'EG_hX3kPq8TzR2m', 'participant_joined');
    fake.removeParticipant(room, 'EG_hX3kPq8TzR2m');
    fake.removeParticipant(room, 'user-42');
    rendered['participant-left.json'] = fake.participantEvent(room, 'user-42', 'participant_left');
    fake.deleteRoom(room);
    rendered['room-finished.json'] = fake.roomEvent(room, 'room_finished');

    for (const [name, event] of Object.entries(rendered)) {
      const missing = paths(fixture(name)).filter((p) => !paths(event).includes(p));
      expect([name, missing]).toEqual([name, []]);
    }
  });
});
