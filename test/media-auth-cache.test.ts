import { Client } from 'pg';
import request from 'supertest';
import { VerifiedTokenMemo } from '../src/auth/verified-token-memo';
import { MediaAccessCache } from '../src/downloads/media-access-cache';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, minioFixture, postStorageEvent, stoppedRecording } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { savedRecording, type SavedRecording } from './helpers/saved-recording';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';

/**
 * media-auth's memory of access rows (src/downloads/media-access-cache.ts, MEDIA_AUTH_CACHE_MS
 * at its default of 500 ms): bounded, and never serving a deleted recording, a revoked or
 * expired share link or an expired recording for more than a second, on any instance. Two
 * service instances on one PostgreSQL; changes are made through one of them, and the other is
 * kept asking (so its cache stays warm) while the second passes.
 */

const REFUSAL_BOUND_MS = 1000;
/** How long the watch goes on past the bound: enough answers to judge, on a loaded machine too. */
const WATCH_AFTER_MS = 1000;

describe('MediaAccessCache', () => {
  let clock = 0;
  const now = () => clock;
  const loader = () => {
    const calls: string[] = [];
    return { calls, load: (answer: string) => () => (calls.push(answer), Promise.resolve(answer)) };
  };

  beforeEach(() => {
    clock = 1_000;
  });

  it('reuses an answer for ttlMs from the moment its query was sent, then asks again', async () => {
    const cache = new MediaAccessCache<string>({ ttlMs: 500, maxEntries: 10, now });
    const { calls, load } = loader();
    expect(await cache.get('k', 'r', load('first'))).toBe('first');
    clock += 499;
    expect(await cache.get('k', 'r', load('second'))).toBe('first');
    clock += 1;
    expect(await cache.get('k', 'r', load('third'))).toBe('third');
    expect(calls).toEqual(['first', 'third']);
  });

  it('shares a query in flight, forgets a failed one, and drops a recording at once (queries in flight too)', async () => {
    const cache = new MediaAccessCache<string>({ ttlMs: 500, maxEntries: 10, now });
    let release!: (v: string) => void;
    const slow = new Promise<string>((resolve) => (release = resolve));
    let asked = 0;
    const a = cache.get('k', 'r', () => (asked++, slow));
    const b = cache.get('k', 'r', () => (asked++, Promise.resolve('other')));
    release('shared');
    expect([await a, await b, asked]).toEqual(['shared', 'shared', 1]);

    await expect(cache.get('bad', 'r2', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('bad', 'r2', () => Promise.resolve('recovered'))).toBe('recovered');

    const pending = cache.get('k2', 'r', () => new Promise<string>(() => undefined));
    cache.forget('r');
    expect(await cache.get('k', 'r', () => Promise.resolve('fresh'))).toBe('fresh');
    expect(await cache.get('k2', 'r', () => Promise.resolve('fresh too'))).toBe('fresh too');
    expect(await cache.get('bad', 'r2', () => Promise.resolve('not asked'))).toBe('recovered');
    void pending;
  });

  it('never holds more than maxEntries, however many distinct keys, and keeps the newest', async () => {
    const max = 100;
    const cache = new MediaAccessCache<number>({ ttlMs: 1000, maxEntries: max, now });
    let peak = 0;
    for (let i = 0; i < 25 * max; i++) {
      await cache.get(`key-${i}`, `rec-${i % 7}`, () => Promise.resolve(i));
      peak = Math.max(peak, cache.size);
      if (i % 10 === 0) clock += 1; // time passes, but less than ttlMs over the whole run
    }
    expect(peak).toBe(max);
    expect(cache.size).toBe(max);
    let asked = 0;
    expect(await cache.get(`key-${25 * max - 1}`, 'rec', () => (asked++, Promise.resolve(-1)))).toBe(25 * max - 1);
    expect(await cache.get('key-0', 'rec', () => (asked++, Promise.resolve(-1)))).toBe(-1);
    expect(asked).toBe(1);
  });

  it('drops expired entries as new ones come in, and is off with ttlMs 0; refuses a ttl above one second', async () => {
    const cache = new MediaAccessCache<number>({ ttlMs: 500, maxEntries: 1000, now });
    for (let i = 0; i < 50; i++) await cache.get(`old-${i}`, 'r', () => Promise.resolve(i));
    clock += 600;
    await cache.get('new', 'r', () => Promise.resolve(0));
    expect(cache.size).toBe(1);

    const off = new MediaAccessCache<number>({ ttlMs: 0, maxEntries: 10, now });
    let n = 0;
    await off.get('k', 'r', () => Promise.resolve(n++));
    await off.get('k', 'r', () => Promise.resolve(n++));
    expect([n, off.size]).toEqual([2, 0]);
    expect(() => new MediaAccessCache({ ttlMs: 1001, maxEntries: 10 })).toThrow();
  });
});

describe('VerifiedTokenMemo', () => {
  it('recalls a token until its expiry or maxAgeMs, and never holds more than maxEntries', () => {
    const memo = new VerifiedTokenMemo<string>({ maxEntries: 50, maxAgeMs: 30_000 });
    const t = 1_000_000;
    memo.remember(memo.digest('a'), 'sub-a', t + 100, t);
    memo.remember(memo.digest('b'), 'sub-b', t + 60_000, t);
    memo.remember(memo.digest('expired'), 'x', t, t);
    expect(memo.recall(memo.digest('a'), t + 99)).toBe('sub-a');
    expect(memo.recall(memo.digest('a'), t + 100)).toBeUndefined();
    expect(memo.recall(memo.digest('b'), t + 29_999)).toBe('sub-b');
    expect(memo.recall(memo.digest('b'), t + 30_000)).toBeUndefined();
    expect(memo.recall(memo.digest('expired'), t)).toBeUndefined();
    let peak = 0;
    for (let i = 0; i < 1000; i++) {
      memo.remember(memo.digest(`token-${i}`), `sub-${i}`, t + 10_000, t);
      peak = Math.max(peak, memo.size);
    }
    expect(peak).toBe(50);
    expect(memo.recall(memo.digest('token-999'), t)).toBe('sub-999');
    expect(memo.recall(memo.digest('token-0'), t)).toBeUndefined();
  });
});

describe('two instances on one database', () => {
  const owner: TestUser = { sub: 'cache-owner', rooms: { 'cache-a': 'owner', 'cache-b': 'owner', 'cache-c': 'owner', 'cache-d': 'owner', 'cache-e': 'owner' } };
  const media = { bytes: Buffer.from('not really a video, but bytes'), contentType: 'video/mp4' };
  let a: TestService;
  let b: TestService;
  let s3: TestS3;
  let livekit: FakeLivekitServer;
  let pg: Client;

  beforeAll(async () => {
    let fake: Awaited<ReturnType<typeof startFakeLivekit>>;
    [s3, fake] = await Promise.all([startS3Server(), startFakeLivekit()]);
    livekit = fake.livekit;
    const env = { ...fake.env, ...s3Env(s3), RECORDING_EXPIRATION_DAYS: '30', RECORDING_ALLOW_PERMANENT: 'true' };
    a = await startTestService(env);
    b = await startTestService(env, a.db);
    expect(a.config.downloads.mediaAuthCacheMs).toBe(500);
    pg = new Client({ connectionString: a.db.url });
    await pg.connect();
  }, 60_000);

  afterAll(async () => {
    await pg?.end();
    await b?.close({ keepDatabase: true });
    await a?.close();
    await livekit?.close();
    await s3?.close();
  });

  /** What media-auth answers on `svc` for this media URL (with these headers). */
  const decide = async (svc: TestService, originalUrl: string, headers: Record<string, string> = {}): Promise<number> =>
    (await request(svc.url).get('/api/v1.0/recordings/media-auth/').set({ 'X-Original-URL': originalUrl, ...headers })).status;

  interface Sample {
    sentAt: number;
    status: number;
  }

  /**
   * Asks `svc` again and again (every ~10 ms, so its cache is never cold) until `until` (a time,
   * or a window whose end is set once the change was made, so a slow machine still gets samples
   * well after it).
   */
  async function keepAsking(svc: TestService, originalUrl: string, headers: Record<string, string>, until: number | { end: number }, samples: Sample[] = []): Promise<Sample[]> {
    const cap = Date.now() + 30_000;
    while (Date.now() < (typeof until === 'number' ? until : until.end) && Date.now() < cap) {
      const sentAt = Date.now();
      samples.push({ sentAt, status: await decide(svc, originalUrl, headers) });
      await new Promise((r) => setTimeout(r, 10));
    }
    return samples;
  }

  /** Every answer asked for later than `since` + 1 s was a 403, and there were such answers. */
  function expectRefusedWithinBound(samples: Sample[], since: number): void {
    const late = samples.filter((s) => s.sentAt > since + REFUSAL_BOUND_MS);
    expect(late.length).toBeGreaterThan(3);
    expect(late.filter((s) => s.status !== 403)).toEqual([]);
  }

  async function warm(path: string, headers: Record<string, string> = {}): Promise<void> {
    for (const svc of [a, b]) for (let i = 0; i < 3; i++) expect(await decide(svc, path, headers)).toBe(200);
  }

  it('a share link revoked on one instance: refused there at once, on the other within a second', async () => {
    const rec = await savedRecording(a.url, s3, owner, 'cache-a', media);
    const created = await request(a.url).post(`/api/v1.0/recordings/${rec.id}/share-links/`).set(bearer(owner)).send({});
    expect(created.status).toBe(201);
    const shared = `${rec.mediaPath}?share=${new URL(created.body.url as string).searchParams.get('share')!}`;
    await warm(shared);

    const window = { end: Infinity };
    const seen: Sample[] = [];
    const watching = keepAsking(b, shared, {}, window, seen);
    await eventually(async () => seen.length >= 3, 10_000, 'b answering'); // b has the link cached as valid
    await request(a.url).delete(`/api/v1.0/recordings/${rec.id}/share-links/${created.body.id}/`).set(bearer(owner)).expect(204);
    const revokedAt = Date.now();
    window.end = revokedAt + REFUSAL_BOUND_MS + WATCH_AFTER_MS;
    expect(await decide(a, shared)).toBe(403);
    const samples = await watching;
    expect(samples[0]!.status).toBe(200);
    expectRefusedWithinBound(samples, revokedAt);
  });

  it('a recording deleted on one instance: bearer and download link refused there at once, on the other within a second', async () => {
    const rec = await savedRecording(a.url, s3, owner, 'cache-b', media);
    const link = await request(a.url).post(`/api/v1.0/recordings/${rec.id}/download-link/`).set(bearer(owner)).send({});
    expect(link.status).toBe(200);
    const linked = `${rec.mediaPath}?token=${new URL(link.body.url as string, 'http://localhost').searchParams.get('token')!}`;
    const auth = bearer(owner);
    await warm(rec.mediaPath, auth);
    await warm(linked);

    const window = { end: Infinity };
    const [seenBearer, seenLink]: Sample[][] = [[], []];
    const watching = Promise.all([keepAsking(b, rec.mediaPath, auth, window, seenBearer), keepAsking(b, linked, {}, window, seenLink)]);
    await eventually(async () => seenBearer.length >= 3 && seenLink.length >= 3, 10_000, 'b answering');
    await request(a.url).delete(`/api/v1.0/recordings/${rec.id}/`).set(auth).expect(204);
    const deletedAt = Date.now();
    window.end = deletedAt + REFUSAL_BOUND_MS + WATCH_AFTER_MS;
    expect(await decide(a, rec.mediaPath, auth)).toBe(403);
    expect(await decide(a, linked)).toBe(403);
    for (const samples of await watching) expectRefusedWithinBound(samples, deletedAt);
  });

  it('a share link and a recording reaching their expiry: refused within a second on both instances', async () => {
    const rec = await savedRecording(a.url, s3, owner, 'cache-c', media);
    const created = await request(a.url).post(`/api/v1.0/recordings/${rec.id}/share-links/`).set(bearer(owner)).send({});
    const shared = `${rec.mediaPath}?share=${new URL(created.body.url as string).searchParams.get('share')!}`;
    // The link (never asked for yet, so cached nowhere) expires 800 ms from now, by the
    // database's clock, which is this machine's; both instances keep asking across that moment.
    const [row] = (await pg.query("UPDATE share_links SET expires_at = now() + interval '800 milliseconds' WHERE id = $1 RETURNING expires_at", [created.body.id])).rows;
    const linkExpiry = (row.expires_at as Date).getTime();
    const until = linkExpiry + REFUSAL_BOUND_MS + WATCH_AFTER_MS;
    const [onA, onB] = await Promise.all([keepAsking(a, shared, {}, until), keepAsking(b, shared, {}, until)]);
    for (const samples of [onA, onB]) {
      expect(samples[0]!.status).toBe(200);
      expectRefusedWithinBound(samples, linkExpiry);
    }

    // The recording expires (RECORDING_EXPIRATION_DAYS=30) 1.5 s from now: judged on each request.
    const auth = bearer(owner);
    const [made] = (
      await pg.query("UPDATE recordings SET created_at = now() - interval '720 hours' + interval '1500 milliseconds' WHERE id = $1 RETURNING created_at", [rec.id])
    ).rows;
    const recordingExpiry = (made.created_at as Date).getTime() + 30 * 24 * 3600 * 1000;
    // Costs no time: the sampling below ends at a fixed moment whatever this pause.
    await new Promise((r) => setTimeout(r, 600));
    const end = recordingExpiry + REFUSAL_BOUND_MS + WATCH_AFTER_MS;
    const [recA, recB] = await Promise.all([keepAsking(a, rec.mediaPath, auth, end), keepAsking(b, rec.mediaPath, auth, end)]);
    for (const samples of [recA, recB]) {
      expectRefusedWithinBound(samples, recordingExpiry);
      // The expiry is not cached: refused from its very moment (10 ms of clock reading aside).
      expect(samples.filter((s) => s.sentAt > recordingExpiry + 10 && s.status !== 403)).toEqual([]);
    }
  });

  it('a past-expiry recording made non-permanent on one instance: refused there at once, on the other within a second', async () => {
    const start = await request(a.url).post('/api/v1.0/rooms/cache-d/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording', options: { permanent: true } });
    expect(start.status).toBe(201);
    await request(a.url).post('/api/v1.0/rooms/cache-d/stop-recording/').set(bearer(owner)).expect(200);
    const path = `/media/${start.body.key as string}`;
    await pg.query("UPDATE recordings SET status = 'saved', created_at = now() - interval '400 days' WHERE id = $1", [start.body.id]);
    const auth = bearer(owner);
    // Served on both once they see the change made behind their back (no cached refusal left).
    await eventually(async () => (await decide(a, path, auth)) === 200 && (await decide(b, path, auth)) === 200, 10_000, 'served on both');
    await warm(path, auth);

    const window = { end: Infinity };
    const seen: Sample[] = [];
    const watching = keepAsking(b, path, auth, window, seen);
    await eventually(async () => seen.length >= 3, 10_000, 'b answering');
    const patched = await request(a.url).patch(`/api/v1.0/recordings/${start.body.id}/`).set(auth).send({ is_permanent: false });
    const changedAt = Date.now();
    window.end = changedAt + REFUSAL_BOUND_MS + WATCH_AFTER_MS;
    expect(patched.body).toMatchObject({ is_permanent: false, is_expired: true });
    expect(await decide(a, path, auth)).toBe(403);
    expectRefusedWithinBound(await watching, changedAt);
  });

  it('a recording saved through one instance: served there at once, though refused (not saved) a moment before', async () => {
    const id = await stoppedRecording(a.url, owner, 'cache-e');
    const key = `recordings/${id}.mp4`;
    const path = `/media/${key}`;
    const auth = bearer(owner);
    expect(await decide(a, path, auth)).toBe(403);
    // The MinIO event, for the bucket this service owns.
    const event = minioFixture('put-recording.json', id) as { Records: { s3: { bucket: { name: string } } }[]; Key: string };
    event.Records[0]!.s3.bucket.name = s3.bucket;
    event.Key = `${s3.bucket}/${key}`;
    await s3.putObject(key, media.bytes, media.contentType);
    expect((await postStorageEvent(a.url, event)).body).toEqual({ message: 'Event processed.' });
    expect(await decide(a, path, auth)).toBe(200);
  });
});
