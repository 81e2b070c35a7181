/**
 * bench/archive: the ZIP's throughput through nginx against plain downloads of the same bytes
 * (bench/zip-rounds.ts), without the list bench's 100,000-row seed, and where the CPU went per
 * GB: the service, nginx, and this process (s3rver and the client). Prints every round with the
 * load average, then the medians.
 *
 *   npx tsx bench/archive.ts [--rounds <n>, 15] [--cpu-prof]
 * `--cpu-prof` writes the service's CPU profile to bench/profiles/archive/ (read it with
 * bench/profile-summary.ts). Needs PostgreSQL (TEST_PG_ADMIN_URL or the default below) and
 * nginx (TEST_NGINX_BIN or /usr/sbin/nginx).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { startNginx } from '../test/helpers/nginx';
import { s3Env, startS3Server } from '../test/helpers/s3';
import { createTestDatabase } from '../test/helpers/pg';
import { serviceProcess } from '../test/helpers/service-process';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN } from '../test/helpers/service';
import { median, seedZipRecordings, zipRounds } from './zip-rounds';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
process.env.TEST_NGINX_BIN ??= '/usr/sbin/nginx';
const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 15;
const CPU_PROF = args.includes('--cpu-prof');

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

/** The service's read and write system calls so far (Linux /proc/<pid>/io: syscr, syscw). */
function syscalls(pid: number): { reads: number; writes: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? Number.NaN);
    return { reads: field('syscr'), writes: field('syscw') };
  } catch {
    return { reads: Number.NaN, writes: Number.NaN };
  }
}

/** Where the CPU went: the service, nginx (master and worker), this process (s3rver and the client); the service's system calls. */
function cpuNow(servicePid: number, nginxPids: number[]): { service: number; nginx: number; bench: number; reads: number; writes: number } {
  const own = process.cpuUsage();
  return { service: cpuMs(servicePid), nginx: nginxPids.reduce((sum, pid) => sum + cpuMs(pid), 0), bench: (own.user + own.system) / 1000, ...syscalls(servicePid) };
}

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
    const ids = await seedZipRecordings(db, s3);
    const nginxMaster = childrenOf(process.pid).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'nginx');
    const nginxPids = [...nginxMaster, ...nginxMaster.flatMap(childrenOf)];
    const cpu: Record<'plain' | 'zip', { service: number; nginx: number; bench: number; reads: number; writes: number; bytes: number }> = {
      plain: { service: 0, nginx: 0, bench: 0, reads: 0, writes: 0, bytes: 0 },
      zip: { service: 0, nginx: 0, bench: 0, reads: 0, writes: 0, bytes: 0 },
    };
    const account = async (which: 'plain' | 'zip', round: () => Promise<{ rate: number; bytes: number }>) => {
      const before = cpuNow(svc.pid!, nginxPids);
      const got = await round();
      const after = cpuNow(svc.pid!, nginxPids);
      for (const k of ['service', 'nginx', 'bench', 'reads', 'writes'] as const) cpu[which][k] += after[k] - before[k];
      cpu[which].bytes += got.bytes;
      return got.rate;
    };
    const { plain, zip, ratios } = await zipRounds({ svcUrl: svc.url, nginxUrl: nginx.url, ids, rounds: ROUNDS, around: account });
    for (const which of ['plain', 'zip'] as const) {
      const perGb = (ms: number) => ((ms / cpu[which].bytes) * 2 ** 30 / 1000).toFixed(2);
      console.log(`CPU per GB, ${which.padEnd(5)}: service ${perGb(cpu[which].service)} s, nginx ${perGb(cpu[which].nginx)} s, s3rver + client ${perGb(cpu[which].bench)} s`);
    }
    // Fewer, larger reads and writes per GB mean less CPU per GB: what each call carried on average.
    const kb = (calls: number) => (cpu.zip.bytes / calls / 1024).toFixed(0);
    console.log(`service system calls for the ZIP: ${cpu.zip.reads} reads (${kb(cpu.zip.reads)} KB each), ${cpu.zip.writes} writes (${kb(cpu.zip.writes)} KB each)`);
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
