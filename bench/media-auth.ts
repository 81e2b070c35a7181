/**
 * bench/media-auth: nginx's auth_request decisions per second, side by side with an empty
 * Express 5 route in the same run (both in their own process, loaded by autocannon from this
 * one). Scenarios: a 200 with a bearer JWT, with a download-link token and with a share-link
 * token, refusals (403 for a user without access, 401 without credentials). Prints req/s,
 * p50/p99 and each ratio to the empty route (aim: ≥ 50% for the authorised decisions). Needs
 * PostgreSQL (scripts/test.sh sets it up): TEST_PG_ADMIN_URL or the default below.
 *   npx tsx bench/media-auth.ts [seconds per scenario] [--cpu-prof] [--only <words>]
 * `--cpu-prof` writes the service's CPU profile to bench/profiles/ (read it with
 * bench/profile-summary.ts); `--only share` runs the empty route and the scenarios whose name
 * contains "share", so that a profile holds one kind of decision.
 */
import { spawn } from 'node:child_process';
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
const SECONDS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 8);
const CPU_PROF = process.argv.includes('--cpu-prof');
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
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

async function load(url: string, headers: Record<string, string>, seconds: number) {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, timeout: 10, headers });
  const codes = Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => `${code}x${s.count}`).join(' ');
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, codes, failed: r.errors + r.timeouts };
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.status === 200, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

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
      LOG_LEVEL: 'warn',
    },
    CPU_PROF ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', resolve(ROOT, 'bench/profiles')] } : {},
  );
  await svc.start();
  const emptyPort = await freePort();
  const empty = spawn(process.execPath, ['--import', 'tsx', 'bench/empty-route.ts', String(emptyPort)], { cwd: ROOT, stdio: 'ignore' });
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

    const scenarios: [string, string, Record<string, string>][] = [
      ['empty Express 5 route', emptyUrl, {}],
      ['media-auth 200, bearer JWT', mediaAuth, { 'x-original-url': `/media/${key}`, authorization: owner }],
      ['media-auth 200, download token', mediaAuth, { 'x-original-url': `/media/${key}?token=${link}` }],
      ['media-auth 200, share token', mediaAuth, { 'x-original-url': `/media/${key}?share=${share}` }],
      ['media-auth 403, no access', mediaAuth, { 'x-original-url': `/media/${key}`, authorization: stranger }],
      ['media-auth 401, no credentials', mediaAuth, { 'x-original-url': `/media/${key}` }],
    ];
    // Warm both processes up (JIT, prepared statements, connection pool).
    await load(emptyUrl, {}, 2);
    await load(mediaAuth, scenarios[1]![2], 2);
    const results = [];
    for (const [name, url, headers] of scenarios) {
      if (ONLY && name !== scenarios[0]![0] && !name.includes(ONLY)) continue;
      results.push({ name, ...(await load(url, headers, SECONDS)) });
    }
    const base = results[0]!.rps;
    console.log(`bench/media-auth: ${SECONDS} s per scenario, ${CONNECTIONS} connections, autocannon in this process, each server in its own`);
    for (const r of results) {
      const ratio = r === results[0] ? '' : `  ${((r.rps / base) * 100).toFixed(0)}% of the empty route`;
      console.log(`  ${r.name.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  [${r.codes}]${r.failed ? ` failed ${r.failed}` : ''}${ratio}`);
    }
    const authorised = results.filter((r) => r.name.includes(' 200')).map((r) => r.rps / base);
    console.log(`  verdict: authorised decisions at ${authorised.map((x) => `${(x * 100).toFixed(0)}%`).join(' and ')} of the empty route (aim ≥ 50%): ${authorised.every((x) => x >= 0.5) ? 'PASS' : 'below the aim'}`);
  } finally {
    empty.kill('SIGKILL');
    await svc.stop();
    await killAllServiceProcesses();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
