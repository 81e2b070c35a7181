import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { storeEvent } from './helpers/minio-events';
import { freePort } from './helpers/ports';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { seedRoom, startWithTracks } from './helpers/tracks';
import { newWebhookSecret } from './helpers/webhook-receiver';

/**
 * The example pipeline in docs/examples/ end to end: the service's recording.ready (with
 * participant tracks) to the example, which fetches each track by its media_url, sends it to a
 * fake OpenAI-compatible transcription server, and PUTs a speaker-labelled transcript.vtt back
 * with the artifact token.
 */

const EXAMPLE = path.resolve(__dirname, '../docs/examples/transcription-pipeline.mjs');
const owner: TestUser = { sub: 'pipeline-owner', rooms: { pipeline: 'owner' } };
/** What the fake server "hears" in each track (recognised by the track's bytes). */
const HEARD: Record<string, { start: number; end: number; text: string }[]> = {
  'alice-audio': [{ start: 1, end: 3, text: 'Hello Bob' }, { start: 6, end: 7, text: 'Bye <now> & then' }],
  'bob-audio': [{ start: 3, end: 4.5, text: 'Hi Alice' }],
};

let child: ChildProcess;
let output = '';
let transcriber: http.Server;
const transcriptionRequests: { model: boolean; format: boolean }[] = [];
let livekit: FakeLivekitServer;
let s3: TestS3;
let svc: TestService;

afterAll(async () => {
  child?.kill();
  await svc?.close();
  await livekit?.close();
  await s3?.close();
  await new Promise((r) => transcriber?.close(r));
});

it('transcribes each track, labels the speakers, places them on the composite time line and stores transcript.vtt', async () => {
  transcriber = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      const heard = Object.keys(HEARD).find((k) => body.includes(k));
      const ok = req.method === 'POST' && req.url === '/v1/audio/transcriptions' && String(req.headers['content-type']).startsWith('multipart/form-data') && heard !== undefined;
      transcriptionRequests.push({ model: body.includes('name="model"'), format: body.includes('verbose_json') });
      res.writeHead(ok ? 200 : 400, { 'Content-Type': 'application/json' }).end(JSON.stringify(ok ? { text: '', segments: HEARD[heard!] } : { error: 'bad request' }));
    });
  });
  await new Promise<void>((r) => transcriber.listen(0, '127.0.0.1', r));
  const transcribeUrl = `http://127.0.0.1:${(transcriber.address() as { port: number }).port}`;

  s3 = await startS3Server();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  const secret = newWebhookSecret();
  const port = await freePort();
  svc = await startTestService({ ...fake.env, ...s3Env(s3), JOBS_POLL_INTERVAL_MS: '50', WEBHOOK_URLS: `http://127.0.0.1:${port}/hooks`, WEBHOOK_SECRET: secret });
  child = spawn(process.execPath, [EXAMPLE], {
    env: { ...process.env, WEBHOOK_SECRET: secret, PORT: String(port), RECORDER_URL: svc.url, TRANSCRIBE_URL: transcribeUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await eventually(async () => output.includes('listening on'), 10_000, 'the example to listen');

  const { tracks } = seedRoom(livekit, 'pipeline', [{ identity: 'alice', name: 'Alice Martin' }, { identity: 'bob', name: 'Bob' }]);
  const start = await startWithTracks(svc.url, owner, 'pipeline');
  expect(start.status).toBe(201);
  const id = start.body.id as string;
  expect((await request(svc.url).post('/api/v1.0/rooms/pipeline/stop-recording/').set(bearer(owner)).send()).status).toBe(200);
  // Bob's track began half a second after the composite.
  await queryDb(svc.db.url, `UPDATE recording_files SET started_at = '2026-12-01T10:00:00Z'::timestamptz + CASE WHEN participant_identity = 'bob' THEN interval '500 ms' ELSE interval '0' END WHERE recording_id = $1`, [id]);
  const put = async (key: string, bytes: string, contentType: string) => {
    await s3.putObject(key, bytes, contentType);
    expect(await storeEvent(svc.url, s3.bucket, key, { size: bytes.length, contentType })).toBe('Event processed.');
  };
  await put(`recordings/${id}.mp4`, 'composite', 'video/mp4');
  await put(`recordings/${id}/${tracks.alice}.ogg`, 'alice-audio', 'audio/ogg');
  await put(`recordings/${id}/${tracks.bob}.ogg`, 'bob-audio', 'audio/ogg');

  await eventually(async () => output.includes(`"recording":"${id}"`) || output.includes(`recording ${id}:`), 20_000, 'the example to finish');
  expect(output).not.toContain('refused');
  expect(output).toContain(`{"recording":"${id}","cues":3,"status":201}`);
  expect(transcriptionRequests).toEqual([{ model: true, format: true }, { model: true, format: true }]);

  const vtt = await request(svc.url).get(`/api/v1.0/recordings/${id}/artifacts/transcript.vtt`).set(bearer(owner));
  expect(vtt.status).toBe(200);
  expect(vtt.text).toBe(
    [
      'WEBVTT',
      '',
      '00:00:01.000 --> 00:00:03.000',
      '<v Alice Martin>Hello Bob',
      '',
      '00:00:03.500 --> 00:00:05.000',
      '<v Bob>Hi Alice',
      '',
      '00:00:06.000 --> 00:00:07.000',
      '<v Alice Martin>Bye &lt;now> &amp; then',
      '',
    ].join('\n'),
  );
});
