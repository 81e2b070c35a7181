import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, queryDb, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { pauseReconciler } from './helpers/reconciler-pause';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp';
import { storeEvent } from './helpers/minio-events';
import { postWebhook, seedRoom, startWithTracks } from './helpers/tracks';

/**
 * Per-participant audio tracks end to end: the real service on real PostgreSQL, the fake
 * LiveKit (RoomService, Track Egress, signed webhooks), s3rver, a real SMTP server.
 */

const owner: TestUser = {
  sub: 'tracks-owner',
  email: 'tracks@example.org',
  rooms: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`tracks-${i}`, 'owner'])),
};

interface FileJson {
  key: string;
  kind: 'composite' | 'track';
  content_type: string;
  size: number | null;
  status: 'pending' | 'saved' | 'failed';
  participant: { identity: string; name: string } | null;
  track_id: string | null;
  started_at: string | null;
}

let svc: TestService;
let livekit: FakeLivekitServer;
let smtp: TestSmtpServer;
let s3: TestS3;

beforeAll(async () => {
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  smtp = await startSmtpServer();
  s3 = await startS3Server();
  svc = await startTestService({
    ...fake.env,
    ...smtp.env,
    ...s3Env(s3),
    RECORDING_WORKERS: '{"screen_recording":"livekit-video","transcript":"livekit-audio","jitsi":"jibri"}',
    JITSI_BASE_URL: 'https://meet.example.org',
    EMAIL_POLL_INTERVAL_MS: '100',
    RECONCILE_INTERVAL_MS: '200',
    RECONCILE_STOPPED_GRACE_MS: '300',
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '0',
  });
});
afterAll(async () => {
  await svc?.close();
  await livekit?.close();
  await smtp?.stop();
  await s3?.close();
});
afterEach(() => livekit.clearFaults());

async function recordingJson(id: string): Promise<{ status: string; files: FileJson[] }> {
  const res = await request(svc.url).get(`/api/v1.0/recordings/${id}/`).set(bearer(owner));
  expect(res.status).toBe(200);
  return res.body as { status: string; files: FileJson[] };
}

function trackEgressesOf(room: string) {
  return [...livekit.egresses.values()].filter((e) => e.kind === 'track' && e.roomName === room);
}

function emailsAbout(id: string) {
  return smtp.messages.filter((m) => m.text.includes(id));
}

async function emailJobs(id: string): Promise<number> {
  const [row] = await queryDb<{ n: number }>(svc.db.url, `SELECT count(*)::int AS n FROM jobs WHERE recording_id = $1 AND kind LIKE 'email.%'`, [id]);
  return row!.n;
}

async function stop(room: string) {
  const res = await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner));
  expect(res.status).toBe(200);
  return res.body as { status: string; files: FileJson[] };
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('starting and stopping with participant tracks', () => {
  it('three participants, one an egress: one composite and two track egresses; a later publisher gets a third, a repeat none; stop stops all four', async () => {
    const room = 'tracks-1';
    const { tracks } = seedRoom(livekit, room, [
      { identity: 'alice', name: 'Alice Martin', camera: true },
      { identity: 'bob', name: 'Bob' },
      { identity: 'EG_recorder', kind: 'EGRESS' },
    ]);
    const before = livekit.requests.length;
    const res = await startWithTracks(svc.url, owner, room);
    expect(res.status).toBe(201);
    const id = res.body.id as string;

    const calls = livekit.requests.slice(before);
    expect(calls.filter((c) => c.method === 'StartRoomCompositeEgress')).toHaveLength(1);
    expect(calls.filter((c) => c.method === 'ListParticipants')).toHaveLength(1);
    expect(calls.filter((c) => c.method === 'StartTrackEgress')).toHaveLength(2);
    expect(calls.every((c) => c.authorized)).toBe(true);
    const started = trackEgressesOf(room);
    expect(started.map((e) => e.track!.trackId).sort()).toEqual([tracks.alice, tracks.bob].sort());
    for (const egress of started) {
      expect(egress.track).toMatchObject({
        roomName: room,
        file: {
          filepath: `recordings/${id}/${String(egress.track!.trackId)}.ogg`,
          s3: { bucket: s3.bucket, endpoint: s3.endpointUrl, forcePathStyle: true, secret: '{secret}' },
        },
      });
    }

    // The answer already lists the files: the composite, then each speaker with their name.
    const files = res.body.files as FileJson[];
    expect(files[0]).toEqual({
      key: `recordings/${id}.mp4`, kind: 'composite', content_type: 'video/mp4', size: null, status: 'pending',
      participant: null, track_id: null, started_at: null,
    });
    expect(files.slice(1).map((f) => [f.participant, f.track_id, f.key, f.kind, f.content_type, f.status]).sort()).toEqual(
      [
        [{ identity: 'alice', name: 'Alice Martin' }, tracks.alice, `recordings/${id}/${tracks.alice}.ogg`, 'track', 'audio/ogg', 'pending'],
        [{ identity: 'bob', name: 'Bob' }, tracks.bob, `recordings/${id}/${tracks.bob}.ogg`, 'track', 'audio/ogg', 'pending'],
      ].sort(),
    );
    for (const f of files.slice(1)) expect(Date.parse(f.started_at!)).toBeGreaterThan(Date.now() - 60_000);

    // A fourth participant publishes later: track_published starts a third track egress.
    livekit.addParticipant(room, { identity: 'carol', name: 'Carol' });
    const carol = livekit.publishTrack(room, 'carol').sid;
    const published = livekit.trackEvent(room, carol, 'track_published');
    expect((await postWebhook(svc.url, published)).status).toBe(200);
    expect(trackEgressesOf(room)).toHaveLength(3);
    expect(trackEgressesOf(room).at(-1)!.track).toMatchObject({ trackId: carol, file: { filepath: `recordings/${id}/${carol}.ogg` } });

    // LiveKit's retry of the same delivery, a second event for the same track, and tracks that are not a speaker's microphone: none more.
    expect((await postWebhook(svc.url, published)).status).toBe(200);
    expect((await postWebhook(svc.url, livekit.trackEvent(room, carol, 'track_published'))).status).toBe(200);
    const camera = livekit.publishTrack(room, 'carol', { source: 'CAMERA' }).sid;
    expect((await postWebhook(svc.url, livekit.trackEvent(room, camera, 'track_published'))).status).toBe(200);
    const screenAudio = livekit.publishTrack(room, 'bob', { source: 'SCREEN_SHARE_AUDIO' }).sid;
    expect((await postWebhook(svc.url, livekit.trackEvent(room, screenAudio, 'track_published'))).status).toBe(200);
    const egressMic = livekit.publishTrack(room, 'EG_recorder').sid;
    expect((await postWebhook(svc.url, livekit.trackEvent(room, egressMic, 'track_published'))).status).toBe(200);
    expect(trackEgressesOf(room)).toHaveLength(3);
    expect((await recordingJson(id)).files.filter((f) => f.kind === 'track')).toHaveLength(3);

    // Stop: the composite and the three track egresses, four StopEgress calls.
    const stopsBefore = livekit.requestsFor('StopEgress').length;
    const stopped = await stop(room);
    expect(stopped.status).toBe('stopped');
    const stops = livekit.requestsFor('StopEgress').slice(stopsBefore);
    expect(stops).toHaveLength(4);
    const [row] = await queryDb<{ worker_id: string }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [id]);
    expect(stops.map((s) => String(s.body.egressId)).sort()).toEqual([row!.worker_id, ...trackEgressesOf(room).map((e) => e.egressId)].sort());
    expect(trackEgressesOf(room).every((e) => e.status === 'EGRESS_COMPLETE')).toBe(true);

    // A track published after the stop starts nothing.
    const late = livekit.publishTrack(room, 'alice', { source: 'MICROPHONE', name: 'second mic' }).sid;
    expect((await postWebhook(svc.url, livekit.trackEvent(room, late, 'track_published'))).status).toBe(200);
    expect(trackEgressesOf(room)).toHaveLength(3);
  });

  it('a track published while the composite is still starting is recorded once; when the composite fails, the track egresses started meanwhile are stopped', async () => {
    const room = 'tracks-10';
    seedRoom(livekit, room, [{ identity: 'pia' }]);
    let quinn = '';
    livekit.beforeAnswer('StartRoomCompositeEgress', async () => {
      // The recording is `initiated` until this answer: the start's listing may or may not see this track.
      livekit.addParticipant(room, { identity: 'quinn', name: 'Quinn' });
      quinn = livekit.publishTrack(room, 'quinn').sid;
      expect((await postWebhook(svc.url, livekit.trackEvent(room, quinn, 'track_published'))).status).toBe(200);
    });
    const res = await startWithTracks(svc.url, owner, room);
    expect(res.status).toBe(201);
    const pia = livekit.rooms.get(room)!.participants.get('pia')!.tracks[0]!.sid;
    expect(trackEgressesOf(room).map((e) => e.track!.trackId).sort()).toEqual([pia, quinn].sort());
    expect((res.body.files as FileJson[]).filter((f) => f.kind === 'track').map((f) => f.track_id).sort()).toEqual([pia, quinn].sort());
    await stop(room);

    const failing = 'tracks-11';
    seedRoom(livekit, failing, [{ identity: 'rae' }]);
    livekit.beforeAnswer('StartRoomCompositeEgress', async () => {
      livekit.addParticipant(failing, { identity: 'sam' });
      const sam = livekit.publishTrack(failing, 'sam').sid;
      expect((await postWebhook(svc.url, livekit.trackEvent(failing, sam, 'track_published'))).status).toBe(200);
      // Deliberately longer than WORKER_TIMEOUT_MS: the composite start fails.
      await new Promise((r) => setTimeout(r, 2500));
    });
    const failed = await startWithTracks(svc.url, owner, failing);
    expect(failed.status).toBe(502);
    expect(failed.body.detail).toMatch(/did not answer in time/);
    const started = trackEgressesOf(failing);
    expect(started).toHaveLength(1);
    expect(started[0]!.status).toBe('EGRESS_COMPLETE');
    expect(livekit.requestsFor('StopEgress').some((r) => r.body.egressId === started[0]!.egressId)).toBe(true);

    // Its composite failed with the start; its stopped track's file is settled by the reconciler's look.
    const [row] = await queryDb<{ id: string }>(svc.db.url, "SELECT id FROM recordings WHERE room = $1 AND status = 'failed_to_start'", [failing]);
    const json = await recordingJson(row!.id);
    expect(json.files.map((f) => [f.kind, f.status])).toEqual([['composite', 'failed'], ['track', 'pending']]);
    await queryDb(svc.db.url, 'UPDATE recordings SET reconcile_at = now() WHERE id = $1', [row!.id]); // its grace is over
    await eventually(async () => (await recordingJson(row!.id)).files[1]!.status === 'failed', 15_000, 'track failed');
  });

  it('a recording without participant_tracks lists nobody and records only its composite', async () => {
    const room = 'tracks-2';
    seedRoom(livekit, room, [{ identity: 'dan' }]);
    const before = livekit.requests.length;
    const res = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send({ mode: 'transcript' });
    expect(res.status).toBe(201);
    // (ListEgress calls are the reconciler's, about other recordings.)
    expect(livekit.requests.slice(before).map((c) => c.method).filter((m) => m !== 'ListEgress')).toEqual(['StartRoomCompositeEgress']);
    expect((res.body.files as FileJson[]).map((f) => [f.kind, f.key, f.content_type])).toEqual([['composite', `recordings/${res.body.id}.ogg`, 'audio/ogg']]);
    const dan = livekit.rooms.get(room)!.participants.get('dan')!.tracks[0]!.sid;
    expect((await postWebhook(svc.url, livekit.trackEvent(room, dan, 'track_published'))).status).toBe(200);
    expect(trackEgressesOf(room)).toHaveLength(0);
    await stop(room);
  });

  it('400 with a clear detail for a mode served by Jibri and for another value; nothing is started', async () => {
    const before = livekit.requests.length;
    const jibri = await request(svc.url)
      .post('/api/v1.0/rooms/tracks-3/start-recording/')
      .set(bearer(owner))
      .send({ mode: 'jitsi', options: { participant_tracks: 'audio' } });
    expect(jibri.status).toBe(400);
    expect(jibri.body.detail).toMatch(/participant_tracks/);
    expect(jibri.body.detail).toMatch(/jibri/i);
    expect(jibri.body.detail).toMatch(/LiveKit/);
    const video = await request(svc.url)
      .post('/api/v1.0/rooms/tracks-3/start-recording/')
      .set(bearer(owner))
      .send({ mode: 'screen_recording', options: { participant_tracks: 'video' } });
    expect(video.status).toBe(400);
    expect(video.body.detail).toMatch(/options\.participant_tracks/);
    expect(livekit.requests.length).toBe(before);
    const [row] = await queryDb<{ n: number }>(svc.db.url, "SELECT count(*)::int AS n FROM recordings WHERE room = 'tracks-3'");
    expect(row!.n).toBe(0);
  });

  it('a track egress that fails to start fails its file, not the recording; a room that cannot be listed records the composite', async () => {
    const room = 'tracks-4';
    seedRoom(livekit, room, [{ identity: 'erin' }, { identity: 'frank' }]);
    livekit.injectFault({ type: 'twirp-error', code: 'internal', msg: 'no egress worker free' }, { method: 'StartTrackEgress' });
    const res = await startWithTracks(svc.url, owner, room);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('active');
    const tracks = (res.body.files as FileJson[]).filter((f) => f.kind === 'track');
    expect(tracks.map((f) => f.status).sort()).toEqual(['failed', 'pending']);
    const metrics = await request(svc.url).get('/metrics');
    expect(metrics.text).toMatch(/recorder_track_egresses_total\{outcome="failed"\} [1-9]/);
    expect(metrics.text).toMatch(/recorder_track_egresses_total\{outcome="started"\} [1-9]/);
    await stop(room);

    const unlisted = 'tracks-5';
    seedRoom(livekit, unlisted, [{ identity: 'gina' }]);
    livekit.injectFault({ type: 'hang' }, { method: 'ListParticipants' });
    const res2 = await startWithTracks(svc.url, owner, unlisted);
    expect(res2.status).toBe(201);
    expect((res2.body.files as FileJson[]).map((f) => f.kind)).toEqual(['composite']);
    // Tracks published after the start still come through their webhook.
    const gina = livekit.rooms.get(unlisted)!.participants.get('gina')!.tracks[0]!.sid;
    expect((await postWebhook(svc.url, livekit.trackEvent(unlisted, gina, 'track_published'))).status).toBe(200);
    expect(trackEgressesOf(unlisted)).toHaveLength(1);
    await stop(unlisted);
  });

  it("a track egress's webhooks give its file a start time and fail it when it ended without a file, never touching the recording", async () => {
    const room = 'tracks-6';
    seedRoom(livekit, room, [{ identity: 'hana' }, { identity: 'ivan' }]);
    // Only the webhooks settle the files here (the reconciler would fail hana's after its 300 ms grace).
    const resume = await pauseReconciler(svc.db.url);
    try {
      const res = await startWithTracks(svc.url, owner, room);
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      const [hana, ivan] = trackEgressesOf(room);
      livekit.activateEgress(hana!.egressId);
      expect((await postWebhook(svc.url, livekit.webhookEvent(hana!.egressId, 'egress_updated'))).status).toBe(200);
      const startedAt = new Date(Number(BigInt(hana!.startedAt) / 1_000_000n)).toISOString();
      expect((await recordingJson(id)).files.find((f) => f.track_id === hana!.track!.trackId)!.started_at).toBe(startedAt);

      // A track egress ending (its participant left) or failing is about its file only.
      expect((await postWebhook(svc.url, livekit.endEgress(ivan!.egressId, 'EGRESS_FAILED', 'pipeline broke'))).status).toBe(200);
      expect((await postWebhook(svc.url, livekit.endEgress(hana!.egressId, 'EGRESS_COMPLETE'))).status).toBe(200);
      const after = await recordingJson(id);
      expect(after.status).toBe('active');
      expect(after.files.find((f) => f.track_id === ivan!.track!.trackId)!.status).toBe('failed');
      expect(after.files.find((f) => f.track_id === hana!.track!.trackId)!.status).toBe('pending');
      await stop(room);
    } finally {
      await resume();
    }
  });
});

describe('files land, then the recording is ready', () => {
  it('storage events for all files in random order, one repeated: one email, after the last file, and every file downloadable', async () => {
    const room = 'tracks-7';
    seedRoom(livekit, room, [{ identity: 'jo' }, { identity: 'kim' }, { identity: 'lou' }]);
    // The files are in storage only through their events here: the reconciler must not judge them meanwhile.
    const resume = await pauseReconciler(svc.db.url);
    try {
      const res = await startWithTracks(svc.url, owner, room);
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      const stopped = await stop(room);
      const keys = stopped.files.map((f) => f.key);
      expect(keys).toHaveLength(4);
      const order = shuffled(keys);
      const repeated = order[Math.floor(Math.random() * order.length)]!;
      const at = order.indexOf(repeated) + 1 + Math.floor(Math.random() * (order.length - order.indexOf(repeated)));
      const deliveries = [...order.slice(0, at), repeated, ...order.slice(at)];
      const seen = new Set<string>();
      for (const [i, key] of deliveries.entries()) {
        // Keys as MinIO sends them: URL-encoded, some under a parent folder, the large ones multipart.
        const stored = i % 2 === 0 ? key : `tenant-a/${key}`;
        expect(await storeEvent(svc.url, s3.bucket, stored, { size: 1000 + i, multipart: i % 3 === 0 })).toBe('Event processed.');
        seen.add(key);
        if (seen.size < keys.length) {
          expect(await emailJobs(id)).toBe(0);
          expect(await statusOf(svc.db.url, id)).toBe(seen.has(keys[0]!) ? 'saved' : 'stopped');
        }
      }
      await smtp.waitForMessages(1);
      await eventually(async () => (await statusOf(svc.db.url, id)) === 'notification_succeeded', 10_000, 'notified');
      expect(await emailJobs(id)).toBe(1);
      expect(emailsAbout(id)).toHaveLength(1);

      const saved = await recordingJson(id);
      expect(saved.files.map((f) => f.status)).toEqual(['saved', 'saved', 'saved', 'saved']);
      expect(saved.files.every((f) => typeof f.size === 'number' && f.size >= 1000)).toBe(true);
      for (const file of saved.files) {
        const link = await request(svc.url).post(`/api/v1.0/recordings/${id}/download-link/`).set(bearer(owner)).send(file.kind === 'track' ? { key: file.key } : {});
        expect(link.status).toBe(200);
        expect(link.body.url).toMatch(new RegExp(`^/media/${file.key}\\?token=`));
        const auth = await request(svc.url).get('/api/v1.0/recordings/media-auth/').set('X-Original-URL', link.body.url as string);
        expect(auth.status).toBe(200);
        expect(auth.headers['x-s3-path']).toBe(`/${s3.bucket}/${file.key}`);
      }
      // A late repeat of any of them changes nothing.
      expect(await storeEvent(svc.url, s3.bucket, keys[keys.length - 1]!)).toBe('Event processed.');
      expect(await emailJobs(id)).toBe(1);
    } finally {
      await resume();
    }
  });

  it('ignores track-shaped keys that are no file of a recording: unknown track, wrong type or extension, bad track id', async () => {
    const room = 'tracks-9';
    const { tracks } = seedRoom(livekit, room, [{ identity: 'ola' }]);
    const res = await startWithTracks(svc.url, owner, room);
    const id = res.body.id as string;
    const cases: [string, Parameters<typeof storeEvent>[3]][] = [
      [`recordings/${id}/TR_unknownTrack1.ogg`, {}],
      [`recordings/${id}/${tracks.ola!}.ogg`, { contentType: 'video/mp4' }],
      [`recordings/${id}/${tracks.ola!}.mp4`, {}],
      [`recordings/${id}/${tracks.ola!.toLowerCase()}.ogg`, {}],
      [`recordings/${id}/x/${tracks.ola!}.ogg`, {}],
      [`recordings/${id}/../${id}/${tracks.ola!}.ogg`, {}],
      [`recordings/00000000-1111-4222-8333-444444444444/${tracks.ola!}.ogg`, {}],
    ];
    for (const [key, options] of cases) {
      expect({ key, message: await storeEvent(svc.url, s3.bucket, key, options) }).toEqual({ key, message: 'Notification ignored.' });
    }
    expect((await recordingJson(id)).files.find((f) => f.kind === 'track')!.status).toBe('pending');
    await stop(room);
  });

  it('an aborted recording fails its composite at once; its stopped tracks still land or are failed after their grace', async () => {
    const room = 'tracks-0';
    const { tracks } = seedRoom(livekit, room, [{ identity: 'ola' }, { identity: 'pem' }]);
    const res = await startWithTracks(svc.url, owner, room);
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const [row] = await queryDb<{ worker_id: string }>(svc.db.url, 'SELECT worker_id FROM recordings WHERE id = $1', [id]);
    expect((await postWebhook(svc.url, livekit.endEgress(row!.worker_id, 'EGRESS_ABORTED'))).status).toBe(200);
    const aborted = await recordingJson(id);
    expect(aborted.status).toBe('aborted');
    expect(aborted.files[0]).toMatchObject({ kind: 'composite', status: 'failed' });
    // The composite's end stopped the track egresses: ola's file lands, pem's never does.
    expect(trackEgressesOf(room).every((e) => e.status === 'EGRESS_COMPLETE')).toBe(true);
    const landed = `recordings/${id}/${tracks.ola}.ogg`;
    await s3.putObject(landed, Buffer.alloc(1024, 3), 'audio/ogg');
    await storeEvent(svc.url, s3.bucket, landed, { size: 1024 });
    await eventually(async () => (await recordingJson(id)).files.every((f) => f.status !== 'pending'), 15_000, 'tracks settled');
    const json = await recordingJson(id);
    expect(json.status).toBe('aborted');
    expect(Object.fromEntries(json.files.slice(1).map((f) => [f.track_id, f.status]))).toEqual({ [tracks.ola!]: 'saved', [tracks.pem!]: 'failed' });
    expect(emailsAbout(id)).toHaveLength(0);
  });

  it('a track that never lands is failed by the reconciler after its grace, and the email still goes out; DELETE then removes every file', async () => {
    const room = 'tracks-8';
    const { tracks } = seedRoom(livekit, room, [{ identity: 'max' }, { identity: 'nia' }]);
    const res = await startWithTracks(svc.url, owner, room);
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const composite = `recordings/${id}.mp4`;
    const landed = `recordings/${id}/${tracks.max}.ogg`;
    await s3.putObject(composite, Buffer.alloc(4096, 1), 'video/mp4');
    await s3.putObject(landed, Buffer.alloc(2048, 2), 'audio/ogg');
    await stop(room);
    // Either the events or the reconciler (it finds the objects too) save these two; nia's never comes.
    await storeEvent(svc.url, s3.bucket, composite, { size: 4096 });
    await storeEvent(svc.url, s3.bucket, landed, { size: 2048 });

    await eventually(async () => (await statusOf(svc.db.url, id)) === 'notification_succeeded', 15_000, 'notified after the failed track');
    const json = await recordingJson(id);
    expect(json.files[0]).toMatchObject({ kind: 'composite', status: 'saved', size: 4096 });
    expect(Object.fromEntries(json.files.slice(1).map((f) => [f.track_id, f.status]))).toEqual({ [tracks.max!]: 'saved', [tracks.nia!]: 'failed' });
    expect(emailsAbout(id)).toHaveLength(1);
    expect((await request(svc.url).get('/metrics')).text).toMatch(/recorder_track_egresses_total\{outcome="failed"\} [1-9]/);

    // media-auth refuses the failed track; a link cannot be made for it.
    const failedKey = `recordings/${id}/${tracks.nia}.ogg`;
    expect((await request(svc.url).get('/api/v1.0/recordings/media-auth/').set('X-Original-URL', `/media/${failedKey}`).set(bearer(owner))).status).toBe(403);
    expect((await request(svc.url).post(`/api/v1.0/recordings/${id}/download-link/`).set(bearer(owner)).send({ key: failedKey })).status).toBe(403);
    expect((await request(svc.url).post(`/api/v1.0/recordings/${id}/download-link/`).set(bearer(owner)).send({ key: 'recordings/other.ogg' })).status).toBe(404);
    expect((await request(svc.url).post(`/api/v1.0/recordings/${id}/download-link/`).set(bearer(owner)).send({ file: landed })).status).toBe(400);

    expect(await s3.hasObject(composite)).toBe(true);
    expect(await s3.hasObject(landed)).toBe(true);
    expect((await request(svc.url).delete(`/api/v1.0/recordings/${id}/`).set(bearer(owner))).status).toBe(204);
    expect(await s3.hasObject(composite)).toBe(false);
    expect(await s3.hasObject(landed)).toBe(false);
    const [row] = await queryDb<{ n: number }>(svc.db.url, 'SELECT count(*)::int AS n FROM recording_files WHERE recording_id = $1', [id]);
    expect(row!.n).toBe(0);
  });
});
