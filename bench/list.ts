/**
 * bench/list: the recording list over 100,000 recordings of 1,000 rooms and 5,000 users, and
 * the ZIP's throughput through nginx against a plain download of the same bytes.
 *
 * The service runs in its own process (src/main.ts through tsx), apart from s3rver and the client.
 * (a) One query per filter (none, room, status, created_after, created_before, q, all
 *     combined, and a member's list of the rooms that let it view), each asked REQUESTS times
 *     in a row through the HTTP API of a service on real PostgreSQL: p50 and p99 in ms.
 * (b) Three 100 MB recordings (sparse objects in s3rver) taken through the project's nginx:
 *     once as three plain downloads (download links under /media/), once as one ZIP
 *     (archive-link): MB/s of each, the median of RUNS.
 *
 *   npx tsx bench/list.ts [--cpu-prof] [--files]
 * `--files` gives every recording its composite file row (see bench/list-seed.ts).
 * `--cpu-prof` writes the service's CPU profile into bench/profiles/list/ (read it with
 * bench/profile-summary.ts).
 * Needs PostgreSQL (TEST_PG_ADMIN_URL or the default below) and nginx (TEST_NGINX_BIN or
 * /usr/sbin/nginx). Stops by itself within a few minutes.
 */
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startNginx } from '../test/helpers/nginx';
import { s3Env, startS3Server } from '../test/helpers/s3';
import { createTestDatabase } from '../test/helpers/pg';
import { serviceProcess } from '../test/helpers/service-process';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN, bearer } from '../test/helpers/service';
import { LIST_USER, RECORDINGS, ROOMS, USERS, seedList } from './list-seed';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
process.env.TEST_NGINX_BIN ??= '/usr/sbin/nginx';
const REQUESTS = 200;
const RUNS = 3;
const ZIP_OBJECT_BYTES = 100 * 1024 * 1024;
const CPU_PROF = process.argv.includes('--cpu-prof');
const FILES = process.argv.includes('--files');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 120_000 }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
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
  const owner = { sub: 'zip-bench', rooms: {} };
  const headers = bearer(owner);
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const [row] = (await db.query(`INSERT INTO recordings (id, room, mode, status, worker_kind, reconcile_at) VALUES (gen_random_uuid(), 'zip-room', 'screen_recording', 'saved', 'livekit-video', NULL) RETURNING id`)).rows as { id: string }[];
    const id = row!.id;
    await db.query(`INSERT INTO recording_accesses (id, recording_id, user_sub, role) VALUES (gen_random_uuid(), $1, 'zip-bench', 'owner')`, [id]);
    await db.query(`INSERT INTO recording_files (recording_id, relative_key, kind, content_type, size, status) VALUES ($1, $2, 'composite', 'video/mp4', $3, 'saved')`, [id, `${id}.mp4`, ZIP_OBJECT_BYTES]);
    await s3.putObject(`recordings/${id}.mp4`, Buffer.alloc(1024, 1), 'video/mp4');
    await truncate(join(s3.directory, s3.bucket, 'recordings', `${id}.mp4._S3rver_object`), ZIP_OBJECT_BYTES);
    ids.push(id);
  }
  const rate = (bytes: number, ms: number) => bytes / 2 ** 20 / (ms / 1000);
  const plain: number[] = [];
  const zip: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    let began = Date.now();
    let bytes = 0;
    for (const id of ids) {
      const link = await post(`${svcUrl}/api/v1.0/recordings/${id}/download-link/`, {}, headers);
      const got = await get(`${nginxUrl}${link.json.url as string}`);
      if (got.status !== 200) throw new Error(`plain download: ${got.status}`);
      bytes += got.bytes;
    }
    plain.push(rate(bytes, Date.now() - began));
    const link = await post(`${svcUrl}/api/v1.0/recordings/archive-link/`, { ids }, headers);
    began = Date.now();
    const got = await get(`${nginxUrl}${link.json.url as string}`);
    if (got.status !== 200) throw new Error(`zip download: ${got.status}`);
    zip.push(rate(got.bytes, Date.now() - began));
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  console.log(`ZIP through nginx, 3 x ${ZIP_OBJECT_BYTES / 2 ** 20} MB (median of ${RUNS}): plain downloads ${median(plain).toFixed(0)} MB/s, ZIP ${median(zip).toFixed(0)} MB/s (${((100 * median(zip)) / median(plain)).toFixed(0)}% of plain)`);
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
