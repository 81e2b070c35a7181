import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { freePort } from './helpers/ports';
import { bearer, startTestService, type TestService } from './helpers/service';
import { newWebhookSecret } from './helpers/webhook-receiver';

/** The example receiver in docs/ runs as documented and prints the events the service sends it. */

const EXAMPLE = path.resolve(__dirname, '../docs/examples/webhook-receiver.mjs');
let child: ChildProcess;
let output = '';
let livekit: FakeLivekitServer;
let svc: TestService;

afterAll(async () => {
  child?.kill();
  await svc?.close();
  await livekit?.close();
});

it('verifies and prints each event, once', async () => {
  const secret = newWebhookSecret();
  const port = await freePort();
  child = spawn(process.execPath, [EXAMPLE], { env: { ...process.env, WEBHOOK_SECRET: secret, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await eventually(async () => output.includes('listening on'), 10_000, 'the example to listen');

  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  svc = await startTestService({ ...fake.env, JOBS_POLL_INTERVAL_MS: '50', WEBHOOK_URLS: `http://127.0.0.1:${port}/hooks`, WEBHOOK_SECRET: secret });
  const owner = { sub: 'example-owner', rooms: { ex: 'owner' } };
  const start = await request(svc.url).post('/api/v1.0/rooms/ex/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
  expect(start.status).toBe(201);
  expect((await request(svc.url).post('/api/v1.0/rooms/ex/stop-recording/').set(bearer(owner)).send()).status).toBe(200);
  await eventually(async () => output.includes('"type":"recording.stopped"'), 10_000, 'the stopped event printed');
  const lines = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; recording: string });
  expect(lines.map((l) => l.type)).toEqual(['recording.started', 'recording.stopped']);
  expect(lines.every((l) => l.recording === start.body.id)).toBe(true);
  expect(output).not.toContain('refused');
});
