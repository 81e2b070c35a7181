/**
 * bench/list: the recording list over 100,000 recordings of 1,000 rooms and 5,000 users, and
 * the ZIP's throughput through nginx against a plain download of the same bytes.
 *
 * The service runs in its own process (src/main.ts through tsx), apart from s3rver and the client.
 * (a) One query per filter (none, room, status, created_after, created_before, q, all
 *     combined, and a member's list of the rooms that let it view), each asked REQUESTS times
 *     in a row through the HTTP API of a service on real PostgreSQL: p50 and p99 in ms.
 * (b) Three 100 MB recordings (sparse objects in s3rver) taken through the project's nginx,
 *     as three plain downloads and as one ZIP, in ZIP_ROUNDS alternating rounds
 *     (bench/zip-rounds.ts): MB/s of each and the ZIP's share of plain, medians.
 *
 *   npx tsx bench/list.ts [--cpu-prof] [--files]
 * `--files` gives every recording its composite file row (see bench/list-seed.ts).
 * `--cpu-prof` writes the service's CPU profile into bench/profiles/list/ (read it with
 * bench/profile-summary.ts).
 * Needs PostgreSQL (TEST_PG_ADMIN_URL or the default below) and nginx (TEST_NGINX_BIN or
 * /usr/sbin/nginx). Stops by itself within a few minutes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startNginx } from '../test/helpers/nginx';
import { s3Env, startS3Server } from '../test/helpers/s3';
import { createTestDatabase } from '../test/helpers/pg';
import { serviceProcess } from '../test/helpers/service-process';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN, bearer } from '../test/helpers/service';
import { LIST_USER, RECORDINGS, ROOMS, USERS, seedList } from './list-seed';
import { ZIP_OBJECT_BYTES, get, median, seedZipRecordings, zipRounds } from './zip-rounds';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
process.env.TEST_NGINX_BIN ??= '/usr/sbin/nginx';
const REQUESTS = 200;
const ZIP_ROUNDS = 9;
const CPU_PROF = process.argv.includes('--cpu-prof');
const FILES = process.argv.includes('--files');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function listBench(url: string): Promise<void> {
  const auth = bearer(LIST_USER).Authorization;
  const monthAgo = new Date(Date.now() - 30 * 86400_000).toISOString();
  const queries: [string, string][] = [
    ['no filter', ''],
    ['room', '?room=room-42'],
    ['status', '?status=saved,notification_succeeded'],
    ['created_after', `?created_after=${encodeURIComponent(monthAgo)}`],
    ['created_before', `?created_before=${encodeURIComponent(monthAgo)}`],
    ['q', '?q=oom-4'],
    ['all combined', `?room=room-42&status=saved&created_before=${encodeURIComponent(new Date().toISOString())}&q=42`],
    ['member rooms, page 5', '?page=5'],
  ];
  console.log(`list over ${RECORDINGS} recordings, ${ROOMS} rooms, ${USERS} users (${REQUESTS} requests each, one at a time):`);
  for (const [name, query] of queries) {
    for (let i = 0; i < 10; i += 1) await get(`${url}/api/v1.0/recordings/${query}`, { Authorization: auth });
    const times: number[] = [];
    let status = 0;
    for (let i = 0; i < REQUESTS; i += 1) {
      const began = process.hrtime.bigint();
      status = (await get(`${url}/api/v1.0/recordings/${query}`, { Authorization: auth })).status;
      times.push(Number(process.hrtime.bigint() - began) / 1e6);
    }
    times.sort((a, b) => a - b);
    console.log(`  ${name.padEnd(22)} status ${status}  p50 ${percentile(times, 50).toFixed(2)} ms  p99 ${percentile(times, 99).toFixed(2)} ms`);
  }
}

async function zipBench(svcUrl: string, nginxUrl: string, db: Client, s3: Awaited<ReturnType<typeof startS3Server>>): Promise<void> {
  console.log(`ZIP through nginx, 3 x ${ZIP_OBJECT_BYTES / 2 ** 20} MB against the same as plain downloads:`);
  const ids = await seedZipRecordings(db, s3);
  const { plain, zip, ratios } = await zipRounds({ svcUrl, nginxUrl, ids, rounds: ZIP_ROUNDS });
  console.log(`  median of ${ZIP_ROUNDS}: plain downloads ${median(plain).toFixed(0)} MB/s, ZIP ${median(zip).toFixed(0)} MB/s, ZIP ${(100 * median(ratios)).toFixed(0)}% of plain (median per round)`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'rec-bench-list-'));
  const s3 = await startS3Server({ bucket: 'meet-media-storage' });
  // The service in its own process (as deployed), apart from s3rver and this client.
  const testDb = await createTestDatabase();
  const svc = await serviceProcess({
    DATABASE_URL: testDb.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    ...s3Env(s3),
    RECONCILE_INTERVAL_MS: '600000',
    LOG_LEVEL: 'warn',
  }, { readyTimeoutMs: 60_000, nodeArgs: CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', join(__dirname, 'profiles/list')] : [] });
  await svc.start();
  const nginx = await startNginx({ serviceUrl: svc.url, storageUrl: s3.endpointUrl });
  const db = new Client({ connectionString: testDb.url });
  await db.connect();
  const deadline = setTimeout(() => {
    console.error('bench/list: gave up after 10 minutes');
    process.exit(1);
  }, 600_000);
  try {
    const began = Date.now();
    await seedList(db, { files: FILES });
    console.log(`seeded in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    await listBench(svc.url);
    await zipBench(svc.url, nginx.url, db, s3);
  } finally {
    clearTimeout(deadline);
    await db.end();
    await nginx.stop();
    await svc.stop();
    await testDb.drop();
    await s3.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
