/**
 * bench/webhooks: webhook fan-out. 1,000 stopped recordings saved through the storage hook
 * (32 in flight) with two webhook endpoints: each save queues recording.ready for both, so
 * 2,000 signed deliveries go out (plus the emails, as in production). Prints deliveries/s and
 * the time until the last delivery arrived, and the storage hook's events/s with webhooks on
 * vs off in the same run (alternating off/on rounds on fresh databases; aim: on costs ≤ 15%).
 * Needs PostgreSQL (scripts/test.sh sets it up): TEST_PG_ADMIN_URL or the default below.
 *   npx tsx bench/webhooks.ts [count=1000] [rounds=2]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { minioFixture } from '../test/helpers/flow';
import { startS3Server, s3Env, type TestS3 } from '../test/helpers/s3';
import { startTestService, TEST_STORAGE_TOKEN } from '../test/helpers/service';
import { startSmtpServer, type TestSmtpServer } from '../test/helpers/smtp';
import { newWebhookSecret } from '../test/helpers/webhook-receiver';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
const COUNT = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 2);
const IN_FLIGHT = 32;

/** A bare endpoint that counts deliveries (and verifies a sample of them, so signing is checked). */
async function countingEndpoint(secret: string): Promise<{ url: string; count: () => number; lastAt: () => number; bad: () => number; close: () => Promise<void> }> {
  const verifier = new Webhook(secret);
  let count = 0;
  let bad = 0;
  let lastAt = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (count % 50 === 0) {
        try {
          verifier.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
        } catch {
          bad += 1;
        }
      }
      count += 1;
      lastAt = performance.now();
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    count: () => count,
    lastAt: () => lastAt,
    bad: () => bad,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

interface Round {
  webhooks: boolean;
  eventsPerSecond: number;
  deliveriesPerSecond?: number;
  drainSeconds?: number;
  bad?: number;
}

async function round(smtp: TestSmtpServer, s3: TestS3, webhooks: boolean): Promise<Round> {
  const secret = newWebhookSecret();
  const endpoints = webhooks ? [await countingEndpoint(secret), await countingEndpoint(secret)] : [];
  smtp.clear();
  const svc = await startTestService({
    ...smtp.env,
    // s3rver: the retention-tag job each save queues finds no file and is done in one request, in both modes.
    ...s3Env(s3),
    JOBS_POLL_INTERVAL_MS: '200',
    // JOBS_CONCURRENCY=20 npx tsx bench/webhooks.ts: more deliveries in flight per instance.
    ...(process.env.JOBS_CONCURRENCY ? { JOBS_CONCURRENCY: process.env.JOBS_CONCURRENCY } : {}),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '0',
    ...(webhooks ? { WEBHOOK_URLS: endpoints.map((e) => e.url).join(','), WEBHOOK_SECRET: secret, WEBHOOK_EVENTS: 'recording.ready' } : {}),
  });
  try {
    const ids = Array.from({ length: COUNT }, () => randomUUID());
    const db = new Client({ connectionString: svc.db.url });
    await db.connect();
    await db.query(
      `INSERT INTO recordings (id, room, mode, status, worker_kind, worker_id)
       SELECT id, 'bench-' || n, 'screen_recording', 'stopped', 'livekit-video', 'EG_' || n FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
      [ids],
    );
    await db.query(
      `INSERT INTO recording_accesses (id, recording_id, user_sub, role, email) SELECT gen_random_uuid(), id, 'user-' || id, 'owner', 'o-' || id || '@example.org' FROM unnest($1::uuid[]) AS t(id)`,
      [ids],
    );
    await db.query(
      `INSERT INTO recording_files (recording_id, relative_key, kind, content_type) SELECT id, id || '.mp4', 'composite', 'video/mp4' FROM unnest($1::uuid[]) AS t(id)`,
      [ids],
    );
    await db.end();
    const bodies = ids.map((id) => JSON.stringify(minioFixture('put-recording.json', id)));
    const url = `${svc.url}/api/v1.0/recordings/storage-hook/`;
    let next = 0;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < bodies.length) {
          const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_STORAGE_TOKEN}` }, body: bodies[next++]! });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`storage hook answered ${res.status}`);
        }
      }),
    );
    const acceptedMs = performance.now() - began;
    const result: Round = { webhooks, eventsPerSecond: COUNT / (acceptedMs / 1000) };
    if (webhooks) {
      const deadline = Date.now() + 300_000;
      while (endpoints.reduce((n, e) => n + e.count(), 0) < COUNT * 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const delivered = endpoints.reduce((n, e) => n + e.count(), 0);
      const drainMs = Math.max(...endpoints.map((e) => e.lastAt())) - began;
      result.deliveriesPerSecond = delivered / (drainMs / 1000);
      result.drainSeconds = drainMs / 1000;
      result.bad = endpoints.reduce((n, e) => n + e.bad(), 0);
      if (delivered !== COUNT * 2) throw new Error(`only ${delivered} of ${COUNT * 2} deliveries arrived`);
    }
    await smtp.waitForMessages(COUNT, 300_000);
    return result;
  } finally {
    await svc.close();
    for (const e of endpoints) await e.close();
  }
}

async function main(): Promise<void> {
  const smtp = await startSmtpServer();
  const s3 = await startS3Server({ bucket: 'meet-media-storage' });
  const rounds: Round[] = [];
  try {
    // Off, on, on, off, ...: neither mode always runs first (the first round of a run is the slowest).
    for (let i = 0; i < ROUNDS; i++) {
      for (const on of i % 2 === 0 ? [false, true] : [true, false]) rounds.push(await round(smtp, s3, on));
    }
  } finally {
    await smtp.stop();
    await s3.close();
  }
  console.log(`webhooks bench: ${COUNT} recordings saved per round, ${IN_FLIGHT} in flight, two endpoints, one service process (JOBS_CONCURRENCY ${process.env.JOBS_CONCURRENCY ?? 5}), ${require('node:os').cpus().length} cores`);
  for (const r of rounds) {
    const extra = r.webhooks ? `; ${COUNT * 2} deliveries at ${r.deliveriesPerSecond!.toFixed(0)}/s, last one ${r.drainSeconds!.toFixed(2)} s after the first event (bad signatures: ${r.bad})` : '';
    console.log(`  webhooks ${r.webhooks ? 'on ' : 'off'}: storage hook ${r.eventsPerSecond.toFixed(0)} events/s${extra}`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const off = mean(rounds.filter((r) => !r.webhooks).map((r) => r.eventsPerSecond));
  const on = mean(rounds.filter((r) => r.webhooks).map((r) => r.eventsPerSecond));
  console.log(`  storage hook with webhooks on / off: ${((on / off) * 100).toFixed(1)}% (cost ${((1 - on / off) * 100).toFixed(1)}%; aim ≤ 15%)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
