import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookReceiver } from 'livekit-server-sdk';
import { loadConfig, type AppConfig } from '../src/config/config';
import { createLivekitWorkers, LivekitEgressWorker, livekitWorkerFactory } from '../src/recording/workers/livekit';
import { AUTH_HEADER_REUSE_MS, AuthHeaders } from '../src/recording/workers/livekit/livekit-clients';
import { WorkerError, type StartRequest } from '../src/recording/workers/worker-service';
import { FakeLivekitServer } from './fakes/livekit-server';
import { postLivekitWebhook, signLivekitWebhook } from './fakes/livekit-webhook';

const API_KEY = 'APIfakeKey123';
const API_SECRET = 'fake-livekit-secret-0123456789abcdef';
const S3_SECRET = 's3-secret-value-do-not-leak';

let fake: FakeLivekitServer;

beforeAll(async () => {
  fake = await FakeLivekitServer.start({ apiKey: API_KEY, apiSecret: API_SECRET });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => fake.clearFaults());

function config(env: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({
    LIVEKIT_API_URL: fake.url,
    LIVEKIT_API_KEY: API_KEY,
    LIVEKIT_API_SECRET: API_SECRET,
    AWS_S3_ENDPOINT_URL: 'http://minio.test:9000',
    AWS_S3_ACCESS_KEY_ID: 'minio-access',
    AWS_S3_SECRET_ACCESS_KEY: S3_SECRET,
    AWS_STORAGE_BUCKET_NAME: 'meet-media-storage',
    WORKER_TIMEOUT_MS: '5000',
    ...env,
  });
}

const ENCODING = {
  RECORDING_ENCODING_ENABLED: 'true',
  RECORDING_ENCODING_WIDTH: '1280',
  RECORDING_ENCODING_HEIGHT: '720',
  RECORDING_ENCODING_FRAMERATE: '25',
  RECORDING_ENCODING_VIDEO_BITRATE_KBPS: '2500',
  RECORDING_ENCODING_AUDIO_BITRATE_KBPS: '128',
  RECORDING_ENCODING_KEY_FRAME_INTERVAL_S: '4',
};

let counter = 0;
function job(ext: 'mp4' | 'ogg', room = `room-${++counter}`): StartRequest {
  const recordingId = `3f2b8c1e-7d4a-4c0b-9a55-${(1e11 + ++counter).toString().padStart(12, '0')}`;
  return { recordingId, room, objectKey: `recordings/${recordingId}.${ext}` };
}

async function workerError(promise: Promise<unknown>): Promise<WorkerError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkerError);
    return err as WorkerError;
  }
  throw new Error('expected a WorkerError, the call succeeded');
}

function lastBody(method: string): Record<string, any> {
  const requests = fake.requestsFor(method);
  expect(requests.length).toBeGreaterThan(0);
  return requests[requests.length - 1]!.body as Record<string, any>;
}

describe('start', () => {
  it('creates a speaker-light RoomComposite MP4 egress uploading to S3 at the object key', async () => {
    const { video } = createLivekitWorkers(config());
    const request = job('mp4');
    const egressId = await video.start(request);

    expect(egressId).toMatch(/^EG_[A-Za-z0-9]{12}$/);
    expect(fake.egresses.get(egressId)?.roomName).toBe(request.room);
    const sent = fake.requestsFor('StartRoomCompositeEgress').at(-1)!;
    expect(sent.authorized).toBe(true);
    expect(sent.claims).toMatchObject({ iss: API_KEY, video: { roomRecord: true } });
    expect(sent.body).toMatchObject({ roomName: request.room, layout: 'speaker-light' });
    expect(sent.body.audioOnly).toBeUndefined();
    expect(sent.body.advanced).toBeUndefined();
    expect(sent.body.preset).toBeUndefined();
    expect(sent.body.fileOutputs).toEqual([
      {
        fileType: 'MP4',
        filepath: request.objectKey,
        s3: {
          accessKey: 'minio-access',
          secret: S3_SECRET,
          region: 'us-east-1',
          bucket: 'meet-media-storage',
          endpoint: 'http://minio.test:9000',
          forcePathStyle: true,
        },
      },
    ]);
  });

  it('records audio only into an OGG file for the audio kind', async () => {
    const { audio } = createLivekitWorkers(config());
    const request = job('ogg');
    await audio.start(request);

    const body = lastBody('StartRoomCompositeEgress');
    expect(body).toMatchObject({ roomName: request.room, layout: 'speaker-light', audioOnly: true });
    expect(body.fileOutputs[0]).toMatchObject({ fileType: 'OGG', filepath: request.objectKey });
  });

  it('sends advanced encoding options when encoding is enabled', async () => {
    const { video, audio } = createLivekitWorkers(config(ENCODING));
    await video.start(job('mp4'));
    expect(lastBody('StartRoomCompositeEgress').advanced).toEqual({
      width: 1280,
      height: 720,
      framerate: 25,
      videoCodec: 'H264_MAIN',
      videoBitrate: 2500,
      keyFrameInterval: 4,
      audioCodec: 'AAC',
      audioBitrate: 128,
      audioFrequency: 48000,
    });

    // OGG only carries Opus: the fake refuses AAC there, as LiveKit Egress does.
    await audio.start(job('ogg'));
    expect(lastBody('StartRoomCompositeEgress').advanced).toEqual({
      audioCodec: 'OPUS',
      audioBitrate: 128,
      audioFrequency: 48000,
    });
  });

  it('refuses to run without LiveKit or storage settings, naming what is missing', async () => {
    const noStorage = config({ AWS_S3_ENDPOINT_URL: '', AWS_S3_ACCESS_KEY_ID: '', AWS_S3_SECRET_ACCESS_KEY: '', AWS_STORAGE_BUCKET_NAME: '' });
    const e1 = await workerError(new LivekitEgressWorker(noStorage, 'livekit-video').start(job('mp4')));
    expect(e1.code).toBe('not_configured');
    expect(e1.message).toMatch(/storage/);
    expect(e1.message).not.toMatch(/LiveKit \(/);

    const noLivekit = config({ LIVEKIT_API_URL: '', LIVEKIT_API_KEY: '', LIVEKIT_API_SECRET: '' });
    const e2 = await workerError(new LivekitEgressWorker(noLivekit, 'livekit-audio').stop('EG_whatever'));
    expect(e2.code).toBe('not_configured');
    expect(e2.message).toMatch(/LiveKit/);

    // The registry only gets LiveKit workers when both parts are configured.
    expect(livekitWorkerFactory(noStorage)).toEqual({});
    expect(livekitWorkerFactory(noLivekit)).toEqual({});
    expect(Object.keys(livekitWorkerFactory(config())).sort()).toEqual(['livekit-audio', 'livekit-video']);
  });
});

describe('stop', () => {
  it('sends StopEgress with the stored id and reports a clean stop', async () => {
    const { video } = createLivekitWorkers(config());
    const egressId = await video.start(job('mp4'));
    fake.activateEgress(egressId);

    await expect(video.stop(egressId)).resolves.toBe('stopped');
    expect(lastBody('StopEgress')).toEqual({ egressId });
    expect(fake.egresses.get(egressId)?.status).toBe('EGRESS_COMPLETE');
  });

  it('maps an egress LiveKit aborted to aborted', async () => {
    const { video } = createLivekitWorkers(config());
    const egressId = await video.start(job('mp4'));
    fake.abortOnNextStop(egressId);

    await expect(video.stop(egressId)).resolves.toBe('aborted');
  });

  it('looks up an egress that already ended on its own', async () => {
    const { audio } = createLivekitWorkers(config());
    const outcomes: [Parameters<FakeLivekitServer['endEgress']>[1], string][] = [
      ['EGRESS_COMPLETE', 'stopped'],
      ['EGRESS_LIMIT_REACHED', 'stopped'],
      ['EGRESS_ABORTED', 'aborted'],
    ];
    for (const [status, expected] of outcomes) {
      const egressId = await audio.start(job('ogg'));
      fake.endEgress(egressId, status);
      await expect(audio.stop(egressId)).resolves.toBe(expected);
      expect(lastBody('ListEgress')).toEqual({ egressId });
    }

    const failed = await audio.start(job('ogg'));
    fake.endEgress(failed, 'EGRESS_FAILED', 'pipeline crashed');
    const error = await workerError(audio.stop(failed));
    expect(error.code).toBe('rejected');
    expect(error.message).toMatch(/EGRESS_FAILED/);
  });

  it('says not_found for an egress LiveKit does not know', async () => {
    const { video } = createLivekitWorkers(config());
    const error = await workerError(video.stop('EG_doesNotExist'));
    expect(error.code).toBe('not_found');
  });
});

describe('signed access tokens', () => {
  it('one token per grant is reused across calls, and LiveKit accepts it each time', async () => {
    const { video } = createLivekitWorkers(config());
    const before = fake.requests.length;
    const egressId = await video.start(job('mp4'));
    fake.activateEgress(egressId);
    // Deliberate: past a second, so a token signed again would carry another nbf and exp.
    await new Promise((r) => setTimeout(r, 1100));
    await expect(video.stop(egressId)).resolves.toBe('stopped');
    const [start, stop] = fake.requests.slice(before);
    expect(start!.authorized && stop!.authorized).toBe(true);
    expect(stop!.claims).toEqual(start!.claims);
    expect(start!.claims?.video).toEqual({ roomRecord: true });
    expect(start!.claims!.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(9 * 60 - 5);
  });

  it('signs again once the reuse time is over, per grant, and never keeps a failed signing', async () => {
    let now = 1_000_000;
    const headers = new AuthHeaders(() => now);
    let signed = 0;
    const sign = () => Promise.resolve({ Authorization: `Bearer t${++signed}` });
    const egress = { roomRecord: true };
    await expect(headers.get(egress, undefined, sign)).resolves.toEqual({ Authorization: 'Bearer t1' });
    now += AUTH_HEADER_REUSE_MS - 1;
    await expect(headers.get({ roomRecord: true }, undefined, sign)).resolves.toEqual({ Authorization: 'Bearer t1' });
    await expect(headers.get({ roomAdmin: true, room: 'a' }, undefined, sign)).resolves.toEqual({ Authorization: 'Bearer t2' });
    now += 1;
    await expect(headers.get(egress, undefined, sign)).resolves.toEqual({ Authorization: 'Bearer t3' });

    const failing = () => Promise.reject(new Error('no key'));
    await expect(headers.get({ roomList: true }, undefined, failing)).rejects.toThrow('no key');
    await expect(headers.get({ roomList: true }, undefined, sign)).resolves.toEqual({ Authorization: 'Bearer t4' });
  });
});

describe('failures become typed WorkerErrors', () => {
  it('a wrong API secret is refused by LiveKit', async () => {
    const { video } = createLivekitWorkers(config({ LIVEKIT_API_SECRET: 'not-the-right-secret-at-all' }));
    const error = await workerError(video.start(job('mp4')));

    expect(fake.requestsFor('StartRoomCompositeEgress').at(-1)!.authorized).toBe(false);
    expect(error.code).toBe('rejected');
    expect(error.kind).toBe('livekit-video');
    expect(error.message).toMatch(/unauthenticated/);
    expect(error.message).toMatch(/401/);
    expect(error.message).not.toContain('not-the-right-secret-at-all');
  });

  it('LiveKit down is unreachable, and the worker recovers when it is back', async () => {
    const { video } = createLivekitWorkers(config());
    await fake.close();
    try {
      const error = await workerError(video.start(job('mp4')));
      expect(error.code).toBe('unreachable');
    } finally {
      await fake.listen();
    }
    await expect(video.start(job('mp4'))).resolves.toMatch(/^EG_/);
  });

  it('an unresolvable host is unreachable', async () => {
    const { video } = createLivekitWorkers(config({ LIVEKIT_API_URL: 'http://livekit.invalid:7880' }));
    const error = await workerError(video.start(job('mp4')));
    expect(error.code).toBe('unreachable');
  });

  it('an HTTP 5xx is rejected', async () => {
    const { video } = createLivekitWorkers(config());
    fake.injectFault({ type: 'http-error', status: 500, body: 'upstream broken' });
    const error = await workerError(video.start(job('mp4')));
    expect(error.code).toBe('rejected');
    expect(error.message).toMatch(/HTTP 500/);
  });

  it('an HTTP 503 or Twirp unavailable says no egress worker is free', async () => {
    const { video } = createLivekitWorkers(config());
    fake.injectFault({ type: 'http-error', status: 503, body: 'upstream down' });
    const http503 = await workerError(video.start(job('mp4')));
    expect(http503.code).toBe('unavailable');
    expect(http503.message).toMatch(/HTTP 503/);
    fake.injectFault({ type: 'twirp-error', code: 'unavailable', msg: 'no egress worker' });
    expect((await workerError(video.start(job('mp4')))).code).toBe('unavailable');
  });

  it('a Twirp error keeps its code and never the secrets', async () => {
    const { audio } = createLivekitWorkers(config());
    fake.injectFault({
      type: 'twirp-error',
      code: 'resource_exhausted',
      msg: `no egress available (s3 secret was ${S3_SECRET})`,
    });
    const error = await workerError(audio.start(job('ogg')));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/resource_exhausted/);
    expect(error.message).toMatch(/429/);
    expect(error.message).not.toContain(S3_SECRET);
    expect(error.message).toContain('[redacted]');
  });

  it('no answer within WORKER_TIMEOUT_MS is a timeout, and the call returns', async () => {
    const { video } = createLivekitWorkers(config({ WORKER_TIMEOUT_MS: '300' }));
    fake.injectFault({ type: 'hang' }, { method: 'StartRoomCompositeEgress' });
    const error = await workerError(video.start(job('mp4')));
    expect(error.code).toBe('timeout');
    expect(fake.requestsFor('StartRoomCompositeEgress').length).toBeGreaterThan(0);
  });

  it('an answer without egress id, or that is not JSON, is an invalid response', async () => {
    const { video } = createLivekitWorkers(config());
    fake.injectFault({ type: 'no-egress-id' });
    expect((await workerError(video.start(job('mp4')))).code).toBe('invalid_response');

    fake.injectFault({ type: 'invalid-json' });
    const error = await workerError(video.start(job('mp4')));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(/not JSON/);
  });

  it('stop and inspect map failures too', async () => {
    const { video } = createLivekitWorkers(config());
    const egressId = await video.start(job('mp4'));
    fake.injectFault({ type: 'twirp-error', code: 'internal' }, { method: 'StopEgress' });
    expect((await workerError(video.stop(egressId))).code).toBe('rejected');

    fake.injectFault({ type: 'http-error', status: 502 }, { method: 'ListEgress' });
    expect((await workerError(video.inspect(egressId))).code).toBe('rejected');
  });
});

describe('inspect', () => {
  it('maps the egress status to the worker state', async () => {
    const { video } = createLivekitWorkers(config());
    const egressId = await video.start(job('mp4'));
    await expect(video.inspect(egressId)).resolves.toEqual({ state: 'starting' });

    fake.activateEgress(egressId);
    await expect(video.inspect(egressId)).resolves.toEqual({ state: 'active' });

    fake.endEgress(egressId, 'EGRESS_LIMIT_REACHED');
    await expect(video.inspect(egressId)).resolves.toEqual({ state: 'ended', outcome: 'limit_reached' });

    const complete = await video.start(job('mp4'));
    fake.endEgress(complete, 'EGRESS_COMPLETE');
    await expect(video.inspect(complete)).resolves.toEqual({ state: 'ended', outcome: 'complete' });

    const failed = await video.start(job('mp4'));
    fake.endEgress(failed, 'EGRESS_FAILED', 'could not upload');
    await expect(video.inspect(failed)).resolves.toEqual({ state: 'failed', error: 'could not upload' });

    await expect(video.inspect('EG_neverExisted')).resolves.toEqual({ state: 'unknown' });
  });
});

describe('findByRecording', () => {
  it('finds the running egress writing this recording, and only that one', async () => {
    const { video } = createLivekitWorkers(config());
    const room = `shared-room-${++counter}`;
    const mine = job('mp4', room);
    const other = job('mp4', room);
    const elsewhere = job('mp4');

    const otherId = await video.start(other);
    const myId = await video.start(mine);
    await video.start(elsewhere);
    fake.activateEgress(myId);

    await expect(video.findByRecording(mine)).resolves.toBe(myId);
    expect(lastBody('ListEgress')).toMatchObject({ roomName: room });
    await expect(video.findByRecording(other)).resolves.toBe(otherId);
    await expect(video.findByRecording(job('mp4', room))).resolves.toBeNull();

    await video.stop(myId);
    await expect(video.findByRecording(mine)).resolves.toBeNull();
  });
});

describe('webhook signing', () => {
  it('WebhookReceiver accepts what signLivekitWebhook produces, and only for that body', async () => {
    const { video } = createLivekitWorkers(config());
    const egressId = await video.start(job('mp4'));
    const rawBody = JSON.stringify(fake.endEgress(egressId, 'EGRESS_COMPLETE'));
    const header = await signLivekitWebhook(API_KEY, API_SECRET, rawBody);
    expect(header).not.toMatch(/^Bearer /);

    const receiver = new WebhookReceiver(API_KEY, API_SECRET);
    const event = await receiver.receive(rawBody, header);
    expect(event.event).toBe('egress_ended');
    expect(event.egressInfo?.egressId).toBe(egressId);
    expect(event.egressInfo?.fileResults[0]?.filename).toMatch(/^recordings\/.+\.mp4$/);

    await expect(receiver.receive(rawBody.replace('EGRESS_COMPLETE', 'EGRESS_FAILED'), header)).rejects.toThrow(/sha256/);
    await expect(new WebhookReceiver(API_KEY, 'another-secret-entirely').receive(rawBody, header)).rejects.toThrow();
  });

  it('postLivekitWebhook delivers the body byte for byte with LiveKit headers', async () => {
    let received: { contentType?: string; authorization?: string; body: string } | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received = {
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const event = { event: 'room_finished', room: { name: 'standup' }, id: 'EV_x', createdAt: '1777890447' };
      const response = await postLivekitWebhook(url, event, { apiKey: API_KEY, apiSecret: API_SECRET });

      expect(response).toEqual({ status: 200, body: 'ok' });
      expect(received?.contentType).toBe('application/webhook+json');
      expect(received?.body).toBe(JSON.stringify(event));
      const parsed = await new WebhookReceiver(API_KEY, API_SECRET).receive(received!.body, received!.authorization);
      expect(parsed.event).toBe('room_finished');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
