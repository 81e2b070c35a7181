import request from 'supertest';
import { loadSettings } from '../src/config/config';
import { eventually } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { createTestDatabase } from './helpers/pg';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, type TestUser } from './helpers/service';
import { killAllServiceProcesses, serviceProcess } from './helpers/service-process';

/**
 * An instance SIGKILLed in the middle of a reconcile pass (the pass is the one row that cycles
 * in `jobs`, leased to the instance running it) holds up reconciling on every instance until
 * that lease ends. It must be short: here, an instance killed while its pass waits on LiveKit,
 * restarted, looks at its recordings again once the lease is over, not ten minutes later. The
 * process runs with a 3 s lease (RECONCILE_LEASE_MS) so the test does not wait out the default.
 */

const LEASE_MS = 3000;

it('leases the reconcile pass for 30 s by default', () => {
  expect(loadSettings({}, 'reconcile').reconcile.leaseMs).toBe(30_000);
});

afterAll(() => killAllServiceProcesses());

const owner: TestUser = { sub: 'rc-owner', rooms: { 'rc-room': 'owner' } };

it('reconciles again soon after an instance was killed mid-pass', async () => {
  const { livekit, env } = await startFakeLivekit();
  const db = await createTestDatabase();
  const svc = await serviceProcess({
    ...env,
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    // The pass's call to LiveKit hangs far longer than the test: only the kill ends it.
    WORKER_TIMEOUT_MS: '120000',
    RECONCILE_INTERVAL_MS: '250',
    RECONCILE_LEASE_MS: String(LEASE_MS),
    ROOM_RECONCILE_INTERVAL_MS: '0',
  });
  try {
    await svc.start();
    const start = await request(svc.url).post('/api/v1.0/rooms/rc-room/start-recording/').set(bearer(owner)).send({ mode: 'screen_recording' });
    expect(start.status).toBe(201);
    const looks = () => livekit.requests.filter((r) => r.method === 'ListEgress').length;
    // The next pass looks at the active recording: that ListEgress never answers.
    livekit.injectFault({ type: 'hang' }, { method: 'ListEgress' });
    await eventually(async () => looks() === 1, 15_000, 'the pass to reach LiveKit');
    await svc.kill();
    const killedAt = Date.now();

    await svc.start();
    // Once the lease is over, well before the ten minutes the pass used to be leased for.
    await eventually(async () => looks() > 1, 30_000, 'a reconcile pass after the restart');
    // Not before: the killed pass's claim held (renewed every third of the lease while it ran).
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual((2 * LEASE_MS) / 3 - 300);
  } finally {
    await svc.kill();
    await livekit.close();
    await db.drop();
  }
}, 60_000);
