import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { minioFixture, postStorageEvent, statusOf, eventually } from './helpers/flow';
import { LK_SECRET, startFakeLivekit } from './helpers/livekit-env';
import { createTestDatabase } from './helpers/pg';
import { buildService, killAllServiceProcesses, serviceEntryArgs, serviceProcess } from './helpers/service-process';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, tokenFor, type TestUser } from './helpers/service';
import { startSmtpServer } from './helpers/smtp';

const ROOT = path.resolve(__dirname, '..');

afterAll(() => killAllServiceProcesses());

describe('npm start with no configuration', () => {
  it('runs in development mode, prints a token and a curl that starts a recording on the sandbox worker', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rec-dev-'));
    // Through tsx, as `npm start` runs it from a clone: the one test that keeps that path covered.
    const svc = await serviceProcess({ DATA_DIR: dataDir }, { readyTimeoutMs: 90_000, entry: 'source' });
    try {
      await svc.start();
      // The notes are printed just after the server starts listening.
      await eventually(async () => svc.output().includes('start a recording:'), 10_000, 'development notes');
      const out = svc.output();
      for (const part of ['database:', 'livekit:', 'jibri:', 'storage:', 'smtp:']) expect(out).toContain(part);
      const curl = /^\s*(curl -i -X POST .*)$/m.exec(out)?.[1];
      expect(curl).toBeDefined();
      const token = /owner token for room "demo-room" \(valid 30 days\): (\S+)/.exec(out)![1]!;
      const answer = execFileSync('sh', ['-c', curl!], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] });
      expect(answer).toMatch(/^HTTP\/1\.1 201/);
      expect(out).toContain('workers: the sandbox worker records every mode');
      const list = await request(svc.url).get('/api/v1.0/recordings/').set('Authorization', `Bearer ${token}`);
      expect(list.body.count).toBe(1);
      expect(list.body.results[0]).toMatchObject({ room: 'demo-room', status: 'active' });
    } finally {
      await svc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('invalid configuration', () => {
  it.each([
    ['PORT', 'not-a-port'],
    ['RECORDING_WORKERS', '{"screen_recording": "hologram"}'],
    ['AUTH_JWT_PUBLIC_KEY', 'not a pem'],
    ['EMAIL_URL', 'http://mail.example.org'],
    ['JIBRI_UPLOAD_URL_TTL_SECONDS', '3600'],
    ['JIBRI_WEBHOOK_PUBLIC_KEY', '-----BEGIN PUBLIC KEY-----\\nnot a key\\n-----END PUBLIC KEY-----'],
  ])('stops start-up with one line naming %s', (name, value) => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      DOTENV_CONFIG_PATH: '/nonexistent/.env',
      DOTENV_CONFIG_QUIET: 'true',
      DATA_DIR: path.join(tmpdir(), 'rec-config-error-unused'),
      [name]: value,
    };
    const result = spawnSync(process.execPath, serviceEntryArgs(), { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Configuration error: ${name}: `));
  });
});

describe('a production-like process: the compiled service, as the image runs it', () => {
  // npm run build (dist/), then node dist/main.js.
  beforeAll(() => buildService(), 120_000);
  const owner: TestUser = { sub: 'proc-owner', email: 'private.person@example.org', name: 'Private Person', rooms: { proc: 'owner', slow: 'owner' } };

  it('finishes in-flight requests on SIGTERM, and never logs an address, a token or a secret', async () => {
    const { livekit, env: lkEnv } = await startFakeLivekit();
    const smtp = await startSmtpServer();
    // Empty, as a new installation's: the compiled service applies every migration itself.
    const db = await createTestDatabase({ empty: true });
    const svc = await serviceProcess({
      ...lkEnv,
      ...smtp.env,
      WORKER_TIMEOUT_MS: '2000',
      DATABASE_URL: db.url,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
      EMAIL_POLL_INTERVAL_MS: '100',
      LOG_LEVEL: 'debug',
    }, { entry: 'dist' });
    try {
      await svc.start();
      // A whole flow, with every kind of credential going through the service.
      const start = await request(svc.url).post('/api/v1.0/rooms/proc/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
      expect(start.status).toBe(201);
      await request(svc.url).post('/api/v1.0/rooms/proc/stop-recording/').set(bearer(owner)).expect(200);
      await postStorageEvent(svc.url, minioFixture('put-recording.json', start.body.id));
      await postStorageEvent(svc.url, {}, 'a-wrong-storage-token');
      await eventually(async () => (await statusOf(db.url, start.body.id)) === 'notification_succeeded', 15_000, 'email');
      const link = await request(svc.url).post(`/api/v1.0/recordings/${start.body.id}/download-link/`).set(bearer(owner));
      const linkToken = new URL(link.body.url, 'http://x').searchParams.get('token') ?? 'no-link-token';
      await request(svc.url).get('/api/v1.0/recordings/media-auth/').set('X-Original-URL', new URL(link.body.url, 'http://x').pathname + `?token=${linkToken}`);
      await request(svc.url).get('/api/v1.0/recordings/').set('Authorization', 'Bearer not.a.valid-token');

      // In flight during SIGTERM: LiveKit never answers, the worker times out after 2 s.
      livekit.injectFault({ type: 'hang' }, { method: 'StartRoomCompositeEgress' });
      const inFlight = request(svc.url).post('/api/v1.0/rooms/slow/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
      const pending = inFlight.then((r) => r);
      // SIGTERM once LiveKit holds the start (the first start was room "proc"'s).
      await eventually(async () => livekit.requestsFor('StartRoomCompositeEgress').length === 2, 10_000, 'the slow start at LiveKit');
      const stopping = svc.stop();
      const res = await pending;
      expect(res.status).toBe(502);
      await stopping;
      expect(svc.running).toBe(false);

      const logs = svc.output();
      expect(logs).toMatch(/"msg":"shut down"/);
      expect(logs).not.toMatch(/@example\.org/);
      expect(logs).not.toContain(tokenFor(owner).split('.')[0] + '.' + tokenFor(owner).split('.')[1]);
      expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
      for (const secret of [TEST_JWT_SECRET, TEST_STORAGE_TOKEN, 'a-wrong-storage-token', LK_SECRET, 'minio-secret-key', linkToken]) {
        expect(logs).not.toContain(secret);
      }
    } finally {
      await svc.kill();
      await livekit.close();
      await smtp.stop();
      await db.drop();
    }
  }, 60_000);
});
