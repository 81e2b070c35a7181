/**
 * bench/queue: the start queue under load. Two service processes (src/main.ts through tsx) on one
 * PostgreSQL, 20 fake Jibris, RECORDING_START_QUEUE_SECONDS=600. 200 starts are sent at once
 * (alternating instances): 20 become active, 180 queued. First the database load is measured
 * with 180 waiting and nothing finishing (then compared with the same two instances idle, 0
 * waiting, measured before the starts). Then every Jibri's meeting ends 1 to 3 s (random) after
 * it began; the Jibri then reports itself idle with its status webhook to one of the two
 * instances (BENCH_NO_SIGNAL=1: it says nothing, the health poll and the periodic tries must
 * find it), and the next queued start takes it.
 *
 * Prints: every start served (each recording had exactly one Jibri session); the order within
 * the kind (the queued starts in their creation order against the order their Jibri sessions
 * began, as inversions: pairs served the other way round); p50/p99 from a Jibri freed (the
 * moment the bench ended its meeting and sent its idle report) to the next startService it
 * accepted (the queued start taking it; the recording is active a few ms later); and the
 * database's transactions per second (pg_stat_database xact_commit + xact_rollback: the
 * service's statements run each in its own transaction, except the few multi-statement ones).
 * Needs PostgreSQL (TEST_PG_ADMIN_URL). Not run in CI.
 *   npx tsx bench/queue.ts [starts=200] [jibris=20]
 */
import { Client } from 'pg';
import { FakeJibri } from '../test/fakes/jibri-server';
import { jibriPoolEnv } from '../test/helpers/jibri-env';
import { createTestDatabase } from '../test/helpers/pg';
import { tokenFor } from '../test/helpers/service';
import { killAllServiceProcesses, serviceProcess, type ServiceProcess } from '../test/helpers/service-process';
import { line, loadServiceEnv, percentile, sleep } from './load-common';

const STARTS = Number(process.argv[2] ?? 200);
const JIBRIS = Number(process.argv[3] ?? 20);
const SIGNAL = process.env.BENCH_NO_SIGNAL !== '1';
const MEASURE_MS = 10_000;
const SERVE_TIMEOUT_MS = 300_000;
const tokenOf = (j: FakeJibri) => `bench-queue-webhook-${j.jibriId}-0123456789`;

async function transactions(pg: Client): Promise<number> {
  const { rows } = await pg.query<{ n: string }>(`SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()`);
  return Number(rows[0]!.n);
}

type TableCounts = Map<string, { scans: number; writes: number }>;

async function tableCounts(pg: Client): Promise<TableCounts> {
  const { rows } = await pg.query<{ t: string; scans: string; writes: string }>(
    `SELECT relname AS t, (COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0))::text AS scans, (n_tup_ins + n_tup_upd + n_tup_del)::text AS writes FROM pg_stat_user_tables`,
  );
  return new Map(rows.map((r) => [r.t, { scans: Number(r.scans), writes: Number(r.writes) }]));
}

/**
 * Transactions per second over MEASURE_MS (pg_stat_database is flushed by each backend at most
 * once a second), and per table the scans and rows written per second, largest first.
 */
async function rate(pg: Client): Promise<{ perSecond: number; tables: string }> {
  await sleep(1500);
  const before = await transactions(pg);
  const tablesBefore = await tableCounts(pg);
  await sleep(MEASURE_MS);
  await sleep(1500); // the last flushes
  const after = await transactions(pg);
  const tablesAfter = await tableCounts(pg);
  const seconds = MEASURE_MS / 1000;
  const tables = [...tablesAfter]
    .map(([t, c]) => ({ t, scans: (c.scans - (tablesBefore.get(t)?.scans ?? 0)) / seconds, writes: (c.writes - (tablesBefore.get(t)?.writes ?? 0)) / seconds }))
    .filter((x) => x.scans + x.writes > 0)
    .sort((x, y) => y.scans + y.writes - (x.scans + x.writes))
    .slice(0, 4)
    .map((x) => `${x.t} ${x.scans.toFixed(1)} scans/s ${x.writes.toFixed(1)} rows written/s`)
    .join('; ');
  // Our own reads count once each.
  return { perSecond: (after - before - 2) / seconds, tables };
}

async function main(): Promise<void> {
  const jibris = await Promise.all(Array.from({ length: JIBRIS }, (_, i) => FakeJibri.start({ jibriId: `bench-jibri-${i + 1}` })));
  const db = await createTestDatabase();
  const rooms = Array.from({ length: STARTS }, (_, i) => `bench-queue-${i}`);
  const owner = { sub: 'bench-queue-owner', rooms: Object.fromEntries(rooms.map((r) => [r, 'owner'])) };
  const auth = `Bearer ${tokenFor(owner)}`;
  const env = {
    ...loadServiceEnv(),
    DATABASE_URL: db.url,
    RECORDING_WORKERS: '{"screen_recording":"jibri"}',
    ...jibriPoolEnv(jibris),
    JIBRI_WEBHOOK_TOKENS: jibris.map(tokenOf).join(','),
    RECORDING_START_QUEUE_SECONDS: '600',
  };
  const instances: ServiceProcess[] = [await serviceProcess(env, { entry: 'source' }), await serviceProcess(env, { entry: 'source' })];
  const pg = new Client({ connectionString: db.url });
  try {
    await Promise.all(instances.map((s) => s.start()));
    await pg.connect();
    console.log(`bench/queue: ${STARTS} starts, ${JIBRIS} fake Jibris, 2 instances, ${SIGNAL ? 'idle reports sent' : 'no idle reports (health poll and periodic tries only)'}`);

    const idleRate = await rate(pg);

    // Who took which session, and when; a meeting ends only once the bench lets it.
    const sessionStarted = new Map<string, number>();
    const freedAt = new Map<FakeJibri, number>();
    const gaps: number[] = [];
    let meetingsEnd = false;
    const seen = new Map<FakeJibri, number>(jibris.map((j) => [j, 0]));
    const ending = new Set<FakeJibri>();
    const watcher = setInterval(() => {
      const now = performance.now();
      for (const j of jibris) {
        const count = j.startedSessions.length;
        if (count > seen.get(j)!) {
          for (const s of j.startedSessions.slice(seen.get(j)!)) sessionStarted.set(String(s.sessionId), now);
          seen.set(j, count);
          const freed = freedAt.get(j);
          if (freed !== undefined) gaps.push(now - freed);
          freedAt.delete(j);
        }
        if (meetingsEnd && j.session && !ending.has(j)) {
          ending.add(j);
          setTimeout(() => {
            j.finishOnItsOwn();
            freedAt.set(j, performance.now());
            ending.delete(j);
            if (SIGNAL) {
              const to = instances[Math.floor(Math.random() * instances.length)]!;
              j.postStatus(`${to.url}/api/v1.0/rooms/webhooks-jibri/${tokenOf(j)}`).catch(() => undefined);
            }
          }, 1000 + Math.random() * 2000);
        }
      }
    }, 2);

    const answers = await Promise.all(
      rooms.map((room, i) =>
        fetch(`${instances[i % 2]!.url}/api/v1.0/rooms/${room}/start-recording/`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ mode: 'screen_recording' }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string; status: string } })),
      ),
    );
    const byStatus = (s: string) => answers.filter((a) => a.status === 201 && a.body.status === s).length;
    line('answers', `201 active ${byStatus('active')}, 201 queued ${byStatus('queued')}, other ${answers.filter((a) => a.status !== 201).length}`);
    const queuedOrder = (
      await pg.query<{ id: string }>(`SELECT id FROM recordings WHERE status = 'queued' ORDER BY created_at, id`)
    ).rows.map((r) => r.id);

    const waitingRate = await rate(pg);
    line('DB transactions/s', `${idleRate.perSecond.toFixed(1)} with 0 waiting, ${waitingRate.perSecond.toFixed(1)} with ${queuedOrder.length} waiting (2 instances, 10 s each)`);
    line('  0 waiting', idleRate.tables);
    line(`  ${queuedOrder.length} waiting`, waitingRate.tables);

    meetingsEnd = true;
    const began = performance.now();
    const ids = answers.map((a) => a.body.id);
    while (ids.some((id) => !sessionStarted.has(id))) {
      if (performance.now() - began > SERVE_TIMEOUT_MS) break;
      await sleep(100);
    }
    const servedSeconds = (performance.now() - began) / 1000;
    clearInterval(watcher);

    const sessions = jibris.flatMap((j) => j.startedSessions.map((s) => String(s.sessionId)));
    const twice = sessions.length - new Set(sessions).size;
    const unserved = ids.filter((id) => !sessionStarted.has(id)).length;
    line('served', `${ids.length - unserved} of ${ids.length} in ${servedSeconds.toFixed(1)} s after the meetings began ending; unserved ${unserved}, given two sessions ${twice}`);

    // Order: the queued starts in creation order, against when their sessions began.
    const servedAt = queuedOrder.map((id) => sessionStarted.get(id) ?? Infinity);
    let inversions = 0;
    for (let i = 0; i < servedAt.length; i++) for (let k = i + 1; k < servedAt.length; k++) if (servedAt[k]! < servedAt[i]!) inversions++;
    line('order (jibri)', `${inversions} inversions among ${queuedOrder.length} queued starts (pairs served against their arrival order)`);

    const sorted = [...gaps].sort((x, y) => x - y);
    line('freed -> next start', `p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms (${sorted.length} hand-overs)`);
  } finally {
    await pg.end().catch(() => undefined);
    await killAllServiceProcesses();
    await Promise.all(jibris.map((j) => j.close()));
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
