/**
 * bench/media-auth: nginx's auth_request decisions per second, side by side with an empty
 * Express 5 route in the same run (both in their own process, loaded by autocannon from this
 * one). Scenarios: a 200 with a bearer JWT, with a download-link token and with a share-link
 * token, refusals (403 for a user without access, 401 without credentials). Prints req/s,
 * p50/p99 and each ratio to the empty route (aim: ≥ 50% for the authorised decisions). Needs
 * PostgreSQL (scripts/test.sh sets it up): TEST_PG_ADMIN_URL or the default below.
 *   npx tsx bench/media-auth.ts [seconds per measure, 3] [--rounds <n>, 3] [--cpu-prof] [--only <words>] [--cache-ms <ms>]
 * In each round, each scenario is measured right after its own measure of the empty route (the
 * machine is shared: a ratio is between neighbours); the figures are medians over the rounds. The service logs at `info`, as it does by default. `--cpu-prof` writes
 * both servers' CPU profiles to bench/profiles/{media-auth,empty-route}/ (read it with bench/profile-summary.ts); `--only
 * share` runs only the scenarios whose name contains "share", so that a profile holds one kind
 * of decision; `--cache-ms 0` runs the service without its access-row cache.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { deriveDownloadTokenSecret, signDownloadToken } from '../src/downloads/download-token';
import { newShareToken, shareTokenHash } from '../src/recording/share-token';
import { createTestDatabase } from '../test/helpers/pg';
import { freePort } from '../test/helpers/ports';
import { tokenFor, TEST_JWT_SECRET, TEST_STORAGE_TOKEN } from '../test/helpers/service';
import { killAllServiceProcesses, serviceProcess } from '../test/helpers/service-process';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
const SECONDS = Number(process.argv[2] !== undefined && /^\d+$/.test(process.argv[2]) ? process.argv[2] : 3);
const ROUNDS = process.argv.includes('--rounds') ? Number(process.argv[process.argv.indexOf('--rounds') + 1]) : 3;
const CPU_PROF = process.argv.includes('--cpu-prof');
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
// `--cache-ms 0`: the service without its access-row cache (every decision queries PostgreSQL).
const CACHE_MS = process.argv.includes('--cache-ms') ? process.argv[process.argv.indexOf('--cache-ms') + 1] : undefined;
const CONNECTIONS = 16;
const ROOT = resolve(__dirname, '..');

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  statusCodeStats: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; timeout: number; headers?: Record<string, string> }) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

/** CPU time (user + system) the process has used so far, in ms (Linux /proc; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
const CLOCK_TICKS = 100;

/** autocannon on `url`; also the CPU the server process `pid` spent per answered request (µs). */
async function load(url: string, headers: Record<string, string>, seconds: number, pid?: number) {
  const cpuBefore = cpuMs(pid);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, timeout: 10, headers });
  const answered = Object.values(r.statusCodeStats ?? {}).reduce((n, s) => n + s.count, 0);
  const cpuUs = ((cpuMs(pid) - cpuBefore) * 1000) / answered;
  const codes = Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => `${code}x${s.count}`).join(' ');
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, codes, failed: r.errors + r.timeouts, cpuUs };
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.status === 200, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** Node flags that write a process's CPU profiles (one per thread) into bench/profiles/{name}/. */
const profile = (name: string) => (CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', resolve(ROOT, 'bench/profiles', name)] : []);

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const svc = await serviceProcess(
    {
      DATABASE_URL: db.url,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
      AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_S3_ACCESS_KEY_ID: 'bench',
      AWS_S3_SECRET_ACCESS_KEY: 'bench-secret-key',
      AWS_STORAGE_BUCKET_NAME: 'meet-media-storage',
      RECONCILE_INTERVAL_MS: '0',
      LOG_LEVEL: 'info',
      ...(CACHE_MS !== undefined ? { MEDIA_AUTH_CACHE_MS: CACHE_MS } : {}),
    },
    { nodeArgs: [...profile('media-auth'), ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)] },
  );
  await svc.start();
  const emptyPort = await freePort();
  const empty = spawn(process.execPath, [...profile('empty-route'), '--import', 'tsx', 'bench/empty-route.ts', String(emptyPort)], { cwd: ROOT, stdio: 'ignore' });
  const emptyUrl = `http://127.0.0.1:${emptyPort}/empty`;
  await waitUp(emptyUrl);
  try {
    const id = randomUUID();
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(`INSERT INTO recordings (id, room, mode, status, worker_kind) VALUES ($1, 'bench', 'screen_recording', 'notification_succeeded', 'livekit-video')`, [id]);
    await pg.query(`INSERT INTO recording_accesses (id, recording_id, user_sub, role) VALUES (gen_random_uuid(), $1, 'bench-owner', 'owner')`, [id]);
    const share = newShareToken();
    await pg.query(
      `INSERT INTO share_links (id, recording_id, token_hash, created_by, expires_at) VALUES (gen_random_uuid(), $1, $2, 'bench-owner', now() + interval '1 day')`,
      [id, shareTokenHash(share)],
    );
    await pg.end();
    const key = `recordings/${id}.mp4`;
    const mediaAuth = `${svc.url}/api/v1.0/recordings/media-auth/`;
    const owner = `Bearer ${tokenFor({ sub: 'bench-owner' }, { expiresIn: '1h' })}`;
    const stranger = `Bearer ${tokenFor({ sub: 'someone-else' }, { expiresIn: '1h' })}`;
    const link = signDownloadToken({ secret: deriveDownloadTokenSecret(TEST_JWT_SECRET), recordingId: id, key, userSub: 'bench-owner', ttlSeconds: 3600 }).token;

    const scenarios: [string, Record<string, string>][] = [
      ['media-auth 200, bearer JWT', { 'x-original-url': `/media/${key}`, authorization: owner }],
      ['media-auth 200, download token', { 'x-original-url': `/media/${key}?token=${link}` }],
      ['media-auth 200, share token', { 'x-original-url': `/media/${key}?share=${share}` }],
      ['media-auth 403, no access', { 'x-original-url': `/media/${key}`, authorization: stranger }],
      ['media-auth 401, no credentials', { 'x-original-url': `/media/${key}` }],
    ].filter(([name]) => !ONLY || (name as string).includes(ONLY)) as [string, Record<string, string>][];
    // Warm both processes up (JIT, prepared statements, connection pool).
    await load(emptyUrl, {}, 2);
    await load(mediaAuth, scenarios[0]![1], 2);
    type Measure = Awaited<ReturnType<typeof load>>;
    const pairs = new Map<string, { base: Measure; auth: Measure }[]>(scenarios.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, headers] of scenarios) {
        const base = await load(emptyUrl, {}, SECONDS, empty.pid);
        pairs.get(name)!.push({ base, auth: await load(mediaAuth, headers, SECONDS, svc.pid) });
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    console.log(
      `bench/media-auth: ${ROUNDS} rounds × ${SECONDS} s per measure, ${CONNECTIONS} connections, autocannon in this process, each server in its own; ` +
        `MEDIA_AUTH_CACHE_MS=${CACHE_MS ?? 'default (500)'}. Medians over the rounds; "server CPU" is that process's user+system time per answer.`,
    );
    const verdicts: number[] = [];
    for (const [name, list] of pairs) {
      const ratios = list.map((p) => p.auth.rps / p.base.rps);
      const codes = list.map((p) => p.auth.codes).join(' | ');
      const failed = list.reduce((n, p) => n + p.auth.failed + p.base.failed, 0);
      const row = (label: string, ms: Measure[]) =>
        `  ${label.padEnd(34)} ${median(ms.map((m) => m.rps)).toFixed(0).padStart(6)} req/s  p50 ${median(ms.map((m) => m.p50))} ms  p99 ${median(ms.map((m) => m.p99))} ms  server CPU ${median(ms.map((m) => m.cpuUs)).toFixed(0).padStart(3)} µs/req`;
      console.log(row('empty Express 5 route', list.map((p) => p.base)));
      console.log(`${row(name, list.map((p) => p.auth))}  ${pct(median(ratios))} of the empty route (rounds: ${ratios.map(pct).join(', ')})  [${codes}]${failed ? ` failed ${failed}` : ''}`);
      if (name.includes(' 200')) verdicts.push(median(ratios));
    }
    if (verdicts.length) {
      console.log(`  verdict: authorised decisions at ${verdicts.map(pct).join(', ')} of the empty route (aim ≥ 50%): ${verdicts.every((x) => x >= 0.5) ? 'PASS' : 'below the aim'}`);
    }
  } finally {
    // SIGTERM: the empty route exits by itself, writing its profile when asked to.
    await new Promise((done) => {
      empty.once('exit', done);
      empty.kill('SIGTERM');
    });
    await svc.stop();
    await killAllServiceProcesses();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
