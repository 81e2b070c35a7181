/**
 * bench/tracks: start/stop latency of a recording with 0 and with 10 participant tracks, in one
 * run, against one service process on real PostgreSQL and the fake LiveKit, which answers every
 * call after a fixed delay (its beforeAnswer hook) standing for LiveKit's own time per call.
 * The track egress calls run concurrently, so 10 tracks should add about two calls to a start
 * (ListParticipants, then the StartTrackEgress calls side by side) and nothing much to a stop.
 * Needs PostgreSQL (scripts/test.sh sets it up): TEST_PG_ADMIN_URL or the default below.
 *   npx tsx bench/tracks.ts [rounds] [delay ms]
 */
import request from 'supertest';
import { startFakeLivekit } from '../test/helpers/livekit-env';
import { bearer, startTestService, type TestUser } from '../test/helpers/service';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.argv[2] ?? 10);
const DELAY_MS = Number(process.argv[3] ?? 100);
const TRACKS = 10;
const METHODS = ['StartRoomCompositeEgress', 'StartTrackEgress', 'StopEgress', 'ListParticipants', 'ListEgress'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { livekit, env } = await startFakeLivekit();
  // Every call of these methods waits DELAY_MS before its answer (the hook re-arms itself at once, so concurrent calls each wait).
  const arm = (method: string) =>
    livekit.beforeAnswer(method, async () => {
      arm(method);
      await sleep(DELAY_MS);
    });
  METHODS.forEach(arm);

  const rooms = Object.fromEntries(Array.from({ length: ROUNDS * 3 }, (_, i) => [`bench-${i}`, 'owner']));
  const owner: TestUser = { sub: 'bench-owner', rooms };
  const svc = await startTestService({
    ...env,
    WORKER_TIMEOUT_MS: '10000',
    RECONCILE_INTERVAL_MS: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const results: Record<string, { start: number[]; stop: number[] }> = {
    'no option': { start: [], stop: [] },
    'tracks, room of 0': { start: [], stop: [] },
    [`tracks, room of ${TRACKS}`]: { start: [], stop: [] },
  };
  try {
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, samples] of Object.entries(results)) {
        const room = `bench-${n++}`;
        const speakers = label.endsWith(`${TRACKS}`) ? TRACKS : 0;
        for (let i = 0; i < speakers; i++) {
          livekit.addParticipant(room, { identity: `speaker-${i}`, name: `Speaker ${i}` });
          livekit.publishTrack(room, `speaker-${i}`);
        }
        const body = label === 'no option' ? { mode: 'screen_recording' } : { mode: 'screen_recording', options: { participant_tracks: 'audio' } };
        let t0 = performance.now();
        const start = await request(svc.url).post(`/api/v1.0/rooms/${room}/start-recording/`).set(bearer(owner)).send(body);
        samples.start.push(performance.now() - t0);
        if (start.status !== 201) throw new Error(`start: ${start.status} ${JSON.stringify(start.body)}`);
        const tracks = (start.body.files as { kind: string }[]).filter((f) => f.kind === 'track').length;
        if (tracks !== speakers) throw new Error(`expected ${speakers} track files, got ${tracks}`);
        t0 = performance.now();
        const stop = await request(svc.url).post(`/api/v1.0/rooms/${room}/stop-recording/`).set(bearer(owner));
        samples.stop.push(performance.now() - t0);
        if (stop.status !== 200) throw new Error(`stop: ${stop.status}`);
      }
    }
    console.log(`tracks bench: ${ROUNDS} rounds, fake LiveKit answering each call after ${DELAY_MS} ms, one service process, PostgreSQL 15, ${require('node:os').cpus().length} cores (medians)`);
    for (const [label, samples] of Object.entries(results)) {
      console.log(`  ${label.padEnd(22)} start ${median(samples.start).toFixed(0).padStart(5)} ms   stop ${median(samples.stop).toFixed(0).padStart(5)} ms`);
    }
    const base = results['no option']!;
    const ten = results[`tracks, room of ${TRACKS}`]!;
    const added = median(ten.start) - median(base.start);
    console.log(`  ${TRACKS} tracks add ${added.toFixed(0)} ms to a start (${(added / DELAY_MS).toFixed(2)}x one call; aim <= 3x) and ${(median(ten.stop) - median(base.stop)).toFixed(0)} ms to a stop`);
  } finally {
    await svc.close();
    await livekit.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
