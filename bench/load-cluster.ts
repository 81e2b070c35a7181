/**
 * bench/load-cluster: three service processes (the compiled dist/main.js the image runs, built
 * first; BENCH_ENTRY=source: src/main.ts through tsx) behind the real nginx
 * running nginx/recordings.conf (the three as `server` entries of its upstream, round-robin), on
 * one PostgreSQL, with webhooks on (one receiver verifying every signature). For D seconds
 * (default 60), N rooms (default 30) loop:
 *   - two thirds, LiveKit: start -> stop -> storage event (fake LiveKit);
 *   - one third, Jibri: start -> Jibri's status webhook (the meeting ended) -> upload (upload-url,
 *     the PUT into s3rver, the storage event), on a pool of fake Jibris (default: Jibri rooms - 2,
 *     so starts also meet a full pool);
 * while instance 2 is SIGKILLed at 40% of the run and started again. Every request goes through
 * nginx. The bench plays the clients, Jibri and the storage: a worker that stopped gets its file
 * in storage whatever the API answered, as egress and finalize.sh do.
 * The instances get the image's NODE_OPTIONS (the heap cap) as node flags; BENCH_NODE_ARGS
 * replaces them.
 * Prints requests/s and latencies, each instance's peak RSS (VmHWM), the PostgreSQL sessions
 * (sampled from pg_stat_activity, per instance through application_name), and the count checks:
 * never two live recordings in a room (sampled from the database; 409s only after a lost
 * answer), every saved recording notified exactly once, every webhook event delivered (repeats
 * allowed only from a delivery that ran again), no Jibri asked to start while busy nor left
 * recording, nothing left unfinished.
 * Needs PostgreSQL (scripts/test.sh sets it up, or TEST_PG_ADMIN_URL) and nginx
 * (/usr/sbin/nginx or TEST_NGINX_BIN).
 *   npx tsx bench/load-cluster.ts [seconds=60] [rooms=30] [jibris]
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Pool } from 'pg';
import { UPLOAD_CAPABILITY_HEADER } from '../src/api/routes/jibri-upload-url';
import { FakeJibri, sessionOf, uploadCapabilityOf } from '../test/fakes/jibri-server';
import { jibriPoolEnv } from '../test/helpers/jibri-env';
import { minioFixture } from '../test/helpers/flow';
import { startFakeLivekit } from '../test/helpers/livekit-env';
import { startNginx } from '../test/helpers/nginx';
import { createTestDatabase } from '../test/helpers/pg';
import { s3Env, startS3Server } from '../test/helpers/s3';
import { tokenFor, TEST_STORAGE_TOKEN } from '../test/helpers/service';
import { buildService, serviceProcess, type ServiceProcess } from '../test/helpers/service-process';
import { startSmtpServer } from '../test/helpers/smtp';
import { startWebhookReceiver } from '../test/helpers/webhook-receiver';
import { drainJobs, EmailTally, FIXTURE_ID, imageNodeOptions, line, loadServiceEnv, sleep, TimedClient, type Answer } from './load-common';

const SECONDS = Number(process.argv[2] ?? 60);
const ROOMS = Number(process.argv[3] ?? 30);
const JIBRI_ROOMS = Math.max(1, Math.round(ROOMS / 3));
const LIVEKIT_ROOMS = ROOMS - JIBRI_ROOMS;
const JIBRIS = Number(process.argv[4] ?? Math.max(1, JIBRI_ROOMS - 2));
const INSTANCES = 3;
const VICTIM = 1; // instance 2
const KILL_AT_MS = SECONDS * 400;
const SETTLE_TIMEOUT_MS = 120_000;
const DRAIN_TIMEOUT_MS = 180_000;
const RETRY_MS = 300;
const WEBHOOK_TIMEOUT_MS = 3000;
const JIBRI_WEBHOOK_TOKEN = 'bench-jibri-webhook-token-0123456789';
const JIBRI_UPLOAD_TOKEN = 'bench-jibri-upload-token-0123456789';
const ENDPOINTS = ['start', 'stop', 'jibri-status', 'upload-url', 'storage-hook'] as const;
const MODES = { livekit: 'screen_recording', jibri: 'jitsi_recording' } as const;
const FILE_BYTES = Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42'), Buffer.alloc(4096)]);
const OUTBOX_KINDS = ['email.recording-saved', 'webhook.ready', 'webhook.delivery'];
const LIVE = "status IN ('initiated', 'active')";

type Kind = keyof typeof MODES;

/** Counters by reason: what went wrong, or what was answered, and how often. */
class Tally {
  readonly counts: Record<string, number> = {};
  add(what: string, n = 1): void {
    this.counts[what] = (this.counts[what] ?? 0) + n;
  }
  get total(): number {
    return Object.values(this.counts).reduce((n, c) => n + c, 0);
  }
  toString(): string {
    const entries = Object.entries(this.counts).sort(([a], [b]) => a.localeCompare(b));
    return entries.length === 0 ? '0' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
  }
}

/** The peak resident memory so far (VmHWM) of a process, in MB; undefined once it is gone. */
function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Each instance's lives (a restart is a new process) and their peak RSS. */
class RssWatch {
  readonly lives: { pid: number; peakMb: number }[][];
  constructor(private readonly instances: ServiceProcess[]) {
    this.lives = instances.map(() => []);
  }
  sample(): void {
    this.instances.forEach((svc, i) => {
      const pid = svc.pid;
      const mb = peakRssMb(pid);
      if (pid === undefined || mb === undefined) return;
      const lives = this.lives[i]!;
      const current = lives.find((l) => l.pid === pid);
      if (current) current.peakMb = Math.max(current.peakMb, mb);
      else lives.push({ pid, peakMb: mb });
    });
  }
}

/** What a delivery check found for one event id. */
interface Received {
  count: number;
  firstAt: number;
  /** Every arrival (ms since the epoch). */
  at: number[];
}

async function main(): Promise<void> {
  if (!(SECONDS > 0) || !(ROOMS >= 2) || !(JIBRIS > 0)) throw new Error('usage: npx tsx bench/load-cluster.ts [seconds>0] [rooms>=2] [jibris>0]');
  const { livekit, env: livekitEnv } = await startFakeLivekit();
  const smtp = await startSmtpServer();
  const s3 = await startS3Server({ bucket: 'meet-media-storage' });
  const receiver = await startWebhookReceiver();
  const jibris = await Promise.all(Array.from({ length: JIBRIS }, (_, i) => FakeJibri.start({ jibriId: `bench-jibri-${i + 1}` })));
  const db = await createTestDatabase();
  const env = {
    ...livekitEnv,
    ...s3Env(s3),
    ...smtp.env,
    ...loadServiceEnv(),
    TRUST_PROXY: '1',
    WORKER_TIMEOUT_MS: '5000',
    JOBS_POLL_INTERVAL_MS: '200',
    RECORDING_WORKERS: JSON.stringify({ [MODES.livekit]: 'livekit-video', [MODES.jibri]: 'jibri' }),
    ...jibriPoolEnv(jibris),
    JIBRI_WEBHOOK_TOKEN,
    JIBRI_UPLOAD_TOKEN,
    WEBHOOK_URLS: receiver.url,
    WEBHOOK_SECRET: receiver.secret,
    WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
    WEBHOOK_RETRY_BASE_MS: '500',
    // Starts orphaned by the kill are settled within seconds; stopped recordings are left to
    // the bench's storage (it delivers every file), not failed by the reconciler meanwhile.
    RECONCILE_INTERVAL_MS: '2000',
    RECONCILE_INITIATED_GRACE_MS: '1000',
    RECONCILE_STOPPED_GRACE_MS: '300000',
  };
  const dbUrlFor = (i: number) => {
    const url = new URL(db.url);
    url.searchParams.set('application_name', `recorder-${i + 1}`);
    return url.toString();
  };
  // The image's node flags (its NODE_OPTIONS, read from the Dockerfile: the heap cap), unless
  // BENCH_NODE_ARGS='--max-old-space-size=128' (say; '' for none) gives others.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? imageNodeOptions()).split(' ').filter(Boolean);
  // The instances run what the image runs, the compiled service (npm run build first);
  // BENCH_ENTRY=source runs src/main.ts through tsx instead, as npm start does.
  const entry = process.env.BENCH_ENTRY === 'source' ? 'source' : 'dist';
  if (entry === 'dist') await buildService();
  const instances = await Promise.all(
    Array.from({ length: INSTANCES }, (_, i) => serviceProcess({ ...env, DATABASE_URL: dbUrlFor(i) }, { nodeArgs, entry, outputLimit: 8 * 2 ** 20 })),
  );
  // The bench's own sessions (samplers, settling rooms) are named load-bench, not counted.
  const pg = new Pool({ connectionString: db.url, application_name: 'load-bench', max: 4 });
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  try {
    // One at a time: three migrating at once would only wait for each other's lock.
    for (const svc of instances) await svc.start();
    nginx = await startNginx({ serviceUrl: instances.map((s) => s.url), storageUrl: s3.endpointUrl });
    const base = nginx.url;
    const client = new TimedClient(base, ENDPOINTS);
    const emails = new EmailTally(smtp);
    emails.start();

    // Webhook deliveries tallied per event id, then dropped from the receiver.
    const received = new Map<string, Received>();
    let rejectedDeliveries = 0;
    const collectDeliveries = () => {
      for (const d of receiver.deliveries) {
        const r = received.get(d.id);
        if (r) {
          r.count += 1;
          r.at.push(d.receivedAt);
        } else received.set(d.id, { count: 1, firstAt: d.receivedAt, at: [d.receivedAt] });
      }
      rejectedDeliveries += receiver.rejected.length;
      receiver.clear();
    };
    const deliveryTimer = setInterval(collectDeliveries, 500);

    // Samplers: peak RSS of each instance; PostgreSQL sessions; two live recordings in a room.
    const rss = new RssWatch(instances);
    const pgPeak = { total: 0, busy: 0, perInstance: new Map<string, number>() };
    let doubleLiveSamples = 0;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        rss.sample();
        const sessions = await pg.query<{ app: string; n: number; busy: number }>(
          `SELECT application_name AS app, count(*)::int AS n, count(*) FILTER (WHERE state <> 'idle')::int AS busy
             FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'recorder-%' GROUP BY 1`,
        );
        pgPeak.total = Math.max(pgPeak.total, sessions.rows.reduce((n, r) => n + r.n, 0));
        pgPeak.busy = Math.max(pgPeak.busy, sessions.rows.reduce((n, r) => n + r.busy, 0));
        for (const r of sessions.rows) pgPeak.perInstance.set(r.app, Math.max(pgPeak.perInstance.get(r.app) ?? 0, r.n));
        const doubles = await pg.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (SELECT room FROM recordings WHERE ${LIVE} GROUP BY room HAVING count(*) > 1) d`,
        );
        samples += 1;
        if (doubles.rows[0]!.n > 0) doubleLiveSamples += 1;
        await sleep(250);
      }
    })();

    const fixture = JSON.stringify(minioFixture('put-recording.json'));
    const started = { livekit: 0, jibri: 0 };
    const conflicts = { afterLostAnswer: 0, unexpected: 0 };
    const refused = new Tally(); // the service's own refusals of a start (a full Jibri pool, ...)
    const lost = new Tally(); // no answer from the service (the kill): by endpoint
    const anomalies = new Tally(); // answers the flow does not expect
    const webhookAnswers = new Tally();
    const delivered = new Set<string>();
    const ownerOfRoom = new Map<string, string>();

    /** The service answered (JSON), as opposed to a lost answer (no connection, nginx's own page). */
    const answered = (a: Answer) => a.status !== 0 && !a.notJson;

    /** The file of a recording whose worker stopped lands in storage, and MinIO tells the service. */
    const deliverFile = async (kind: Kind, id: string) => {
      if (delivered.has(id)) return;
      delivered.add(id);
      if (kind === 'jibri') await upload(id);
      for (;;) {
        const event = await client.post('storage-hook', '/api/v1.0/recordings/storage-hook/', TEST_STORAGE_TOKEN, fixture.split(FIXTURE_ID).join(id));
        if (event.status === 200) {
          if (event.json.message !== 'Event processed.') anomalies.add(`storage-hook: ${String(event.json.message)}`);
          return;
        }
        if (answered(event)) {
          anomalies.add(`storage-hook ${event.status}`);
          return;
        }
        lost.add('storage-hook');
        await sleep(RETRY_MS);
      }
    };

    /**
     * What finalize.sh does: an upload URL, with the recording's own upload capability that the
     * service handed its Jibri at start, then the PUT (only creates: If-None-Match).
     */
    const upload = async (id: string) => {
      const capability = uploadCapabilityOf(sessionOf(jibris, id));
      if (!capability) {
        anomalies.add('a Jibri start carried no upload capability');
        return;
      }
      for (;;) {
        const res = await client.post('upload-url', `/api/v1.0/recordings/${id}/upload-url/`, JIBRI_UPLOAD_TOKEN, '{}', { [UPLOAD_CAPABILITY_HEADER]: capability });
        if (res.status === 409) return; // the file is in already (a lost answer's retry)
        if (res.status === 200) {
          try {
            const put = await fetch(String(res.json.url), {
              method: 'PUT',
              headers: { 'If-None-Match': '*', 'Content-Type': 'video/mp4' },
              body: FILE_BYTES,
              signal: AbortSignal.timeout(10_000),
            });
            await put.arrayBuffer();
            if (put.ok) return;
            anomalies.add(`upload PUT ${put.status}`);
          } catch {
            anomalies.add('upload PUT failed');
          }
        } else if (answered(res)) {
          anomalies.add(`upload-url ${res.status} ${String(res.json.detail ?? '')}`);
          return;
        } else lost.add('upload-url');
        await sleep(RETRY_MS);
      }
    };

    /** Stopped recordings of a room whose file has not landed: after a lost stop, say. */
    const deliverStoppedIn = async (room: string) => {
      const { rows } = await pg.query<{ id: string; kind: string }>("SELECT id, worker_kind AS kind FROM recordings WHERE room = $1 AND status = 'stopped'", [room]);
      for (const r of rows) await deliverFile(r.kind === 'jibri' ? 'jibri' : 'livekit', r.id);
    };

    /**
     * The room may hold a recording nobody knows of (a start whose answer was lost): stop it
     * through the API (its file then lands), or wait while it is `initiated` (a start in flight,
     * or orphaned by the kill until the reconciler settles it).
     */
    const settle = async (kind: Kind, room: string, token: string) => {
      const giveUp = performance.now() + SETTLE_TIMEOUT_MS;
      while (performance.now() < giveUp) {
        const stop = await client.post('stop', `/api/v1.0/rooms/${room}/stop-recording/`, token);
        if (stop.status === 200) {
          if (stop.json.status === 'stopped') await deliverFile(kind, String(stop.json.id));
          continue; // nothing else can be live there now, but look again
        }
        if (!answered(stop)) lost.add('stop');
        else if (stop.status !== 404) anomalies.add(`stop ${stop.status}`);
        await deliverStoppedIn(room);
        const live = await pg.query(`SELECT 1 FROM recordings WHERE room = $1 AND ${LIVE}`, [room]);
        if (live.rowCount === 0) return;
        await sleep(500);
      }
      anomalies.add('room not settled');
    };

    const finishLivekit = async (room: string, token: string, id: string) => {
      const stop = await client.post('stop', `/api/v1.0/rooms/${room}/stop-recording/`, token);
      if (stop.status === 200 && stop.json.id === id) {
        if (stop.json.status === 'stopped') await deliverFile('livekit', id);
        else anomalies.add(`stop answered ${String(stop.json.status)}`);
        return;
      }
      if (answered(stop)) anomalies.add(`stop ${stop.status}`);
      else lost.add('stop');
      await settle('livekit', room, token);
    };

    const finishJibri = async (room: string, token: string, id: string) => {
      const jibri = jibris.find((j) => (j.session as { sessionId?: string } | null)?.sessionId === id);
      if (!jibri) {
        anomalies.add('no Jibri runs a started recording');
        await settle('jibri', room, token);
        return;
      }
      // The meeting ends: Jibri goes idle and tells the service (through nginx, any instance).
      jibri.finishOnItsOwn();
      const status = JSON.stringify({ jibriId: jibri.jibriId, status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY', details: {} } } });
      for (;;) {
        const hook = await client.post('jibri-status', `/api/v1.0/rooms/webhooks-jibri/${JIBRI_WEBHOOK_TOKEN}/v1/status`, JIBRI_WEBHOOK_TOKEN, status);
        if (hook.status === 200) {
          webhookAnswers.add(String(hook.json.message));
          break;
        }
        if (answered(hook)) {
          anomalies.add(`jibri-status ${hook.status}`);
          break;
        }
        lost.add('jibri-status');
        await sleep(RETRY_MS);
      }
      // finalize.sh runs once the session is over, whatever the webhook's fate.
      await deliverFile('jibri', id);
      const live = await pg.query(`SELECT 1 FROM recordings WHERE id = $1 AND ${LIVE}`, [id]);
      if (live.rowCount !== 0) {
        anomalies.add('Jibri recording still live after its idle webhook');
        await settle('jibri', room, token);
      }
    };

    const deadline = performance.now() + SECONDS * 1000;
    const began = performance.now();
    const runBegan = Date.now();
    // Requests/s over the run's window; loops then take their last recordings to the end.
    let atDeadline = 0;
    const windowTimer = setTimeout(() => (atDeadline = client.total), SECONDS * 1000);
    const loop = async (kind: Kind, k: number) => {
      const room = `${kind}-room-${k}`;
      const email = `${kind}-owner-${k}@example.org`;
      ownerOfRoom.set(room, email);
      const token = tokenFor({ sub: `${kind}-owner-${k}`, email, locale: 'en', rooms: { [room]: 'owner' } }, { expiresIn: SECONDS + 900 });
      let lostAnswer = false; // since the last 201: the room may hold a recording we do not know
      while (performance.now() < deadline) {
        const start = await client.post('start', `/api/v1.0/rooms/${room}/start-recording/`, token, JSON.stringify({ mode: MODES[kind] }));
        if (start.status === 201) {
          lostAnswer = false;
          started[kind] += 1;
          const id = String(start.json.id);
          // Whatever the deadline says, a started recording is taken to its end.
          await (kind === 'livekit' ? finishLivekit(room, token, id) : finishJibri(room, token, id));
          continue;
        }
        if (start.status === 409) {
          // Only a recording we lost track of may hold the room.
          if (lostAnswer) conflicts.afterLostAnswer += 1;
          else conflicts.unexpected += 1;
          await settle(kind, room, token);
          continue;
        }
        if (start.status === 502 && answered(start)) {
          refused.add(`${kind} 502 ${String(start.json.detail)}`);
          await sleep(200);
          continue;
        }
        if (answered(start)) anomalies.add(`start ${start.status} ${String(start.json.detail ?? '')}`);
        else lost.add('start');
        lostAnswer = true;
        await settle(kind, room, token);
      }
    };

    // The kill: SIGKILL instance 2 at 40% of the run, start it again at once.
    let killedAt = 0;
    let downSeconds = 0;
    const killer = (async () => {
      await sleep(KILL_AT_MS);
      rss.sample();
      const victim = instances[VICTIM]!;
      const port = victim.port;
      killedAt = Date.now();
      await victim.kill();
      await victim.start();
      downSeconds = (Date.now() - killedAt) / 1000;
      if (victim.port !== port) throw new Error('the restarted instance moved to another port: nginx no longer reaches it');
    })();

    await Promise.all([
      ...Array.from({ length: LIVEKIT_ROOMS }, (_, k) => loop('livekit', k)),
      ...Array.from({ length: JIBRI_ROOMS }, (_, k) => loop('jibri', k)),
      killer,
    ]);
    const loadSeconds = (performance.now() - began) / 1000;
    const loadRequests = client.total;
    clearTimeout(windowTimer);
    if (atDeadline === 0) atDeadline = loadRequests;

    // Everything a worker stopped has its file; nothing stays live or half-done.
    const sweepBegan = performance.now();
    let unfinished: { id: string; room: string; status: string; kind: string }[] = [];
    while (performance.now() - sweepBegan < SETTLE_TIMEOUT_MS) {
      unfinished = (
        await pg.query<{ id: string; room: string; status: string; kind: string }>(
          "SELECT id, room, status, worker_kind AS kind FROM recordings WHERE status IN ('initiated', 'active', 'stopped', 'failed_to_stop')",
        )
      ).rows;
      const waiting = unfinished.filter((r) => r.status !== 'stopped' || !delivered.has(r.id));
      if (waiting.length === 0) break;
      for (const r of waiting.filter((w) => w.status === 'stopped')) await deliverFile(r.kind === 'jibri' ? 'jibri' : 'livekit', r.id);
      await sleep(500);
    }
    const drain = await drainJobs(pg, OUTBOX_KINDS, DRAIN_TIMEOUT_MS);
    await sleep(500);
    sampling = false;
    await sampler;
    clearInterval(deliveryTimer);
    collectDeliveries();
    emails.stop();
    rss.sample();

    // ---- the checks, by count
    const recordings = (await pg.query<{ id: string; room: string; status: string }>('SELECT id, room, status FROM recordings')).rows;
    const statuses = new Tally();
    for (const r of recordings) statuses.add(r.status);
    const stillOpen = recordings.filter((r) => ['initiated', 'active', 'stopped', 'failed_to_stop'].includes(r.status));
    const toNotify = new Map(
      recordings.filter((r) => ['saved', 'notification_succeeded', 'notification_failed'].includes(r.status)).map((r) => [r.id, ownerOfRoom.get(r.room)!]),
    );
    const notifiedOk = recordings.filter((r) => r.status === 'notification_succeeded').length;
    const mail = emails.check(toNotify, new Set(recordings.map((r) => r.id)));

    const events = (await pg.query<{ id: string; type: string; status: string; attempts: number }>(
      "SELECT payload->>'eventId' AS id, payload->>'type' AS type, status, attempts FROM jobs WHERE kind = 'webhook.delivery'",
    )).rows;
    const ranAgain = new Set(events.filter((e) => e.attempts > 1).map((e) => e.id));
    const eventTypes = new Tally();
    for (const e of events) eventTypes.add(e.type);
    const eventIds = new Set(events.map((e) => e.id));
    const missingEvents = [...eventIds].filter((id) => !received.has(id)).length;
    const unknownEvents = [...received.keys()].filter((id) => !eventIds.has(id)).length;
    const repeatedIds = [...received.entries()].filter(([, r]) => r.count > 1);
    const repeats = repeatedIds.map(([, r]) => r);
    // At least once allows a repeat only from a delivery that ran again: after the kill's lease,
    // or retried because the sender saw no answer in time. One attempt, two arrivals: a defect.
    const unexplainedRepeats = repeatedIds.filter(([id]) => !ranAgain.has(id)).length;
    // A repeat at-least-once allows: the first delivery was answered while the killed instance
    // held its claim (up to one lease, 2 x WEBHOOK_TIMEOUT_MS + 5 s, before the kill).
    const leaseMs = 2 * WEBHOOK_TIMEOUT_MS + 5000;
    const repeatsAroundKill = repeats.filter((r) => r.firstAt <= killedAt && r.firstAt >= killedAt - leaseMs).length;
    const rerun = new Tally();
    for (const r of (
      await pg.query<{ kind: string; n: number }>("SELECT kind, count(*)::int AS n FROM jobs WHERE attempts > 1 AND kind = ANY($1::text[]) GROUP BY kind", [OUTBOX_KINDS])
    ).rows) rerun.add(r.kind, r.n);
    const jobStates = new Tally();
    for (const e of events) jobStates.add(e.status);

    // A Jibri still recording now records for no live recording (a session nobody stops).
    const leftRecording = jibris.filter((j) => j.busyStatus === 'BUSY').length;
    const starts = jibris.flatMap((j) => j.requestsTo('startService'));
    const busyStarts = starts.filter((r) => r.status === 412).length;
    const sessions = starts.filter((r) => r.status === 200).map((r) => String((r.body as { sessionId?: unknown }).sessionId));
    const sessionOnTwo = sessions.length - new Set(sessions).size;

    const checks: [string, boolean][] = [
      ['one live recording per room', doubleLiveSamples === 0 && conflicts.unexpected === 0],
      [
        'every saved recording notified exactly once',
        mail.missing === 0 && mail.duplicated === 0 && mail.wrongRecipient === 0 && mail.unexpected === 0 && mail.unattributable === 0 &&
          notifiedOk === toNotify.size && mail.resent <= (rerun.counts['email.recording-saved'] ?? 0),
      ],
      ['every webhook event delivered', missingEvents === 0 && unknownEvents === 0 && rejectedDeliveries === 0 && unexplainedRepeats === 0],
      ['no Jibri double-booked (nor left recording)', busyStarts === 0 && sessionOnTwo === 0 && leftRecording === 0],
      ['nothing left unfinished', stillOpen.length === 0 && drain.left === 0 && anomalies.total === 0],
    ];

    console.log(
      `load-cluster bench: ${INSTANCES} service processes (${entry === 'dist' ? 'node dist/main.js' : 'tsx src/main.ts'}) behind nginx (nginx/recordings.conf, round-robin) on one PostgreSQL; ` +
        `${LIVEKIT_ROOMS} LiveKit rooms (start -> stop -> storage event) + ${JIBRI_ROOMS} Jibri rooms on ${JIBRIS} fake Jibris ` +
        `(start -> status webhook -> upload-url, PUT, storage event) for ${SECONDS} s; webhooks on; instance ${VICTIM + 1} SIGKILLed at ${(KILL_AT_MS / 1000).toFixed(0)} s; ` +
        `${os.cpus().length} cores, loopback`,
    );
    line(
      'requests',
      `${atDeadline} through nginx in the ${SECONDS} s = ${(atDeadline / SECONDS).toFixed(0)} requests/s; ` +
        `the loops then finished their last recordings in ${(loadSeconds - SECONDS).toFixed(1)} s (${loadRequests - atDeadline} requests); ` +
        `started ${started.livekit} LiveKit + ${started.jibri} Jibri recordings`,
    );
    client.printLatencies();
    line('the kill', `instance ${VICTIM + 1} down ${downSeconds.toFixed(1)} s (SIGKILL to healthy again); answers lost: ${lost.toString()}`);
    line('start refusals', refused.toString());
    line('conflicts (409)', `${conflicts.afterLostAnswer} after a lost answer, ${conflicts.unexpected} unexpected; rooms with two live recordings in ${doubleLiveSamples} of ${samples} samples`);
    line('Jibri webhooks', webhookAnswers.toString());
    line('Jibri pool', `${starts.length} startService calls, ${sessions.length} sessions, ${busyStarts} while busy (412), ${sessionOnTwo} recordings on two Jibris; ${leftRecording} still recording at the end`);
    line(
      'settling',
      `sweep ${((performance.now() - sweepBegan) / 1000 - drain.seconds).toFixed(1)} s; outbox (emails, events) drained ${drain.seconds.toFixed(1)} s after ` +
        `(${drain.left} left of ${drain.atStart}; the killed instance's claims wait out their lease); jobs run more than once: ${rerun.toString()}`,
    );
    line('recording statuses', statuses.toString());
    line('emails', `${emails.received} received for ${toNotify.size} saved recordings (${notifiedOk} notification_succeeded): missing ${mail.missing}, duplicated ${mail.duplicated} (another Message-ID), resent ${mail.resent} (same Message-ID: jobs re-run after the kill's lease), wrong recipient ${mail.wrongRecipient}, unexpected ${mail.unexpected}, unattributable ${mail.unattributable}`);
    line('webhook events', `${eventIds.size} queued (${eventTypes.toString()}); deliveries ${jobStates.toString()}; received ${received.size} distinct, missing ${missingEvents}, unknown ${unknownEvents}, rejected signatures ${rejectedDeliveries}; repeated ${repeats.length} (${repeatsAroundKill} first answered within one lease before the kill; ${unexplainedRepeats} from a delivery that ran once)`);
    line(
      'peak RSS (VmHWM)',
      rss.lives.map((lives, i) => `instance ${i + 1} ${lives.map((l) => `${l.peakMb.toFixed(0)} MB`).join(' then ')}`).join('; ') +
        (nodeArgs.length ? ` (node ${nodeArgs.join(' ')})` : ''),
    );
    line('PostgreSQL sessions', `peak ${pgPeak.total} in use by the instances (${pgPeak.busy} busy at once); per instance ${[...pgPeak.perInstance.entries()].sort().map(([app, n]) => `${app} ${n}`).join(', ')}; bound ${INSTANCES} x DATABASE_POOL_SIZE 10 = ${INSTANCES * 10}`);
    line('anomalies', anomalies.toString());
    line('LiveKit calls', ['StartRoomCompositeEgress', 'StopEgress', 'ListEgress'].map((m) => `${m} ${livekit.requestsFor(m).length}`).join(', '));
    const t = (ms: number) => `${((ms - runBegan) / 1000).toFixed(1)} s`;
    if (repeats.length > 0) line('repeated events', `kill at ${t(killedAt)}; ${repeats.slice(0, 5).map((r) => r.at.map(t).join(' and ')).join('; ')}`);
    // What the instances logged at warn and above (each life's output), by message.
    const logged = new Tally();
    for (const svc of instances) {
      for (const text of svc.output().split('\n')) {
        if (!text.startsWith('{')) continue;
        try {
          const entry = JSON.parse(text) as { level?: number; msg?: string; method?: string; code?: string; reason?: string };
          // A failed worker call says which call and how (e.g. StopEgress unreachable).
          const how = [entry.method, entry.code].filter(Boolean).join(' ');
          if ((entry.level ?? 0) >= 40) logged.add(`${entry.level === 40 ? 'warn' : 'error'}: ${entry.msg ?? ''}${how ? ` (${how})` : ''}`);
        } catch {
          // not a log line
        }
      }
    }
    line('service log', logged.toString());
    if (stillOpen.length > 0) line('left unfinished', stillOpen.slice(0, 10).map((r) => `${r.id} ${r.room} ${r.status}`).join('; '));
    for (const [name, ok] of checks) line('count check', `${ok ? 'PASS' : 'FAIL'}: ${name}`);
    if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
  } finally {
    await pg.end().catch(() => undefined);
    await nginx?.stop();
    await Promise.all(instances.map((s) => s.stop()));
    await livekit.close();
    await Promise.all(jibris.map((j) => j.close()));
    await receiver.stop();
    await smtp.stop();
    await s3.close();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
