import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config/config';
import { openDatabase, runMigrations, type Database } from '../src/db/database';
import { WorkerError, type StartRequest } from '../src/recording/workers/worker-service';
import { JibriWorker } from '../src/recording/workers/jibri/jibri-worker';
import { parseJibriStatusEvent } from '../src/recording/workers/jibri/jibri-api';
import { JibriPoolStore } from '../src/recording/workers/jibri/pool-store';
import { JibriUploadStore } from '../src/recording/store/jibri-upload-store';
import { parseWorkerId } from '../src/recording/workers/jibri/worker-id';
import { FakeJibri } from './fakes/jibri-server';
import { createTestDatabase, type TestDatabase } from './helpers/pg';

const JITSI = 'https://meet.example.org';
const XMPP = { domain: 'recorder.meet.example.org', username: 'recorder', password: 'recorder-secret' };
const TIMEOUT_MS = 400;
/** Races of many starts: a hundred probes at once on a busy test machine need more than TIMEOUT_MS. */
const RACE_ENV = { WORKER_TIMEOUT_MS: '5000' };

const fakes: FakeJibri[] = [];

/**
 * The pool's state lives in PostgreSQL: every worker made here shares one database, as the
 * service instances of one deployment do, unless a test gives it another one.
 */
let testDb: TestDatabase;
let database: Database;
let otherTestDb: TestDatabase;
let otherDatabase: Database;

async function openPoolDatabase(db: TestDatabase): Promise<Database> {
  const opened = await openDatabase({ url: db.url, poolSize: 4 });
  await runMigrations(opened.dataSource);
  return opened;
}

beforeAll(async () => {
  [testDb, otherTestDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  [database, otherDatabase] = await Promise.all([openPoolDatabase(testDb), openPoolDatabase(otherTestDb)]);
});

afterAll(async () => {
  await Promise.all([database?.close(), otherDatabase?.close()]);
  await Promise.all([testDb?.drop(), otherTestDb?.drop()]);
});

/** A fake may get the port of an earlier test's fake: each test starts with an empty pool table. */
afterEach(async () => {
  await Promise.all([database, otherDatabase].map((d) => d.dataSource.query('DELETE FROM jibri_instances')));
});

async function startFakes(n: number, options: { ids?: boolean } = {}): Promise<FakeJibri[]> {
  const started = await Promise.all(
    Array.from({ length: n }, (_, i) => FakeJibri.start(options.ids ? { jibriId: `jibri-${i + 1}` } : {})),
  );
  fakes.push(...started);
  return started;
}

function makeWorker(
  jibris: FakeJibri[],
  env: Record<string, string> = {},
  options: ConstructorParameters<typeof JibriWorker>[3] = {},
  db: Database = database,
): JibriWorker {
  const config = loadConfig({
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    JIBRI_URLS: jibris.map((f) => f.url).join(','),
    JITSI_BASE_URL: JITSI,
    JIBRI_XMPP_DOMAIN: XMPP.domain,
    JIBRI_XMPP_USERNAME: XMPP.username,
    JIBRI_XMPP_PASSWORD: XMPP.password,
    WORKER_TIMEOUT_MS: String(TIMEOUT_MS),
    ...env,
  });
  return new JibriWorker(config, new JibriPoolStore(db.sql), new JibriUploadStore({ sql: db.sql }), options);
}

function request(room = 'weekly-sync'): StartRequest {
  const recordingId = randomUUID();
  return { recordingId, room, objectKey: `recordings/${recordingId}.mp4` };
}

async function workerError(promise: Promise<unknown>): Promise<WorkerError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkerError);
    return err as WorkerError;
  }
  throw new Error('expected a WorkerError');
}

/** Wait (bounded) until a condition about the fakes holds: the server learns of an abort asynchronously. */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

const started = (f: FakeJibri) => f.requestsTo('startService').filter((r) => r.status === 200);

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

describe('JibriWorker start', () => {
  it('a replacement (avoid) goes to another free Jibri, and to the avoided one only when no other is free', async () => {
    const jibris = await startFakes(2);
    const worker = makeWorker(jibris);
    const job = request();
    const firstId = await worker.start(job);
    await worker.stop(firstId);
    const first = jibris.find((j) => started(j).length === 1)!;
    const other = jibris.find((j) => j !== first)!;
    expect(started(other)).toHaveLength(0);

    const secondId = await worker.start({ ...job, avoid: [firstId] });
    expect(secondId).not.toBe(firstId);
    expect(started(other)).toHaveLength(1);
    expect(started(first)).toHaveLength(1);

    // The other one is busy now: a start that avoids the first Jibri still gets it.
    const next = request('another-room');
    await worker.start({ ...next, avoid: [firstId.replace(job.recordingId, next.recordingId)] });
    expect(started(first)).toHaveLength(2);
  });

  it('sends startService with exactly the documented body', async () => {
    const [jibri] = await startFakes(1);
    const worker = makeWorker([jibri!]);
    const req = request('weekly-sync');

    const workerId = await worker.start(req);

    expect(workerId).toBe(`${jibri!.url}#${req.recordingId}`);
    const [call] = jibri!.requestsTo('startService');
    expect(call!.method).toBe('POST');
    expect(call!.path).toBe('/jibri/api/v1.0/startService');
    expect(call!.headers['content-type']).toBe('application/json');
    expect(call!.body).toEqual({
      sessionId: req.recordingId,
      callParams: { callUrlInfo: { baseUrl: JITSI, callName: 'weekly-sync', urlParams: [expect.stringMatching(/^recorderUploadCapability=[A-Za-z0-9_-]{43}$/)] } },
      callLoginParams: XMPP,
      sinkType: 'file',
    });
    expect(jibri!.busyStatus).toBe('BUSY');
    expect(worker.kind).toBe('jibri');
  });

  it('encodes the room so it cannot add path segments or a fragment to the meeting URL', async () => {
    const [jibri] = await startFakes(1);
    const worker = makeWorker([jibri!]);
    await worker.start(request('Team Room#config.x=1/../y'));
    const body = jibri!.requestsTo('startService')[0]!.body as { callParams: { callUrlInfo: { callName: string } } };
    expect(body.callParams.callUrlInfo.callName).toBe('Team%20Room%23config.x%3D1%2F..%2Fy');
  });

  it('leaves callLoginParams out without XMPP settings, and reports Jibri refusing that as rejected', async () => {
    const [jibri] = await startFakes(1);
    const worker = makeWorker([jibri!], { JIBRI_XMPP_DOMAIN: '', JIBRI_XMPP_USERNAME: '', JIBRI_XMPP_PASSWORD: '' });

    const err = await workerError(worker.start(request()));

    expect(err.code).toBe('rejected');
    expect(err.message).toMatch(/Call login params missing/);
    const [call] = jibri!.requestsTo('startService');
    expect(call!.body).not.toHaveProperty('callLoginParams');
    expect(call!.status).toBe(412);
  });

  it('skips busy, unhealthy, expired and unreachable instances', async () => {
    const [busy, unhealthy, expired, down, idle] = await startFakes(5);
    busy!.takeByOther();
    unhealthy!.setUnhealthy();
    expired!.setExpired();
    await down!.down();
    const worker = makeWorker([busy!, unhealthy!, expired!, down!, idle!]);

    const workerId = await worker.start(request());

    expect(parseWorkerId(workerId)!.instanceKey).toBe(idle!.url);
    for (const f of [busy!, unhealthy!, expired!]) {
      expect(f.requestsTo('health')).toHaveLength(1);
      expect(f.requestsTo('startService')).toHaveLength(0);
    }
    expect(started(idle!)).toHaveLength(1);
  });

  it('answers unavailable when every instance is busy', async () => {
    const jibris = await startFakes(3);
    jibris.forEach((f) => f.takeByOther());
    const worker = makeWorker(jibris);

    const err = await workerError(worker.start(request()));

    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('no recorder available');
    expect(err.kind).toBe('jibri');
  });

  it('skips an instance that answers 412 although its health said IDLE (busy for another process)', async () => {
    const [taken, free] = await startFakes(2);
    taken!.busyAfterNextHealth();
    free!.setHealthDelay(150); // so the taken one answers first and is tried first
    const worker = makeWorker([taken!, free!]);

    const workerId = await worker.start(request());

    expect(taken!.requestsTo('startService').map((r) => r.status)).toEqual([412]);
    expect(parseWorkerId(workerId)!.instanceKey).toBe(free!.url);
    expect(started(free!)).toHaveLength(1);
    expect((await worker.poolStatus()).find((v) => v.key === taken!.url)!.reservedFor).toBeNull();
  });

  it('books each instance once when 20 starts race over 5 instances', async () => {
    const jibris = await startFakes(5);
    const worker = makeWorker(jibris, RACE_ENV);
    const requests = Array.from({ length: 20 }, () => request());

    const results = await Promise.allSettled(requests.map((r) => worker.start(r)));

    const ok = results.filter((r): r is PromiseFulfilledResult<string> => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(5);
    expect(failed).toHaveLength(15);
    for (const f of failed) {
      expect(f.reason).toBeInstanceOf(WorkerError);
      expect((f.reason as WorkerError).code).toBe('unavailable');
    }
    // The fakes' logs: one accepted startService each, none refused, five different sessions.
    for (const f of jibris) {
      expect(f.requestsTo('startService').map((r) => r.status)).toEqual([200]);
    }
    const sessions = jibris.map((f) => (f.requestsTo('startService')[0]!.body as { sessionId: string }).sessionId);
    expect(new Set(sessions).size).toBe(5);
    const instances = ok.map((r) => parseWorkerId(r.value)!);
    expect(new Set(instances.map((p) => p.instanceKey)).size).toBe(5);
    for (const p of instances) {
      const fake = jibris.find((f) => f.url === p.instanceKey)!;
      expect((fake.session as { sessionId: string }).sessionId).toBe(p.recordingId);
    }
  });

  it('shares reservations between two service processes on one database: no Jibri is asked twice', async () => {
    const jibris = await startFakes(5);
    const processA = makeWorker(jibris, RACE_ENV);
    const processB = makeWorker(jibris, RACE_ENV);
    const requests = Array.from({ length: 20 }, () => request());

    const results = await Promise.allSettled(requests.map((r, i) => (i % 2 ? processA : processB).start(r)));

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as WorkerError).code).toBe('unavailable');
    }
    // Not even a refused call: the shared reservation, not Jibri's 412, kept the others off.
    for (const f of jibris) expect(f.requestsTo('startService').map((r) => r.status)).toEqual([200]);
  });

  it("relies on Jibri's 412 between two service processes on separate databases", async () => {
    const jibris = await startFakes(3);
    const processA = makeWorker(jibris);
    const processB = makeWorker(jibris, {}, {}, otherDatabase);
    const requests = Array.from({ length: 10 }, () => request());

    const results = await Promise.allSettled(requests.map((r, i) => (i % 2 ? processA : processB).start(r)));

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as WorkerError).code).toBe('unavailable');
    }
    for (const f of jibris) expect(started(f)).toHaveLength(1);
  });

  it('keeps timeouts bounded: a hanging instance is given up and the others still serve', async () => {
    const [hung, idle] = await startFakes(2);
    hung!.hang();
    const worker = makeWorker([hung!, idle!]);

    const workerId = await worker.start(request());
    expect(parseWorkerId(workerId)!.instanceKey).toBe(idle!.url);

    const alone = makeWorker([hung!]);
    const err = await workerError(alone.start(request()));
    expect(err.code).toBe('unavailable');
    await eventually(() => hung!.requestsTo('health').every((r) => r.aborted));
  });

  it('fails with timeout when startService hangs, holding the instance until it shows idle', async () => {
    const [jibri] = await startFakes(1);
    jibri!.hang(['startService']);
    const worker = makeWorker([jibri!]);
    const req = request();

    const err = await workerError(worker.start(req));

    expect(err.code).toBe('timeout');
    expect((await worker.poolStatus())[0]!.reservedFor).toBe(req.recordingId);
    jibri!.unhang();
    // The instance is idle: nothing runs for this recording, and the instance is free again.
    await expect(worker.findByRecording(req)).resolves.toBeNull();
    expect((await worker.poolStatus())[0]!.reservedFor).toBeNull();
  });

  it('tries the next instance after a 500 and reports the failure when none took it', async () => {
    const [broken, idle] = await startFakes(2);
    broken!.fail500(['startService']);
    idle!.setHealthDelay(150);
    const worker = makeWorker([broken!, idle!]);

    const workerId = await worker.start(request());
    expect(parseWorkerId(workerId)!.instanceKey).toBe(idle!.url);

    const alone = makeWorker([broken!]);
    const err = await workerError(alone.start(request()));
    expect(err.code).toBe('rejected');
    expect(err.message).toMatch(/HTTP 500/);
  });

  it('answers not_configured without JITSI_BASE_URL', async () => {
    const [jibri] = await startFakes(1);
    const worker = makeWorker([jibri!], { RECORDING_WORKERS: '{"screen_recording":"livekit-video"}', JITSI_BASE_URL: '' });
    const err = await workerError(worker.start(request()));
    expect(err.code).toBe('not_configured');
    expect(jibri!.requests).toHaveLength(0);
  });
});

describe('JibriWorker stop, inspect, findByRecording', () => {
  it('stops on the instance that started the recording, and only there', async () => {
    const jibris = await startFakes(3);
    const worker = makeWorker(jibris);
    const first = await worker.start(request());
    const second = await worker.start(request());
    const target = jibris.find((f) => f.url === parseWorkerId(second)!.instanceKey)!;

    await expect(worker.stop(second)).resolves.toBe('stopped');

    for (const f of jibris) {
      expect(f.requestsTo('stopService')).toHaveLength(f === target ? 1 : 0);
    }
    expect(target.busyStatus).toBe('IDLE');
    await expect(worker.inspect(first)).resolves.toEqual({ state: 'active' });
    await expect(worker.inspect(second)).resolves.toEqual({ state: 'ended', outcome: 'complete' });
  });

  it('answers stopped when the meeting already ended on its own', async () => {
    const [jibri] = await startFakes(1);
    const worker = makeWorker([jibri!]);
    const req = request();
    const workerId = await worker.start(req);
    jibri!.finishOnItsOwn();

    await expect(worker.inspect(workerId)).resolves.toEqual({ state: 'ended', outcome: 'complete' });
    await expect(worker.stop(workerId)).resolves.toBe('stopped');
    await expect(worker.findByRecording(req)).resolves.toBeNull();
  });

  it('does not stop a later recording that got the same instance', async () => {
    const [jibri] = await startFakes(1);
    const worker = makeWorker([jibri!]);
    const old = await worker.start(request());
    jibri!.finishOnItsOwn();
    const next = await worker.start(request());
    expect(parseWorkerId(next)!.instanceKey).toBe(jibri!.url);

    await expect(worker.stop(old)).resolves.toBe('stopped');
    await expect(worker.inspect(old)).resolves.toEqual({ state: 'ended', outcome: 'complete' });
    expect(jibri!.requestsTo('stopService')).toHaveLength(0);
    expect(jibri!.busyStatus).toBe('BUSY');
  });

  it('types the failures of stop and maps an unreachable instance to unknown', async () => {
    const [jibri] = await startFakes(1);
    const worker = makeWorker([jibri!]);
    const workerId = await worker.start(request());

    jibri!.fail500(['stopService']);
    expect((await workerError(worker.stop(workerId))).code).toBe('rejected');
    jibri!.fail500(['stopService'], false);

    jibri!.hang(['health']);
    expect((await workerError(worker.stop(workerId))).code).toBe('timeout');
    await expect(worker.inspect(workerId)).resolves.toEqual({ state: 'unknown' });
    jibri!.unhang();

    await jibri!.down();
    expect((await workerError(worker.stop(workerId))).code).toBe('unreachable');
    await expect(worker.inspect(workerId)).resolves.toEqual({ state: 'unknown' });

    await jibri!.up();
    await expect(worker.inspect(workerId)).resolves.toEqual({ state: 'active' });
    await expect(worker.stop(workerId)).resolves.toBe('stopped');
    expect(jibri!.requestsTo('stopService').map((r) => r.status)).toEqual([500, 200]);
  });

  it('refuses worker ids it cannot place', async () => {
    const [jibri] = await startFakes(1);
    const worker = makeWorker([jibri!]);
    for (const bad of ['', 'garbage', `${jibri!.url}#`, '#abc', 'ftp://x#abc', `${jibri!.url}#a/b`, 'http://127.0.0.1:1#abc']) {
      expect((await workerError(worker.stop(bad))).code).toBe('not_found');
      expect((await workerError(worker.inspect(bad))).code).toBe('not_found');
    }
    expect(jibri!.requests).toHaveLength(0);
  });

  it('finds a running recording this process started, and nothing for others', async () => {
    const jibris = await startFakes(2);
    const worker = makeWorker(jibris);
    const req = request();
    const workerId = await worker.start(req);

    await expect(worker.findByRecording(req)).resolves.toBe(workerId);
    await expect(worker.findByRecording(request())).resolves.toBeNull();
    // Another process on the same database shares the pool's reservations, so it finds it too.
    await expect(makeWorker(jibris).findByRecording(req)).resolves.toBe(workerId);
    // One on another database knows nothing of it: Jibri's API does not say which session runs.
    await expect(makeWorker(jibris, {}, {}, otherDatabase).findByRecording(req)).resolves.toBeNull();
  });
});

describe('JibriWorker pool state shared through the database', () => {
  it('a stop sent through another process does not stop the later recording that took the instance', async () => {
    const [jibri] = await startFakes(1);
    const processA = makeWorker([jibri!]);
    const processB = makeWorker([jibri!]);
    const old = await processA.start(request());
    jibri!.finishOnItsOwn();
    const next = await processA.start(request());
    expect(parseWorkerId(next)!.instanceKey).toBe(jibri!.url);

    await expect(processB.stop(old)).resolves.toBe('stopped');
    await expect(processB.inspect(old)).resolves.toEqual({ state: 'ended', outcome: 'complete' });
    expect(jibri!.requestsTo('stopService')).toHaveLength(0);
    expect(jibri!.busyStatus).toBe('BUSY');

    // The stop of the running one, through B, reaches the instance.
    await expect(processB.inspect(next)).resolves.toEqual({ state: 'active' });
    await expect(processB.stop(next)).resolves.toBe('stopped');
    expect(jibri!.requestsTo('stopService')).toHaveLength(1);
    expect(jibri!.busyStatus).toBe('IDLE');
    expect((await processA.poolStatus())[0]!.reservedFor).toBeNull();
  });

  it('keeps reservations across a restart: the restarted process knows which recording holds the instance', async () => {
    const [jibri] = await startFakes(1);
    const before = makeWorker([jibri!]);
    const old = await before.start(request());
    jibri!.finishOnItsOwn();
    const holder = request();
    const current = await before.start(holder);

    const restarted = makeWorker([jibri!]); // a new process: nothing in memory
    expect((await restarted.poolStatus())[0]!.reservedFor).toBe(holder.recordingId);
    await expect(restarted.findByRecording(holder)).resolves.toBe(current);
    await expect(restarted.stop(old)).resolves.toBe('stopped');
    expect(jibri!.requestsTo('stopService')).toHaveLength(0);
    expect((jibri!.session as { sessionId: string }).sessionId).toBe(holder.recordingId);
  });

  it('gives an instance back when the start that reserved it never confirmed (the process died), after its lease', async () => {
    const [jibri] = await startFakes(1);
    const crashed = makeWorker([jibri!]);
    expect(await crashed.pool.tryReserve(jibri!.url, 'crashed-start', crashed.startDeadlineMs)).toBe(true);
    const [lease] = await database.dataSource.query(
      `SELECT round(extract(epoch FROM lease_until - reserved_at) * 1000)::int AS ms FROM jibri_instances WHERE key = $1`,
      [jibri!.url],
    );
    expect(lease.ms).toBe(crashed.startDeadlineMs);

    const other = makeWorker([jibri!]);
    expect((await workerError(other.start(request()))).code).toBe('unavailable');
    expect(jibri!.requestsTo('startService')).toHaveLength(0);

    // The lease runs out (moved into the past rather than waited for).
    await database.dataSource.query(`UPDATE jibri_instances SET lease_until = now() - interval '1 second' WHERE key = $1`, [jibri!.url]);
    expect((await other.poolStatus())[0]!.reservedFor).toBeNull();
    const workerId = await other.start(request());
    expect(parseWorkerId(workerId)!.instanceKey).toBe(jibri!.url);
    expect(started(jibri!)).toHaveLength(1);
  });

  it.each(['stop', 'inspect'] as const)(
    'a %s of an ended recording does not take the session a later start began between its look at the pool and its probe',
    async (call) => {
      const [jibri] = await startFakes(1);
      const processA = makeWorker([jibri!]);
      const processB = makeWorker([jibri!]);
      const old = await processA.start(request());
      jibri!.finishOnItsOwn(); // nobody was told: the old recording still holds the reservation
      // B's start is answered slowly, so it confirms only after A's probe answered.
      jibri!.setStartAnswerDelay(300);
      const later = request();
      let laterStart: Promise<string> | undefined;
      // A's probe is answered only once B's start took the instance (B's own probe answers at once).
      jibri!.beforeHealthAnswer = async () => {
        jibri!.beforeHealthAnswer = null;
        laterStart = processB.start(later);
        await eventually(() => (jibri!.session as { sessionId?: string } | null)?.sessionId === later.recordingId);
      };

      if (call === 'stop') await expect(processA.stop(old)).resolves.toBe('stopped');
      else await expect(processA.inspect(old)).resolves.toEqual({ state: 'ended', outcome: 'complete' });
      const current = await laterStart!;

      expect(jibri!.requestsTo('stopService')).toHaveLength(0);
      expect(jibri!.busyStatus).toBe('BUSY');
      expect((jibri!.session as { sessionId: string }).sessionId).toBe(later.recordingId);
      await expect(processA.inspect(current)).resolves.toEqual({ state: 'active' });
      expect((await processA.poolStatus())[0]!.reservedFor).toBe(later.recordingId);
    },
  );

  it('finds the session of a start whose process died after startService, also once its reservation lapsed', async () => {
    const jibris = await startFakes(2);
    const crashed = makeWorker(jibris);
    const req = request();
    // What the dying process did: reserve, then startService, and no confirmation.
    const instance = crashed.pool.instance(jibris[0]!.url)!;
    expect(await crashed.pool.tryReserve(instance.key, req.recordingId, crashed.startDeadlineMs)).toBe(true);
    await instance.client.startService({
      sessionId: req.recordingId,
      callParams: { callUrlInfo: { baseUrl: JITSI, callName: req.room } },
      sinkType: 'file',
      callLoginParams: XMPP,
    });
    // The reconciler looks after the start's lease, which outlasts the reservation's.
    await database.dataSource.query(`UPDATE jibri_instances SET lease_until = now() - interval '1 second' WHERE key = $1`, [instance.key]);
    const other = makeWorker(jibris);
    expect((await other.poolStatus()).find((v) => v.key === instance.key)!.reservedFor).toBeNull();

    const found = await other.findByRecording(req);
    expect(found).not.toBeNull();
    expect(parseWorkerId(found!)).toEqual({ instanceKey: instance.key, recordingId: req.recordingId });
    await expect(other.findByRecording(request())).resolves.toBeNull();
    // Found, it can be stopped (the reconciler does so for a start it failed).
    await expect(other.stop(found!)).resolves.toBe('stopped');
    expect(jibris[0]!.busyStatus).toBe('IDLE');

    // Once the instance is idle again, or another recording reserved it, the lapsed one names nothing.
    await expect(other.findByRecording(req)).resolves.toBeNull();
    const next = await other.start(request());
    expect(parseWorkerId(next)!.instanceKey).toBeDefined();
    await expect(other.findByRecording(req)).resolves.toBeNull();
  });

  it('makes the rows again when someone emptied the pool table', async () => {
    const jibris = await startFakes(2);
    const worker = makeWorker(jibris);
    await worker.start(request());
    await database.dataSource.query('DELETE FROM jibri_instances');

    const workerId = await worker.start(request());
    expect(new Set(jibris.flatMap((f) => (started(f).length ? [f.url] : [])))).toEqual(new Set(jibris.map((f) => f.url)));
    expect((await worker.poolStatus()).find((v) => v.key === parseWorkerId(workerId)!.instanceKey)!.reservedFor).toBe(parseWorkerId(workerId)!.recordingId);
  });

  it('a status webhook received by one process is seen by the other: pool membership and the session it names', async () => {
    const jibris = await startFakes(2, { ids: true });
    const env = { JIBRI_IDS: 'jibri-1,jibri-2' };
    const receiver = makeWorker(jibris, env);
    const other = makeWorker(jibris, env);

    jibris[1]!.setExpired();
    await receiver.reportStatus(jibris[1]!.url, { busyStatus: 'EXPIRED', healthStatus: 'HEALTHY' });
    expect((await other.poolStatus()).map((v) => v.inPool)).toEqual([true, false]);

    // A session of someone else runs where our recording ran: the webhook to one process names it,
    // and the other then neither reports our recording active nor stops that session.
    const workerId = await other.start(request());
    const recorder = jibris.find((f) => f.url === parseWorkerId(workerId)!.instanceKey)!;
    expect(recorder).toBe(jibris[0]);
    recorder.finishOnItsOwn();
    recorder.takeByOther('other-session');
    await receiver.reportStatus(recorder.url, { busyStatus: 'BUSY', healthStatus: 'HEALTHY', sessionId: 'other-session' });

    await expect(other.inspect(workerId)).resolves.toEqual({ state: 'ended', outcome: 'complete' });
    await expect(other.stop(workerId)).resolves.toBe('stopped');
    expect(recorder.requestsTo('stopService')).toHaveLength(0);
    expect((recorder.session as { sessionId: string }).sessionId).toBe('other-session');
  });
});

describe('JibriWorker pool view and status webhook', () => {
  /** A stand-in for the service's webhook endpoint: feeds what Jibri posts into the worker. */
  async function webhookReceiver(worker: JibriWorker) {
    const received: unknown[] = [];
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const event = req.url === '/hooks/jibri/v1/status' ? parseJibriStatusEvent(JSON.parse(raw)) : null;
        received.push(event);
        const key = event && worker.instanceKeyForJibriId(event.jibriId);
        const recorded = event && key ? worker.reportStatus(key, event) : Promise.resolve(false);
        void recorded.then((ok) => res.writeHead(ok ? 200 : 400).end());
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/jibri`;
    return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it('maps jibriId through JIBRI_IDS and takes UNHEALTHY or EXPIRED instances out of the pool', async () => {
    const jibris = await startFakes(2, { ids: true });
    const worker = makeWorker(jibris, { JIBRI_IDS: 'jibri-1,jibri-2' });
    const hook = await webhookReceiver(worker);
    try {
      expect(worker.instanceKeyForJibriId('jibri-2')).toBe(jibris[1]!.url);
      expect(worker.instanceKeyForJibriId('jibri-9')).toBeNull();

      jibris[0]!.setUnhealthy();
      expect(await jibris[0]!.postStatus(hook.url)).toBe(200);
      jibris[1]!.setExpired();
      expect(await jibris[1]!.postStatus(hook.url)).toBe(200);

      expect(hook.received[0]).toEqual({ jibriId: 'jibri-1', busyStatus: 'IDLE', healthStatus: 'UNHEALTHY' });
      expect((await worker.poolStatus()).map((v) => v.inPool)).toEqual([false, false]);
      expect((await workerError(worker.start(request()))).code).toBe('unavailable');

      // Back to healthy: a webhook brings one back, a health probe the other.
      jibris[0]!.setUnhealthy(false);
      await jibris[0]!.postStatus(hook.url);
      expect((await worker.poolStatus())[0]!.inPool).toBe(true);
      jibris[1]!.setExpired(false);
      const a = await worker.start(request());
      const b = await worker.start(request());
      expect(new Set([parseWorkerId(a)!.instanceKey, parseWorkerId(b)!.instanceKey])).toEqual(new Set(jibris.map((f) => f.url)));
      expect((await worker.poolStatus()).every((v) => v.inPool && v.busyStatus === 'BUSY')).toBe(true);
    } finally {
      await hook.close();
    }
  });

  it('frees an instance when its webhook says IDLE after the session, and tracks a reported sessionId', async () => {
    const [jibri] = await startFakes(1);
    const worker = makeWorker([jibri!], {}, { webhookGraceMs: 0 });
    const hook = await webhookReceiver(worker);
    try {
      // Without JIBRI_IDS, a jibriId equal to the instance's host name is accepted.
      const byHost = worker.instanceKeyForJibriId('127.0.0.1');
      expect(byHost).toBe(jibri!.url);

      const req = request();
      const workerId = await worker.start(req);
      expect((await worker.poolStatus())[0]!.reservedFor).toBe(req.recordingId);
      jibri!.finishOnItsOwn();
      const reported = await fetch(`${hook.url}/v1/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jibriId: '127.0.0.1', status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY', details: {} } } }),
      });
      expect(reported.status).toBe(200);
      expect((await worker.poolStatus())[0]!.reservedFor).toBeNull();

      // Another session runs there now (another process); the webhook names it.
      jibri!.takeByOther('other-session');
      await worker.reportStatus(jibri!.url, { busyStatus: 'BUSY', healthStatus: 'HEALTHY', sessionId: 'other-session' });
      await expect(worker.inspect(workerId)).resolves.toEqual({ state: 'ended', outcome: 'complete' });
      await expect(worker.stop(workerId)).resolves.toBe('stopped');
      expect(jibri!.requestsTo('stopService')).toHaveLength(0);
    } finally {
      await hook.close();
    }
  });

  it('reads only well-formed webhook bodies', async () => {
    const good = { jibriId: 'j1', status: { busyStatus: 'BUSY', health: { healthStatus: 'HEALTHY', details: {} } } };
    expect(parseJibriStatusEvent(good)).toEqual({ jibriId: 'j1', busyStatus: 'BUSY', healthStatus: 'HEALTHY' });
    expect(parseJibriStatusEvent({ ...good, sessionId: 's1' })).toMatchObject({ sessionId: 's1' });
    for (const bad of [
      null,
      'x',
      [],
      { status: good.status },
      { jibriId: '', status: good.status },
      { jibriId: 'j1', status: { busyStatus: 'NAPPING', health: { healthStatus: 'HEALTHY' } } },
      { jibriId: 'j1', status: { busyStatus: 'IDLE', health: { healthStatus: 'OK' } } },
      { jibriId: 'j1', status: { busyStatus: 'IDLE' } },
    ]) {
      expect(parseJibriStatusEvent(bad)).toBeNull();
    }
    const worker = makeWorker([]);
    await expect(worker.reportStatus('http://nowhere:2222', { busyStatus: 'IDLE', healthStatus: 'HEALTHY' })).resolves.toBe(false);
  });

  it('rejects JIBRI_IDS that do not match JIBRI_URLS', () => {
    expect(() =>
      loadConfig({ JIBRI_URLS: 'http://a:2222,http://b:2222', JIBRI_IDS: 'only-one', JITSI_BASE_URL: JITSI }),
    ).toThrow(/^JIBRI_IDS: /);
    expect(() =>
      loadConfig({ JIBRI_URLS: 'http://a:2222,http://b:2222', JIBRI_IDS: 'same,same', JITSI_BASE_URL: JITSI }),
    ).toThrow(/^JIBRI_IDS: /);
  });
});
