/**
 * bench/load: N rooms (default 50) each looping start-recording -> stop-recording -> storage
 * event for D seconds (default 60) against ONE service process (src/main.ts, spawned), with the
 * fake LiveKit answering the egress calls and a real SMTP server receiving the emails. Prints
 * requests/s, p50/p99 latency per endpoint, and the final count check once the outbox has
 * drained: every stopped recording saved and notified exactly once (emails counted per
 * recording id at the SMTP server, statuses read from the database).
 * Needs PostgreSQL (scripts/test.sh sets it up): TEST_PG_ADMIN_URL or the default below; a
 * throwaway database is created and dropped. Everything listens on 127.0.0.1.
 *   npx tsx bench/load.ts [seconds=60] [rooms=50]
 */
import os from 'node:os';
import { Client } from 'pg';
import { startFakeLivekit } from '../test/helpers/livekit-env';
import { minioFixture } from '../test/helpers/flow';
import { createTestDatabase } from '../test/helpers/pg';
import { tokenFor, TEST_STORAGE_TOKEN } from '../test/helpers/service';
import { serviceProcess } from '../test/helpers/service-process';
import { startSmtpServer } from '../test/helpers/smtp';
import { drainJobs, EmailTally, FIXTURE_ID, line, loadServiceEnv, sleep, TimedClient } from './load-common';

const SECONDS = Number(process.argv[2] ?? 60);
const ROOMS = Number(process.argv[3] ?? 50);
const DRAIN_TIMEOUT_MS = 180_000;
const ENDPOINTS = ['start', 'stop', 'storage-hook'] as const;

async function main(): Promise<void> {
  if (!(SECONDS > 0) || !(ROOMS > 0)) throw new Error('usage: npx tsx bench/load.ts [seconds>0] [rooms>0]');
  const { livekit, env: livekitEnv } = await startFakeLivekit();
  const smtp = await startSmtpServer();
  const db = await createTestDatabase();
  const svc = await serviceProcess({
    ...livekitEnv,
    ...smtp.env,
    ...loadServiceEnv(),
    DATABASE_URL: db.url,
    // Egress uploads go nowhere here: the bench posts the storage events itself.
    AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_STORAGE_BUCKET_NAME: 'meet-media-storage',
    WORKER_TIMEOUT_MS: '5000',
  }, {
    // BENCH_CPU_PROF_DIR=/some/dir writes a V8 CPU profile of the service when it shuts down.
    nodeArgs: process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [],
  });
  const pg = new Client({ connectionString: db.url });
  try {
    await svc.start();
    await pg.connect();

    const emails = new EmailTally(smtp);
    emails.start();
    const ownerOf = new Map<string, string>();
    const fixture = JSON.stringify(minioFixture('put-recording.json'));
    const client = new TimedClient(svc.url, ENDPOINTS);
    const call = client.post.bind(client);
    const failures: Record<string, number> = {};
    const stopped: string[] = [];
    const failed = (what: string) => {
      failures[what] = (failures[what] ?? 0) + 1;
    };

    const deadline = performance.now() + SECONDS * 1000;
    const began = performance.now();
    const loop = async (k: number) => {
      const room = `load-room-${k}`;
      const email = `load-owner-${k}@example.org`;
      const token = tokenFor(
        { sub: `load-owner-${k}`, email, locale: 'en', rooms: { [room]: 'owner' } },
        { expiresIn: SECONDS + 600 },
      );
      while (performance.now() < deadline) {
        const start = await call('start', `/api/v1.0/rooms/${room}/start-recording/`, token, '{"mode":"screen_recording"}');
        if (start.status !== 201) {
          failed(`start ${start.status}`);
          await sleep(100);
          continue;
        }
        const id = String(start.json.id);
        ownerOf.set(id, email);
        // Whatever the deadline says, a started recording is taken to its end (stop and event).
        const stop = await call('stop', `/api/v1.0/rooms/${room}/stop-recording/`, token);
        if (stop.status !== 200) {
          failed(`stop ${stop.status}`);
          await sleep(100);
          continue;
        }
        stopped.push(id);
        const event = await call('storage-hook', '/api/v1.0/recordings/storage-hook/', TEST_STORAGE_TOKEN, fixture.split(FIXTURE_ID).join(id));
        if (event.status !== 200 || event.json.message !== 'Event processed.') failed(`storage-hook ${event.status} ${String(event.json.message ?? event.json.detail ?? '')}`);
      }
    };
    await Promise.all(Array.from({ length: ROOMS }, (_, k) => loop(k)));
    const loadSeconds = (performance.now() - began) / 1000;

    // Drain: wait until every stopped recording is notification_succeeded (or the outbox gives up).
    const drain = await drainJobs(pg, ['email.recording-saved'], DRAIN_TIMEOUT_MS);
    // The last email may still be in the SMTP server's parser when its row turns `sent`.
    await sleep(300);
    emails.stop();

    const statuses = (
      await pg.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM recordings GROUP BY status ORDER BY status')
    ).rows;
    const notifications = (
      await pg.query<{ status: string; n: number; retried: number }>(
        "SELECT status, count(*)::int AS n, count(*) FILTER (WHERE attempts > 1)::int AS retried FROM jobs WHERE kind = 'email.recording-saved' GROUP BY status",
      )
    ).rows;
    const notified = (
      await pg.query<{ n: number }>("SELECT count(*)::int AS n FROM recordings WHERE id = ANY($1::uuid[]) AND status = 'notification_succeeded'", [stopped])
    ).rows[0]!.n;

    const { missing, duplicated, resent, wrongRecipient, unattributable } = emails.check(
      new Map(stopped.map((id) => [id, ownerOf.get(id)!])),
      new Set(ownerOf.keys()),
    );
    const total = client.total;
    const failureCount = Object.values(failures).reduce((n, c) => n + c, 0);
    const ok = notified === stopped.length && missing === 0 && duplicated === 0 && resent === 0 && wrongRecipient === 0 && unattributable === 0 && failureCount === 0;

    console.log(
      `load bench: ${ROOMS} rooms x (start -> stop -> storage event) for ${SECONDS} s; one service process (node --import tsx src/main.ts), ` +
        `PostgreSQL 15, fake LiveKit, real SMTP; ${os.cpus().length} cores, loopback`,
    );
    line('requests', `${total} in ${loadSeconds.toFixed(1)} s = ${(total / loadSeconds).toFixed(0)} requests/s; ${stopped.length} recordings started and stopped (${(stopped.length / loadSeconds).toFixed(1)}/s)`);
    client.printLatencies();
    line('failed requests', failureCount === 0 ? '0' : JSON.stringify(failures));
    line(
      'outbox',
      `${drain.atStart} emails still queued when the load ended, drained ${drain.seconds.toFixed(1)} s later (${drain.left} left); ` +
        `${(emails.received / (loadSeconds + drain.seconds)).toFixed(1)} emails/s over the whole run`,
    );
    line('recording statuses', statuses.map((r) => `${r.status} ${r.n}`).join(', '));
    line('notifications', notifications.map((r) => `${r.status} ${r.n} (retried ${r.retried})`).join(', '));
    line('emails', `${emails.received} received; per stopped recording: missing ${missing}, duplicated ${duplicated}, resent ${resent}; wrong recipient ${wrongRecipient}; unattributable ${unattributable}`);
    line('LiveKit calls', ['StartRoomCompositeEgress', 'StopEgress', 'ListEgress'].map((m) => `${m} ${livekit.requestsFor(m).length}`).join(', '));
    line(
      'count check',
      `${ok ? 'PASS' : 'FAIL'}: ${notified}/${stopped.length} stopped recordings notification_succeeded, each notified exactly once`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await pg.end().catch(() => undefined);
    await svc.stop();
    await livekit.close();
    await smtp.stop();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
