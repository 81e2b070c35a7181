/**
 * bench/start-stop: what our service adds to a recording's start and stop, over the worker's
 * own time. One client, sequential requests: start-recording then stop-recording, each room
 * once, against one service process on real PostgreSQL and the fake LiveKit
 * (test/fakes/livekit-server.ts) in this process. The fake notes its own time on each call (arrival to answer sent); a start's or stop's overhead is the client's
 * latency minus the fake's time on the calls made meanwhile. Prints p50/p90/p99 of both and of
 * their sum (aim: start + stop < 5 ms p50), the calls per start and stop, the service's CPU per
 * start + stop, and next to it what the same statements take on PostgreSQL alone. Needs
 * PostgreSQL (scripts/test.sh sets it up): TEST_PG_ADMIN_URL or the default below.
 *   npx tsx bench/start-stop.ts [rounds, 300] [--cpu-prof]
 * The service is what the image runs: dist/main.js (built first) with the Dockerfile's
 * NODE_OPTIONS; BENCH_ENTRY=source runs src/main.ts through tsx, as `npm start` does, and
 * BENCH_NODE_ARGS='...' gives other node flags ('' for none). `--cpu-prof` writes the service's
 * CPU profile to bench/profiles/start-stop/ (read it with bench/profile-summary.ts).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { startFakeLivekit } from '../test/helpers/livekit-env';
import { createTestDatabase } from '../test/helpers/pg';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN, tokenFor } from '../test/helpers/service';
import { buildService, killAllServiceProcesses, serviceProcess } from '../test/helpers/service-process';
import { imageNodeOptions, percentile as sortedPercentile } from './load-common';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.argv[2] !== undefined && /^\d+$/.test(process.argv[2]) ? process.argv[2] : 300);
const WARM_UP = 30;
const CPU_PROF = process.argv.includes('--cpu-prof');
const ROOT = resolve(__dirname, '..');

const percentile = (xs: number[], p: number) => sortedPercentile([...xs].sort((a, b) => a - b), p);
const figures = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(2)}  p90 ${percentile(xs, 90).toFixed(2)}  p99 ${percentile(xs, 99).toFixed(2)} ms`;

/** CPU time of a process so far, user and system, in ms (Linux /proc, 100 ticks a second). */
function cpuMs(pid: number | undefined): { user: number; system: number } {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
  } catch {
    return { user: Number.NaN, system: Number.NaN };
  }
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const { livekit, env } = await startFakeLivekit();
  const entry = process.env.BENCH_ENTRY === 'source' ? 'source' : 'dist';
  if (entry === 'dist') await buildService();
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? imageNodeOptions()).split(' ').filter(Boolean);
  const svc = await serviceProcess(
    {
      ...env,
      DATABASE_URL: db.url,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
      WORKER_TIMEOUT_MS: '10000',
      RECONCILE_INTERVAL_MS: '0',
      ROOM_RECONCILE_INTERVAL_MS: '0',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    },
    { entry, nodeArgs: CPU_PROF ? [...nodeArgs, '--cpu-prof', '--cpu-prof-dir', resolve(ROOT, 'bench/profiles/start-stop')] : nodeArgs },
  );
  // The floor PostgreSQL alone sets: the statements a start and a stop wait for, in sequence on
  // one connection (a start's insert and its status change, a stop's look-up and its status
  // change; the two status changes wait for the disk), on a table of their own.
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  await pg.query('CREATE TABLE bench_floor (id uuid PRIMARY KEY, room text NOT NULL, status text NOT NULL)');
  const floor = async () => {
    const t0 = performance.now();
    const id = randomUUID();
    // Like the service's insert, its commit does not wait for the disk (the next one does).
    await pg.query({
      name: 'floor_insert',
      text: "WITH a AS (SELECT set_config('synchronous_commit', 'off', true)) INSERT INTO bench_floor SELECT $1, $2, 'initiated' FROM a",
      values: [id, `room-${id}`],
    });
    await pg.query({ name: 'floor_update', text: 'UPDATE bench_floor SET status = $2 WHERE id = $1', values: [id, 'active'] });
    await pg.query({ name: 'floor_select', text: 'SELECT * FROM bench_floor WHERE room = $1', values: [`room-${id}`] });
    await pg.query({ name: 'floor_update', text: 'UPDATE bench_floor SET status = $2 WHERE id = $1', values: [id, 'stopped'] });
    return performance.now() - t0;
  };
  await svc.start();

  // The client is node:http on one kept-alive connection rather than fetch: fetch's own time on
  // this machine is about a millisecond per call, and it would be counted as the service's.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method: 'GET' | 'POST', path: string, token?: string, body?: unknown) =>
    new Promise<{ status: number; text: string }>((resolveAnswer, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const req = httpRequest(`${svc.url}${path}`, { method, agent, headers, timeout: 15_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${path}: no answer in 15 s`)));
      req.on('error', reject);
      req.end(payload);
    });

  /** One call to the service; its latency and the fake's own time on the calls it made meanwhile. */
  const timed = async (path: string, token: string, body: unknown) => {
    const before = livekit.requests.length;
    const t0 = performance.now();
    const res = await request('POST', path, token, body);
    const answer = JSON.parse(res.text) as Record<string, unknown>;
    const latency = performance.now() - t0;
    const calls = livekit.requests.slice(before);
    const fake = calls.reduce((ms, c) => ms + (c.handledMs ?? 0), 0);
    // Our part before the first worker call arrived and after the last one was answered.
    const first = calls[0];
    const last = calls[calls.length - 1];
    const beforeCall = first ? first.arrivedAt! - t0 : latency;
    const afterCall = last ? t0 + latency - (last.arrivedAt! + last.handledMs!) : 0;
    return { status: res.status, answer, latency, fake, beforeCall, afterCall, calls: calls.map((c) => c.method) };
  };
  /** The same client's round trip to the service's cheapest route (GET /health), for scale. */
  const emptyRoundTrip = async () => {
    const t0 = performance.now();
    const res = await request('GET', '/health');
    if (res.status !== 200) throw new Error(`/health: ${res.status}`);
    return performance.now() - t0;
  };

  const samples = {
    start: [] as number[],
    stop: [] as number[],
    both: [] as number[],
    fake: [] as number[],
    latency: [] as number[],
    startBefore: [] as number[],
    startAfter: [] as number[],
    floor: [] as number[],
    beyondFloor: [] as number[],
    stopBefore: [] as number[],
    stopAfter: [] as number[],
    health: [] as number[],
  };
  const callsSeen = new Map<string, number>();
  /** The service's own account of its worker calls (recorder_worker_call_duration_seconds): total seconds and count. */
  const workerCalls = async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const sum = (suffix: string) =>
      [...text.matchAll(new RegExp(`^recorder_worker_call_duration_seconds_${suffix}\\{[^}]*\\} ([0-9.e+-]+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
    return { seconds: sum('sum'), count: sum('count') };
  };
  let callsBefore = { seconds: 0, count: 0 };
  let fakeCallMs = 0;
  let cpu = { user: 0, system: 0 };
  try {
    for (let i = 0; i < WARM_UP + ROUNDS; i++) {
      const room = `bench-${i}`;
      // A token per room (a JWT naming every room would grow with the run).
      const token = tokenFor({ sub: 'bench-owner', rooms: { [room]: 'owner' } }, { expiresIn: '1h' });
      if (i === WARM_UP) {
        cpu = cpuMs(svc.pid);
        callsBefore = await workerCalls();
      }
      const start = await timed(`/api/v1.0/rooms/${room}/start-recording/`, token, { mode: 'screen_recording' });
      if (start.status !== 201) throw new Error(`start: ${start.status} ${JSON.stringify(start.answer)}`);
      const stop = await timed(`/api/v1.0/rooms/${room}/stop-recording/`, token, {});
      if (stop.status !== 200) throw new Error(`stop: ${stop.status} ${JSON.stringify(stop.answer)}`);
      const floorMs = await floor();
      const healthMs = (await emptyRoundTrip()) + (await emptyRoundTrip());
      if (i < WARM_UP) continue;
      samples.health.push(healthMs);
      samples.floor.push(floorMs);
      samples.beyondFloor.push(start.latency - start.fake + stop.latency - stop.fake - floorMs);
      samples.start.push(start.latency - start.fake);
      samples.stop.push(stop.latency - stop.fake);
      samples.both.push(start.latency - start.fake + stop.latency - stop.fake);
      samples.fake.push(start.fake + stop.fake);
      fakeCallMs += start.fake + stop.fake;
      samples.latency.push(start.latency + stop.latency);
      samples.startBefore.push(start.beforeCall);
      samples.startAfter.push(start.afterCall);
      samples.stopBefore.push(stop.beforeCall);
      samples.stopAfter.push(stop.afterCall);
      for (const [what, r] of [['start', start], ['stop', stop]] as const) {
        const key = `${what}: ${r.calls.join(', ') || 'no call'}`;
        callsSeen.set(key, (callsSeen.get(key) ?? 0) + 1);
      }
    }
    const cpuEnd = cpuMs(svc.pid);
    const callsAfter = await workerCalls();
    const callCount = callsAfter.count - callsBefore.count;
    const clientMs = ((callsAfter.seconds - callsBefore.seconds) * 1000 - fakeCallMs) / callCount;
    cpu = { user: cpuEnd.user - cpu.user, system: cpuEnd.system - cpu.system };
    console.log(`bench/start-stop: ${ROUNDS} rooms (after ${WARM_UP} to warm up), one client, sequential; one service process (${entry === 'dist' ? 'node dist/main.js' : 'tsx src/main.ts'} ${nodeArgs.join(' ')}), fake LiveKit, PostgreSQL; ms`);
    console.log(`  start + stop as the client sees them   ${figures(samples.latency)}`);
    console.log(`  the fake worker's own time on them     ${figures(samples.fake)}`);
    console.log(`  overhead of start                      ${figures(samples.start)}`);
    console.log(`  overhead of stop                       ${figures(samples.stop)}`);
    console.log(`    start, before the worker call arrives ${figures(samples.startBefore)}`);
    console.log(`    start, after the worker answered     ${figures(samples.startAfter)}`);
    console.log(`    stop, before the worker call arrives  ${figures(samples.stopBefore)}`);
    console.log(`    stop, after the worker answered      ${figures(samples.stopAfter)}`);
    console.log(`  overhead of start + stop               ${figures(samples.both)}  (aim < 5 ms p50: ${percentile(samples.both, 50) < 5 ? 'PASS' : 'above the aim'})`);
    console.log(`  PostgreSQL alone, the same 4 statements ${figures(samples.floor)}  (2 durable commits, in the same run)`);
    console.log(`  two round trips to GET /health        ${figures(samples.health)}  (the client, HTTP and Express alone, for scale)`);
    console.log(`  overhead minus that, round by round    ${figures(samples.beyondFloor)}  (HTTP, JSON, JWTs, the LiveKit client, our code)`);
    console.log(`  the LiveKit client's own time per call ${clientMs.toFixed(2)} ms on average (the service's timing of its ${callCount} calls minus the fake's)`);
    // What no code of ours can go below on this machine: the database's part, the two HTTP
    // exchanges with the client, and the SDK's two calls.
    const floors = percentile(samples.floor, 50) + percentile(samples.health, 50) + 2 * clientMs;
    console.log(`  those floors together                  ${floors.toFixed(2)} ms (PostgreSQL alone p50 + two /health round trips p50 + 2 SDK calls)`);
    console.log(`  service CPU per start + stop           ${((cpu.user + cpu.system) / ROUNDS).toFixed(2)} ms (user ${(cpu.user / ROUNDS).toFixed(2)}, system ${(cpu.system / ROUNDS).toFixed(2)})`);
    for (const [calls, n] of callsSeen) console.log(`  worker calls  ${calls}  (${n}x)`);
    // Keep-alive at work: how many TCP connections the SDK's calls came over (one or two expected).
    const connections = new Set(livekit.requests.map((r) => r.connection)).size;
    console.log(`  LiveKit calls over ${connections} TCP connection(s) (${livekit.requests.length} calls)`);
  } finally {
    agent.destroy();
    await pg.end();
    await svc.stop();
    await killAllServiceProcesses();
    await livekit.close();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
