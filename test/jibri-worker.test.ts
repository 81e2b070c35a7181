import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config/config';
import { WorkerError, type StartRequest } from '../src/recording/workers/worker-service';
import { JibriWorker } from '../src/recording/workers/jibri/jibri-worker';
import { parseJibriStatusEvent } from '../src/recording/workers/jibri/jibri-api';
import { parseWorkerId } from '../src/recording/workers/jibri/worker-id';
import { FakeJibri } from './fakes/jibri-server';

const JITSI = 'https://meet.example.org';
const XMPP = { domain: 'recorder.meet.example.org', username: 'recorder', password: 'recorder-secret' };
const TIMEOUT_MS = 400;

const fakes: FakeJibri[] = [];

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
  options: ConstructorParameters<typeof JibriWorker>[1] = {},
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
  return new JibriWorker(config, options);
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
      callParams: { callUrlInfo: { baseUrl: JITSI, callName: 'weekly-sync' } },
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
    expect(worker.poolStatus().find((v) => v.key === taken!.url)!.reservedFor).toBeNull();
  });

  it('books each instance once when 20 starts race over 5 instances', async () => {
    const jibris = await startFakes(5);
    // 100 health probes and the starts at once: a roomy timeout, so a loaded machine is not "no answer".
    const worker = makeWorker(jibris, { WORKER_TIMEOUT_MS: '5000' });
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

  it("relies on Jibri's 412 between two service processes", async () => {
    const jibris = await startFakes(3);
    const processA = makeWorker(jibris);
    const processB = makeWorker(jibris);
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
    expect(worker.poolStatus()[0]!.reservedFor).toBe(req.recordingId);
    jibri!.unhang();
    // The instance is idle: nothing runs for this recording, and the instance is free again.
    await expect(worker.findByRecording(req)).resolves.toBeNull();
    expect(worker.poolStatus()[0]!.reservedFor).toBeNull();
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
    // Another process knows nothing of it: Jibri's API does not say which session runs.
    await expect(makeWorker(jibris).findByRecording(req)).resolves.toBeNull();
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
        res.writeHead(event && key && worker.reportStatus(key, event) ? 200 : 400).end();
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
      expect(worker.poolStatus().map((v) => v.inPool)).toEqual([false, false]);
      expect((await workerError(worker.start(request()))).code).toBe('unavailable');

      // Back to healthy: a webhook brings one back, a health probe the other.
      jibris[0]!.setUnhealthy(false);
      await jibris[0]!.postStatus(hook.url);
      expect(worker.poolStatus()[0]!.inPool).toBe(true);
      jibris[1]!.setExpired(false);
      const a = await worker.start(request());
      const b = await worker.start(request());
      expect(new Set([parseWorkerId(a)!.instanceKey, parseWorkerId(b)!.instanceKey])).toEqual(new Set(jibris.map((f) => f.url)));
      expect(worker.poolStatus().every((v) => v.inPool && v.busyStatus === 'BUSY')).toBe(true);
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
      expect(worker.poolStatus()[0]!.reservedFor).toBe(req.recordingId);
      jibri!.finishOnItsOwn();
      const reported = await fetch(`${hook.url}/v1/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jibriId: '127.0.0.1', status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY', details: {} } } }),
      });
      expect(reported.status).toBe(200);
      expect(worker.poolStatus()[0]!.reservedFor).toBeNull();

      // Another session runs there now (another process); the webhook names it.
      jibri!.takeByOther('other-session');
      worker.reportStatus(jibri!.url, { busyStatus: 'BUSY', healthStatus: 'HEALTHY', sessionId: 'other-session' });
      await expect(worker.inspect(workerId)).resolves.toEqual({ state: 'ended', outcome: 'complete' });
      await expect(worker.stop(workerId)).resolves.toBe('stopped');
      expect(jibri!.requestsTo('stopService')).toHaveLength(0);
    } finally {
      await hook.close();
    }
  });

  it('reads only well-formed webhook bodies', () => {
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
    expect(worker.reportStatus('http://nowhere:2222', { busyStatus: 'IDLE', healthStatus: 'HEALTHY' })).toBe(false);
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
