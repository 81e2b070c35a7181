import http from 'node:http';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { ageRecording, runExpirySweep } from './helpers/expiry';
import { eventually } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { testVideoMp4 } from './helpers/media';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { startWebhookReceiver, type TestWebhookReceiver } from './helpers/webhook-receiver';

/**
 * Artifacts written on a recording: recording.ready's artifact token (scoped to one recording
 * and to writing its artifacts), the PUT/GET/DELETE endpoints and their refusals, on the real
 * service with s3rver and a Standard Webhooks receiver.
 */

const owner: TestUser = { sub: 'artifact-owner', rooms: { 'art-a': 'owner', 'art-b': 'owner', 'art-c': 'owner', 'art-d': 'owner' } };
const stranger: TestUser = { sub: 'artifact-stranger', rooms: {} };
const PROXY_SECRET = 'media-auth-secret-of-artifacts-0123456789';
const VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Alice>Hello there\n\n00:00:03.500 --> 00:00:05.000\n<v Bob>Hi Alice\n';
const BAD_VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHello\n\n00:00:0x.500 -> 00:00:05.000\nHi\n';

let s3: TestS3;
let livekit: FakeLivekitServer;
let receiver: TestWebhookReceiver;
let svc: TestService;
let a: SavedRecording;
let b: SavedRecording;
let tokenA: string;
let tokenB: string;

const api = () => request(svc.url);
const artifactPath = (id: string, name: string) => `/api/v1.0/recordings/${id}/artifacts/${name}`;
const withToken = (token: string) => ({ Authorization: `Bearer ${token}` });

async function readyToken(id: string): Promise<string> {
  let token: string | undefined;
  await eventually(async () => {
    const ready = receiver.deliveries.find((d) => d.type === 'recording.ready' && d.body.data.id === id);
    token = ready?.body.data.artifact_token as string | undefined;
    return token !== undefined;
  }, 15_000, `recording.ready of ${id}`);
  return token!;
}

beforeAll(async () => {
  const video = await testVideoMp4();
  s3 = await startS3Server();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  receiver = await startWebhookReceiver();
  svc = await startTestService({
    ...fake.env,
    ...s3Env(s3),
    WEBHOOK_URLS: receiver.url,
    WEBHOOK_SECRET: receiver.secret,
    MEDIA_AUTH_SECRET: PROXY_SECRET,
    MEDIA_AUTH_CACHE_MS: '0',
    JOBS_POLL_INTERVAL_MS: '100',
    RECORDING_EXPIRATION_DAYS: '30',
  });
  const media = { bytes: video.bytes, contentType: video.contentType };
  a = await savedRecording(svc.url, s3, owner, 'art-a', media);
  b = await savedRecording(svc.url, s3, owner, 'art-b', media);
  tokenA = await readyToken(a.id);
  tokenB = await readyToken(b.id);
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await receiver?.stop();
  await livekit?.close();
  await s3?.close();
});

describe('the artifact token of recording.ready', () => {
  it('is a JWT of its own audience for that one recording, expiring after ARTIFACT_TOKEN_TTL_SECONDS (7 days)', () => {
    const claims = jwt.decode(tokenA) as Record<string, unknown>;
    expect(claims.aud).toBe('recording-artifacts');
    expect(claims.rid).toBe(a.id);
    expect((claims.exp as number) - (claims.iat as number)).toBe(7 * 24 * 3600);
  });

  it("writes its recording's artifacts: 201 new, 200 replaced, listed in the recording JSON, recording.artifact_ready sent", async () => {
    const first = await api().put(artifactPath(a.id, 'transcript.vtt')).set(withToken(tokenA)).set('Content-Type', 'text/vtt').send(VTT);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'transcript.vtt', content_type: 'text/vtt; charset=utf-8', size: Buffer.byteLength(VTT) });
    expect((await s3.getObject(`recordings/${a.id}/artifacts/transcript.vtt`)).toString()).toBe(VTT);

    const replaced = VTT.replace('Hello there', 'Hello again');
    const second = await api().put(artifactPath(a.id, 'transcript.vtt')).set(withToken(tokenA)).set('Content-Type', 'text/vtt').send(replaced);
    expect(second.status).toBe(200);
    const json = await api().get(`/api/v1.0/recordings/${a.id}/`).set(bearer(owner));
    expect(json.body.artifacts).toEqual([{ name: 'transcript.vtt', content_type: 'text/vtt; charset=utf-8', size: Buffer.byteLength(replaced), updated_at: expect.any(String) }]);

    await eventually(async () => receiver.deliveries.filter((d) => d.type === 'recording.artifact_ready' && d.body.data.id === a.id).length === 2, 15_000, 'two recording.artifact_ready');
    const event = receiver.deliveries.find((d) => d.type === 'recording.artifact_ready' && d.body.data.id === a.id)!;
    expect(event.body.data.artifact).toMatchObject({ name: 'transcript.vtt', size: Buffer.byteLength(VTT) });
    expect(event.body.data.owners).toEqual([{ sub: owner.sub }]);

    const read = await api().get(artifactPath(a.id, 'transcript.vtt')).set(bearer(owner));
    expect(read.status).toBe(200);
    expect(read.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(read.text).toBe(replaced);
  });

  it('is refused (403) for another recording, for reading and deleting artifacts', async () => {
    expect((await api().put(artifactPath(b.id, 'summary.md')).set(withToken(tokenA)).send('# no')).status).toBe(403);
    expect((await api().get(artifactPath(a.id, 'transcript.vtt')).set(withToken(tokenA))).status).toBe(403);
    expect((await api().delete(artifactPath(a.id, 'transcript.vtt')).set(withToken(tokenA))).status).toBe(403);
  });

  it("is refused (401) by the API's other endpoints and by media-auth", async () => {
    expect((await api().get(`/api/v1.0/recordings/${a.id}/`).set(withToken(tokenA))).status).toBe(401);
    expect((await api().get('/api/v1.0/recordings/').set(withToken(tokenA))).status).toBe(401);
    expect((await api().patch(`/api/v1.0/recordings/${a.id}/`).set(withToken(tokenA)).send({ is_permanent: true })).status).toBe(401);
    expect((await api().delete(`/api/v1.0/recordings/${a.id}/`).set(withToken(tokenA))).status).toBe(401);
    expect((await api().post(`/api/v1.0/recordings/${a.id}/share-links/`).set(withToken(tokenA)).send({})).status).toBe(401);
    expect((await api().post(`/api/v1.0/recordings/${a.id}/download-link/`).set(withToken(tokenA)).send({})).status).toBe(401);
    expect((await api().post('/api/v1.0/rooms/art-a/start-recording/').set(withToken(tokenA)).send({ mode: 'screen_recording' })).status).toBe(401);
    const auth = await api().get('/api/v1.0/recordings/media-auth/').set({ 'X-Media-Auth-Secret': PROXY_SECRET, 'X-Original-URL': a.mediaPath, ...withToken(tokenA) });
    // media-auth answers a bearer token it cannot verify as it answers any bad credentials.
    const garbage = await api().get('/api/v1.0/recordings/media-auth/').set({ 'X-Media-Auth-Secret': PROXY_SECRET, 'X-Original-URL': a.mediaPath, ...withToken('a.b.c') });
    expect([401, 403]).toContain(auth.status);
    expect(auth.status).toBe(garbage.status);
    // The owner's own token passes there: the refusal is the artifact token's.
    const granted = await api().get('/api/v1.0/recordings/media-auth/').set({ 'X-Media-Auth-Secret': PROXY_SECRET, 'X-Original-URL': a.mediaPath, ...bearer(owner) });
    expect(granted.status).toBe(200);
  });

  it('is refused once its recording is deleted, and the artifacts go with the recording', async () => {
    const c = await savedRecording(svc.url, s3, owner, 'art-c', { bytes: Buffer.from('tiny'), contentType: 'video/mp4' });
    const token = await readyToken(c.id);
    expect((await api().put(artifactPath(c.id, 'notes.txt')).set(withToken(token)).send('hello')).status).toBe(201);
    expect(await s3.hasObject(`recordings/${c.id}/artifacts/notes.txt`)).toBe(true);
    expect((await api().delete(`/api/v1.0/recordings/${c.id}/`).set(bearer(owner))).status).toBe(204);
    expect(await s3.hasObject(`recordings/${c.id}/artifacts/notes.txt`)).toBe(false);
    const after = await api().put(artifactPath(c.id, 'notes.txt')).set(withToken(token)).send('again');
    expect(after.status).toBe(403);
    expect(await s3.hasObject(`recordings/${c.id}/artifacts/notes.txt`)).toBe(false);
  });

  it('is refused once its recording expires, and the expiry sweep removes the artifacts with the files', async () => {
    const d = await savedRecording(svc.url, s3, owner, 'art-d', { bytes: Buffer.from('tiny'), contentType: 'video/mp4' });
    const token = await readyToken(d.id);
    expect((await api().put(artifactPath(d.id, 'summary.md')).set(withToken(token)).send('# Notes\n')).status).toBe(201);
    await ageRecording(svc.db.url, d.id, 31);
    expect((await api().put(artifactPath(d.id, 'summary.md')).set(withToken(token)).send('# Later\n')).status).toBe(403);
    await runExpirySweep(svc.db.url);
    expect(await s3.hasObject(`recordings/${d.id}/artifacts/summary.md`)).toBe(false);
    expect(await s3.hasObject(d.key)).toBe(false);
    expect((await api().get(`/api/v1.0/recordings/${d.id}/`).set(bearer(owner))).body.artifacts).toEqual([]);
  });
});

describe('bodies and names', () => {
  it('refuses a WebVTT file that does not parse (400 naming the line and reason), and bad JSON', async () => {
    const res = await api().put(artifactPath(b.id, 'chapters.vtt')).set(withToken(tokenB)).send(BAD_VTT);
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('Invalid WebVTT: line 7: Cue identifier needs to be followed by timestamp.');
    const noSignature = await api().put(artifactPath(b.id, 'chapters.vtt')).set(withToken(tokenB)).send('00:00:01.000 --> 00:00:02.000\nhi\n');
    expect(noSignature.status).toBe(400);
    expect(noSignature.body.detail).toMatch(/^Invalid WebVTT: line 1: /);
    const json = await api().put(artifactPath(b.id, 'speakers.json')).set(withToken(tokenB)).set('Content-Type', 'application/json').send('{"speakers": [');
    expect(json.status).toBe(400);
    expect(json.body.detail).toMatch(/^Invalid JSON/);
    expect(await s3.hasObject(`recordings/${b.id}/artifacts/chapters.vtt`)).toBe(false);
    expect((await api().get(`/api/v1.0/recordings/${b.id}/`).set(bearer(owner))).body.artifacts).toEqual([]);
  });

  it('stores JSON bodies larger than the JSON parser of the other routes takes (64 kB)', async () => {
    const big = JSON.stringify({ speakers: [{ identity: 'x', name: 'X', segments: Array.from({ length: 20_000 }, (_, i) => [i, i + 0.5]) }] });
    expect(big.length).toBeGreaterThan(64 * 1024);
    const res = await api().put(artifactPath(b.id, 'big.json')).set(withToken(tokenB)).set('Content-Type', 'application/json').send(big);
    expect(res.status).toBe(201);
    expect(res.body.size).toBe(big.length);
  });

  it('refuses names with ".." or "/" (400) and other extensions (415)', async () => {
    for (const name of ['%2e%2e', '..%2Fescape.vtt', 'a%2Fb.vtt', 'Transcript.vtt', '-x.vtt', `${'a'.repeat(130)}.txt`]) {
      const res = await api().put(artifactPath(b.id, name)).set(withToken(tokenB)).send('WEBVTT\n');
      expect([name, res.status]).toEqual([name, 400]);
    }
    const exe = await api().put(artifactPath(b.id, 'tool.exe')).set(withToken(tokenB)).send('MZ');
    expect(exe.status).toBe(415);
  });

  it('refuses 11 MB from its Content-Length alone (413), answering before the body is sent', async () => {
    // The service answers 413 and closes; a client still writing may see the close (EPIPE or a
    // reset) before it reads the answer. Either way it must stop reading long before the end.
    const answer = await new Promise<{ status: number | 'closed'; sent: number }>((resolve, reject) => {
      const url = new URL(artifactPath(b.id, 'huge.txt'), svc.url);
      const req = http.request(url, { method: 'PUT', headers: { ...withToken(tokenB), 'Content-Length': String(11 * 1024 * 1024), 'Content-Type': 'text/plain' } });
      let sent = 0;
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode!, sent });
        req.destroy();
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      req.write(chunk);
      sent += chunk.length;
      // The rest is never sent: only the answer can end this.
    });
    expect(answer).toEqual({ status: 413, sent: 64 * 1024 });
  });

  it('refuses a chunked body (413) as soon as it passes ARTIFACT_MAX_BYTES, long before it ends', async () => {
    const total = 40 * 1024 * 1024;
    // The service answers 413 and closes; a client still writing may see the close (EPIPE or a
    // reset) before it reads the answer. Either way it must stop reading long before the end.
    const answer = await new Promise<{ status: number | 'closed'; sent: number }>((resolve, reject) => {
      const url = new URL(artifactPath(b.id, 'huge.txt'), svc.url);
      const req = http.request(url, { method: 'PUT', headers: { ...withToken(tokenB), 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/plain' } });
      let sent = 0;
      let answered = false;
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered) req.end();
      };
      req.on('response', (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode!, sent });
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (answered) return;
        answered = true;
        if (err.code === 'EPIPE' || err.code === 'ECONNRESET') resolve({ status: 'closed', sent });
        else reject(err);
      });
      pump();
    });
    expect([413, 'closed']).toContain(answer.status);
    expect(answer.sent).toBeLessThan(30 * 1024 * 1024);
    expect(await s3.hasObject(`recordings/${b.id}/artifacts/huge.txt`)).toBe(false);
  });
});

describe('owners, strangers and share links', () => {
  it('lets the owner write, read and delete; a stranger gets 404; without credentials 401', async () => {
    expect((await api().put(artifactPath(b.id, 'summary.md')).set(bearer(owner)).send('# Summary\n')).status).toBe(201);
    expect((await api().get(artifactPath(b.id, 'summary.md')).set(bearer(stranger))).status).toBe(404);
    expect((await api().put(artifactPath(b.id, 'summary.md')).set(bearer(stranger)).send('# mine')).status).toBe(404);
    expect((await api().delete(artifactPath(b.id, 'summary.md')).set(bearer(stranger))).status).toBe(404);
    expect((await api().get(artifactPath(b.id, 'summary.md'))).status).toBe(401);
    expect((await api().get(artifactPath(b.id, 'nothing.md')).set(bearer(owner))).status).toBe(404);

    const link = await api().post(`/api/v1.0/recordings/${b.id}/share-links/`).set(bearer(owner)).send({});
    const share = new URL(link.body.url as string).searchParams.get('share')!;
    const shared = await api().get(`${artifactPath(b.id, 'summary.md')}?share=${share}`);
    expect(shared.status).toBe(200);
    expect(shared.text).toBe('# Summary\n');
    expect(shared.headers['x-content-type-options']).toBe('nosniff');
    expect((await api().get(`${artifactPath(a.id, 'transcript.vtt')}?share=${share}`)).status).toBe(403);
    expect((await api().delete(`${artifactPath(b.id, 'summary.md')}?share=${share}`)).status).toBe(403);

    expect((await api().delete(artifactPath(b.id, 'summary.md')).set(bearer(owner))).status).toBe(204);
    expect(await s3.hasObject(`recordings/${b.id}/artifacts/summary.md`)).toBe(false);
    expect((await api().get(`/api/v1.0/recordings/${b.id}/`).set(bearer(owner))).body.artifacts.map((x: { name: string }) => x.name)).toEqual(['big.json']);
  });
});
