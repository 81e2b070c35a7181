import { randomUUID } from 'node:crypto';
import { eventually, minioFixture, postStorageEvent, queryDb, jobsSettled } from './helpers/flow';
import { startTestService, type TestService } from './helpers/service';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp';

const COUNT = 40;
let a: TestService;
let b: TestService;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  const env = {
    ...smtp.env,
    AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_S3_ACCESS_KEY_ID: 'x',
    AWS_S3_SECRET_ACCESS_KEY: 'y',
    AWS_STORAGE_BUCKET_NAME: 'meet-media-storage',
    EMAIL_POLL_INTERVAL_MS: '20',
    RECONCILE_INTERVAL_MS: '50',
    RECONCILE_STOPPED_GRACE_MS: '0',
  };
  a = await startTestService(env);
  // A second instance on the same database: both run the outbox sender and the reconciler.
  b = await startTestService(env, a.db);
});
afterAll(async () => {
  await b?.close({ keepDatabase: true });
  await a?.close();
  await smtp?.stop();
});

it('two instances on one database share the outbox: every email sent exactly once', async () => {
  const ids = Array.from({ length: COUNT }, () => randomUUID());
  await queryDb(
    a.db.url,
    `INSERT INTO recordings (id, room, mode, status, worker_kind, worker_id)
     SELECT id, 'multi-' || n, 'screen_recording', 'stopped', 'livekit-video', 'EG_' || n
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
    [ids],
  );
  await queryDb(
    a.db.url,
    `INSERT INTO recording_accesses (id, recording_id, user_sub, role, email)
     SELECT gen_random_uuid(), id, 'u-' || id, 'owner', 'owner-' || id || '@example.org' FROM unnest($1::uuid[]) AS t(id)`,
    [ids],
  );
  // Each event is delivered twice, once to each instance, concurrently (MinIO retrying through a load balancer).
  await Promise.all(
    ids.flatMap((id) => [a, b].map((svc) => postStorageEvent(svc.url, minioFixture('put-recording.json', id)))),
  );
  await eventually(async () => {
    const [row] = await queryDb<{ n: number }>(a.db.url, "SELECT count(*)::int AS n FROM recordings WHERE status = 'notification_succeeded'");
    return row!.n === COUNT;
  }, 20_000, 'all notified');
  await jobsSettled(a.db.url, 'email.%');
  const perRecipient = new Map<string, number>();
  for (const m of smtp.messages) for (const to of m.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
  expect(perRecipient.size).toBe(COUNT);
  expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
  expect(smtp.messages).toHaveLength(COUNT);
});
