/**
 * bench/archive: the ZIP's throughput through nginx against plain downloads of the same bytes,
 * without the list bench's 100,000-row seed. Three 100 MB recordings (sparse objects in
 * s3rver); each round takes them as three plain downloads (download links under /media/) and
 * as one ZIP (archive-link), in alternating order (the machine is shared: the ratio is between
 * neighbours). Prints every round with the load average, then the medians.
 *
 *   npx tsx bench/archive.ts [--rounds <n>, 5] [--cpu-prof]
 * `--cpu-prof` writes the service's CPU profile to bench/profiles/archive/ (read it with
 * bench/profile-summary.ts). Needs PostgreSQL (TEST_PG_ADMIN_URL or the default below) and
 * nginx (TEST_NGINX_BIN or /usr/sbin/nginx).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { truncate } from 'node:fs/promises';
import http from 'node:http';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { startNginx } from '../test/helpers/nginx';
import { s3Env, startS3Server } from '../test/helpers/s3';
import { createTestDatabase } from '../test/helpers/pg';
import { serviceProcess } from '../test/helpers/service-process';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN, bearer } from '../test/helpers/service';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
process.env.TEST_NGINX_BIN ??= '/usr/sbin/nginx';
const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5;
const CPU_PROF = args.includes('--cpu-prof');
const OBJECT_BYTES = 100 * 1024 * 1024;

function get(url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((done, fail) => {
    const req = http.get(url, { timeout: 120_000 }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => done({ status: res.statusCode ?? 0, bytes }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/** CPU time (user + system, ms) of a process, from /proc (Linux; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => {
      try {
        return Number(readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });
}

/** Where the CPU went: the service, nginx (master and worker), this process (s3rver and the client). */
function cpuNow(servicePid: number, nginxPids: number[]): { service: number; nginx: number; bench: number } {
  const own = process.cpuUsage();
  return { service: cpuMs(servicePid), nginx: nginxPids.reduce((sum, pid) => sum + cpuMs(pid), 0), bench: (own.user + own.system) / 1000 };
}

const mbPerSecond = (bytes: number, ms: number) => bytes / 2 ** 20 / (ms / 1000);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function main(): Promise<void> {
  const s3 = await startS3Server({ bucket: 'meet-media-storage' });
  const testDb = await createTestDatabase();
  const svc = await serviceProcess(
    { DATABASE_URL: testDb.url, AUTH_JWT_SECRET: TEST_JWT_SECRET, RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN, ...s3Env(s3), RECONCILE_INTERVAL_MS: '600000', LOG_LEVEL: 'warn' },
    { readyTimeoutMs: 60_000, nodeArgs: CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', resolve(__dirname, 'profiles/archive')] : [] },
  );
  await svc.start();
  const nginx = await startNginx({ serviceUrl: svc.url, storageUrl: s3.endpointUrl });
  const db = new Client({ connectionString: testDb.url });
  await db.connect();
  try {
    const headers = bearer({ sub: 'zip-bench', rooms: {} });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const [row] = (await db.query(`INSERT INTO recordings (id, room, mode, status, worker_kind, reconcile_at) VALUES (gen_random_uuid(), 'zip-room', 'screen_recording', 'saved', 'livekit-video', NULL) RETURNING id`)).rows as { id: string }[];
      const id = row!.id;
      await db.query(`INSERT INTO recording_accesses (id, recording_id, user_sub, role) VALUES (gen_random_uuid(), $1, 'zip-bench', 'owner')`, [id]);
      await db.query(`INSERT INTO recording_files (recording_id, relative_key, kind, content_type, size, status) VALUES ($1, $2, 'composite', 'video/mp4', $3, 'saved')`, [id, `${id}.mp4`, OBJECT_BYTES]);
      await s3.putObject(`recordings/${id}.mp4`, Buffer.alloc(1024, 1), 'video/mp4');
      await truncate(join(s3.directory, s3.bucket, 'recordings', `${id}.mp4._S3rver_object`), OBJECT_BYTES);
      ids.push(id);
    }
    const nginxMaster = childrenOf(process.pid).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'nginx');
    const nginxPids = [...nginxMaster, ...nginxMaster.flatMap(childrenOf)];
    const cpu: Record<'plain' | 'zip', { service: number; nginx: number; bench: number; bytes: number }> = {
      plain: { service: 0, nginx: 0, bench: 0, bytes: 0 },
      zip: { service: 0, nginx: 0, bench: 0, bytes: 0 },
    };
    const account = async (which: 'plain' | 'zip', round: () => Promise<{ rate: number; bytes: number }>) => {
      const before = cpuNow(svc.pid!, nginxPids);
      const got = await round();
      const after = cpuNow(svc.pid!, nginxPids);
      for (const k of ['service', 'nginx', 'bench'] as const) cpu[which][k] += after[k] - before[k];
      cpu[which].bytes += got.bytes;
      return got.rate;
    };
    const plainRound = async () => {
      const began = Date.now();
      let bytes = 0;
      for (const id of ids) {
        const link = await post(`${svc.url}/api/v1.0/recordings/${id}/download-link/`, {}, headers);
        const got = await get(`${nginx.url}${link.url as string}`);
        if (got.status !== 200) throw new Error(`plain download: ${got.status}`);
        bytes += got.bytes;
      }
      return { rate: mbPerSecond(bytes, Date.now() - began), bytes };
    };
    const zipRound = async () => {
      const link = await post(`${svc.url}/api/v1.0/recordings/archive-link/`, { ids }, headers);
      const began = Date.now();
      const got = await get(`${nginx.url}${link.url as string}`);
      if (got.status !== 200 || got.bytes < 3 * OBJECT_BYTES) throw new Error(`zip download: ${got.status}, ${got.bytes} bytes`);
      return { rate: mbPerSecond(got.bytes, Date.now() - began), bytes: got.bytes };
    };
    await zipRound(); // warm-up (JIT, connections)
    const plain: number[] = [];
    const zip: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const load = loadavg()[0]!.toFixed(2);
      let p: number;
      let z: number;
      if (round % 2 === 0) {
        p = await account('plain', plainRound);
        z = await account('zip', zipRound);
      } else {
        z = await account('zip', zipRound);
        p = await account('plain', plainRound);
      }
      plain.push(p);
      zip.push(z);
      ratios.push(z / p);
      console.log(`round ${round + 1}: load ${load}  plain ${p.toFixed(0)} MB/s  ZIP ${z.toFixed(0)} MB/s  (${((100 * z) / p).toFixed(0)}%)`);
    }
    for (const which of ['plain', 'zip'] as const) {
      const perGb = (ms: number) => ((ms / cpu[which].bytes) * 2 ** 30 / 1000).toFixed(2);
      console.log(`CPU per GB, ${which.padEnd(5)}: service ${perGb(cpu[which].service)} s, nginx ${perGb(cpu[which].nginx)} s, s3rver + client ${perGb(cpu[which].bench)} s`);
    }
    console.log(`median of ${ROUNDS}: plain ${median(plain).toFixed(0)} MB/s, ZIP ${median(zip).toFixed(0)} MB/s, ratio per round ${(100 * median(ratios)).toFixed(0)}% (load now ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  } finally {
    await db.end();
    await nginx.stop();
    await svc.stop();
    await testDb.drop();
    await s3.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
