/**
 * bench/storage-hook: 1,000 MinIO events for 1,000 stopped recordings, posted as fast as the
 * hook takes them (32 in flight) to one service process on real PostgreSQL, with a real SMTP
 * server receiving the emails. Prints events/s, p50/p99 latency and the time until all emails
 * arrived. Needs PostgreSQL (scripts/test.sh sets it up): TEST_PG_ADMIN_URL or the default below.
 *   npx tsx bench/storage-hook.ts [count]
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { startSmtpServer } from '../test/helpers/smtp';
import { startTestService, TEST_STORAGE_TOKEN } from '../test/helpers/service';
import { minioFixture } from '../test/helpers/flow';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
const COUNT = Number(process.argv[2] ?? 1000);
const IN_FLIGHT = 32;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const smtp = await startSmtpServer();
  const svc = await startTestService({
    ...smtp.env,
    AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_S3_ACCESS_KEY_ID: 'bench',
    AWS_S3_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_STORAGE_BUCKET_NAME: 'meet-media-storage',
    EMAIL_POLL_INTERVAL_MS: '200',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '0',
  });
  try {
    // 1,000 stopped recordings, each with one owner who has an email address.
    const ids = Array.from({ length: COUNT }, () => randomUUID());
    const db = new Client({ connectionString: svc.db.url });
    await db.connect();
    await db.query(
      `INSERT INTO recordings (id, room, mode, status, worker_kind, worker_id)
       SELECT id, 'bench-' || n, 'screen_recording', 'stopped', 'livekit-video', 'EG_' || n
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
      [ids],
    );
    await db.query(
      `INSERT INTO recording_accesses (id, recording_id, user_sub, role, email, locale, zoneinfo)
       SELECT gen_random_uuid(), id, 'user-' || id, 'owner', 'owner-' || id || '@example.org', 'fr-FR', 'Europe/Paris'
         FROM unnest($1::uuid[]) AS t(id)`,
      [ids],
    );
    const bodies = ids.map((id) => JSON.stringify(minioFixture('put-recording.json', id)));
    const url = `${svc.url}/api/v1.0/recordings/storage-hook/`;

    const latencies: number[] = [];
    let next = 0;
    let failures = 0;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const t0 = performance.now();
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_STORAGE_TOKEN}` },
            body,
          });
          const answer = (await res.json()) as { message?: string };
          latencies.push(performance.now() - t0);
          if (res.status !== 200 || answer.message !== 'Event processed.') failures += 1;
        }
      }),
    );
    const acceptedMs = performance.now() - began;
    await smtp.waitForMessages(COUNT, 300_000);
    const emailsMs = performance.now() - began;
    let rows: { n: number }[] = [];
    for (let i = 0; i < 100; i++) {
      rows = (await db.query("SELECT count(*)::int AS n FROM recordings WHERE status = 'notification_succeeded'")).rows;
      if (rows[0]!.n >= COUNT) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await db.end();

    latencies.sort((a, b) => a - b);
    const recipients = new Set(smtp.messages.flatMap((m) => m.to));
    console.log(`storage-hook bench: ${COUNT} events, ${IN_FLIGHT} in flight, one service process, PostgreSQL 15, ${require('node:os').cpus().length} cores`);
    console.log(`  accepted:        ${(COUNT / (acceptedMs / 1000)).toFixed(0)} events/s (${(acceptedMs / 1000).toFixed(2)} s), failures ${failures}`);
    console.log(`  latency:         p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    console.log(`  all emails in:   ${(emailsMs / 1000).toFixed(2)} s after the first event (${smtp.messages.length} messages, ${recipients.size} distinct recipients)`);
    console.log(`  notified:        ${rows[0].n} recordings notification_succeeded`);
  } finally {
    await svc.close();
    await smtp.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
