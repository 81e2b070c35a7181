import request from 'supertest';
import { eventually } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { createTestDatabase } from './helpers/pg';
import { bearer, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, type TestUser } from './helpers/service';
import { killAllServiceProcesses, serviceProcess } from './helpers/service-process';

/**
 * An instance SIGKILLed in the middle of a reconcile pass (the pass is the one row that cycles
 * in `jobs`, leased to the instance running it) holds up reconciling on every instance until
 * that lease ends. It must be short: here, an instance killed while its pass waits on LiveKit,
 * restarted, looks at its recordings again within the lease (30 s), not ten minutes later.
 */

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

    await svc.start();
    // Well before the ten minutes the pass used to be leased for.
    await eventually(async () => looks() > 1, 45_000, 'a reconcile pass after the restart');
  } finally {
    await svc.kill();
    await livekit.close();
    await db.drop();
  }
}, 120_000);
