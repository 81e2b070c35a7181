/**
 * Fault-injection suite (issue 7). Each scenario drives the real service process (src/main.ts,
 * spawned, SIGKILLed, restarted) against real PostgreSQL, the fake LiveKit, s3rver and a real
 * SMTP server, injects one fault and checks the database ends up telling the truth and every
 * owner gets exactly one email. afterAll prints one row per scenario (injected / expected /
 * happened) and the summary: scenarios run, recordings lost, emails duplicated, all computed.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { eventually, jobsSettled, minioFixture, queryDb, statusOf } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { createPgCluster, type PgCluster } from './helpers/pg-cluster';
import { createTestDatabase, type TestDatabase } from './helpers/pg';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { tokenFor, TEST_JWT_SECRET, TEST_STORAGE_TOKEN, type TestUser } from './helpers/service';
import { killAllServiceProcesses, serviceProcess, type ServiceProcess } from './helpers/service-process';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp';
import { pauseReconciler, reconcilerPasses } from './helpers/reconciler-pause';
import { startWebhookReceiver } from './helpers/webhook-receiver';

jest.setTimeout(60_000);

const BUCKET = 'meet-media-storage';
const DOWNLOAD_BASE = 'http://media.test/recordings';
const WORKER_TIMEOUT_MS = 1000;
const EMAIL_RETRY_BASE_MS = 500;
const DB_UNAVAILABLE = 'The database is unavailable; please retry shortly.';
const SAVED = ['saved', 'notification_succeeded'];
const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

let livekit: FakeLivekitServer;
let livekitEnv: Record<string, string>;
let s3: TestS3;
let smtp: TestSmtpServer;
let cluster: PgCluster | undefined;
const databases: TestDatabase[] = [];

interface ScenarioRow {
  scenario: string;
  injected: string;
  expected: string;
  happened: string;
  passed: boolean;
  lost: number;
}
const rows: ScenarioRow[] = [];

beforeAll(async () => {
  const [fake, s3Server, smtpServer] = await Promise.all([startFakeLivekit(), startS3Server({ bucket: BUCKET }), startSmtpServer()]);
  livekit = fake.livekit;
  livekitEnv = { LIVEKIT_API_URL: fake.env.LIVEKIT_API_URL!, LIVEKIT_API_KEY: fake.env.LIVEKIT_API_KEY!, LIVEKIT_API_SECRET: fake.env.LIVEKIT_API_SECRET! };
  s3 = s3Server;
  smtp = smtpServer;
});

afterEach(async () => {
  livekit.clearFaults();
  await killAllServiceProcesses();
});

afterAll(async () => {
  await killAllServiceProcesses();
  const duplicated = duplicatedEmails();
  const lost = rows.reduce((n, r) => n + r.lost, 0);
  const table = [
    '| # | scenario | injected | expected | happened | result |',
    '|---|---|---|---|---|---|',
    ...rows.map((r, i) => `| ${i + 1} | ${r.scenario} | ${r.injected} | ${r.expected} | ${r.happened} | ${r.passed ? 'pass' : 'FAIL'} |`),
  ].join('\n');
  console.log(
    `Fault-injection scenarios\n${table}\n\n` +
      `SUMMARY: scenarios run ${rows.length} (passed ${rows.filter((r) => r.passed).length}), ` +
      `recordings lost ${lost}, emails duplicated ${duplicated} (${smtp?.messages.length ?? 0} emails delivered)`,
  );
  await Promise.allSettled([
    livekit?.close(),
    s3?.close(),
    smtp?.stop(),
    cluster?.drop(),
    ...databases.map((d) => d.drop()),
  ]);
});

// ---------------------------------------------------------------------------------------------
// helpers

function serviceEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    ...livekitEnv,
    ...s3Env(s3),
    STORAGE_TIMEOUT_MS: '3000',
    WORKER_TIMEOUT_MS: String(WORKER_TIMEOUT_MS),
    ...smtp.env,
    EMAIL_TIMEOUT_MS: '3000',
    EMAIL_POLL_INTERVAL_MS: '100',
    EMAIL_RETRY_BASE_MS: String(EMAIL_RETRY_BASE_MS),
    EMAIL_RETRY_MAX_MS: '1000',
    EMAIL_MAX_ATTEMPTS: '100',
    RECORDING_DOWNLOAD_BASE_URL: DOWNLOAD_BASE,
    RECONCILE_INTERVAL_MS: '250',
    RECONCILE_STOPPED_GRACE_MS: '500',
    RECONCILE_INITIATED_GRACE_MS: '500',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

async function newDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function api(
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  opts: { user?: TestUser; bearerToken?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = opts.user ? tokenFor(opts.user) : opts.bearerToken;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body };
}

const startRecording = (svc: ServiceProcess, user: TestUser, room: string) =>
  api(svc.url, 'POST', `/api/v1.0/rooms/${room}/start-recording/`, { user, body: { mode: 'screen_recording' } });
const stopRecording = (svc: ServiceProcess, user: TestUser, room: string) =>
  api(svc.url, 'POST', `/api/v1.0/rooms/${room}/stop-recording/`, { user });
const storageEvent = (svc: ServiceProcess, id: string) =>
  api(svc.url, 'POST', '/api/v1.0/recordings/storage-hook/', { bearerToken: TEST_STORAGE_TOKEN, body: minioFixture('put-recording.json', id) });

/** What LiveKit Egress does at the end of a recording: the file lands in the bucket. */
const uploadFile = (id: string) => s3.putObject(`recordings/${id}.mp4`, Buffer.alloc(2048, 1), 'video/mp4');

/**
 * True when there are exactly `expected` jobs of `kind`, each failed at least once and waiting
 * for its next attempt, none claimed nor due within 200 ms: a kill now lands between attempts.
 */
async function allBetweenAttempts(dbUrl: string, kind: string, expected: number): Promise<boolean> {
  const [row] = await queryDb<{ waiting: number; total: number }>(
    dbUrl,
    `SELECT count(*) FILTER (WHERE status = 'pending' AND attempts >= 1 AND locked_until IS NULL
                               AND run_at > now() + interval '200 milliseconds')::int AS waiting,
            count(*)::int AS total
       FROM jobs WHERE kind = $1`,
    [kind],
  );
  return row!.total === expected && row!.waiting === expected;
}

async function recordingOf(dbUrl: string, id: string): Promise<{ status: string; worker_id: string | null }> {
  const [row] = await queryDb<{ status: string; worker_id: string | null }>(dbUrl, 'SELECT status, worker_id FROM recordings WHERE id = $1', [id]);
  if (!row) throw new Error(`recording ${id} not found`);
  return row;
}

async function metric(svc: ServiceProcess, name: string, labels: string): Promise<number> {
  const text = (await api(svc.url, 'GET', '/metrics')).body.raw as string;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** `action=count` for every reconciler correction the service counted in /metrics. */
async function corrections(svc: ServiceProcess): Promise<string> {
  const text = (await api(svc.url, 'GET', '/metrics')).body.raw as string;
  const found = [...text.matchAll(/^recorder_reconciler_corrections_total\{action="([a-z_]+)"\} (\d+)/gm)].map((m) => `${m[1]}=${m[2]}`);
  return found.length ? found.join(' ') : 'none';
}

/** How many `method` requests the fake LiveKit received for this egress. */
function callsFor(method: string, egressId: string): number {
  return livekit.requestsFor(method).filter((r) => (r.body.egressId ?? r.body.egress_id) === egressId).length;
}

/** Emails received for a recording (its id is in the download link), per envelope recipient. */
function emailsFor(id: string, recipient: string): number {
  return smtp.messages.filter((m) => m.to.includes(recipient.toLowerCase()) && m.text.includes(id)).length;
}

/** Over every message received: how many repeat a (recipient, recording) pair already delivered. */
function duplicatedEmails(): number {
  if (!smtp) return 0;
  const seen = new Map<string, number>();
  for (const m of smtp.messages) {
    const ids = new Set(m.text.match(UUID_RE) ?? []);
    for (const to of m.to) for (const id of ids) seen.set(`${to} ${id}`, (seen.get(`${to} ${id}`) ?? 0) + 1);
  }
  return [...seen.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
}

/**
 * Recordings the system lost track of, for the rooms starting with `prefix`: a file in storage
 * whose recording is not saved, an egress still running that no active recording points to
 * (running unseen), or a recording stuck in `initiated`.
 */
async function lostRecordings(dbUrl: string, prefix: string): Promise<string[]> {
  const recs = await queryDb<{ id: string; status: string; worker_id: string | null }>(
    dbUrl,
    'SELECT id, status, worker_id FROM recordings WHERE room LIKE $1',
    [`${prefix}%`],
  );
  const problems: string[] = [];
  for (const r of recs) {
    if (r.status === 'initiated') problems.push(`${r.id} still initiated`);
    if (!SAVED.includes(r.status) && (await s3.hasObject(`recordings/${r.id}.mp4`))) problems.push(`${r.id} stored but ${r.status}`);
  }
  for (const e of livekit.egresses.values()) {
    if (!e.roomName.startsWith(prefix) || !['EGRESS_STARTING', 'EGRESS_ACTIVE'].includes(e.status)) continue;
    if (!recs.some((r) => r.worker_id === e.egressId && r.status === 'active')) problems.push(`egress ${e.egressId} running unseen`);
  }
  return problems;
}

/** Runs a scenario body and records its row whatever happens; the body returns what happened. */
async function scenario(
  meta: { scenario: string; injected: string; expected: string; prefix: string; dbUrl: () => string | undefined },
  body: () => Promise<string>,
): Promise<void> {
  const row: ScenarioRow = { scenario: meta.scenario, injected: meta.injected, expected: meta.expected, happened: '', passed: false, lost: 0 };
  rows.push(row);
  try {
    row.happened = await body();
    const dbUrl = meta.dbUrl();
    const lost = dbUrl ? await lostRecordings(dbUrl, meta.prefix) : [];
    row.lost = lost.length;
    expect(lost).toEqual([]);
    row.passed = true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    row.happened = `${row.happened ? `${row.happened}; ` : ''}FAILED: ${message.split('\n')[0]!.slice(0, 300)}`;
    const dbUrl = meta.dbUrl();
    if (dbUrl) row.lost = (await lostRecordings(dbUrl, meta.prefix).catch(() => [])).length;
    throw err;
  }
}

/** Only to make the fake LiveKit slow, or to pace a load loop: never to wait for something. */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const since = (t0: number) => `${Math.round(performance.now() - t0)} ms`;

function owner(prefix: string, rooms: string[], withEmail = true): TestUser {
  const sub = `${prefix}-owner-${randomBytes(3).toString('hex')}`;
  return {
    sub,
    ...(withEmail ? { email: `${sub}@example.org` } : {}),
    locale: 'en',
    rooms: Object.fromEntries(rooms.map((r) => [r, 'owner'])),
  };
}

// ---------------------------------------------------------------------------------------------
// scenarios

it('storage event never delivered: the reconciler finds the file, saves and notifies', async () => {
  let db: TestDatabase | undefined;
  await scenario(
    {
      scenario: 'storage event lost',
      injected: 'recording stopped, file put in storage, no storage-hook call',
      expected: 'reconciler (statObject) saves it; one email; status notification_succeeded',
      prefix: 'fi1-',
      dbUrl: () => db?.url,
    },
    async () => {
      db = await newDatabase();
      const svc = await serviceProcess(serviceEnv(db.url));
      await svc.start();
      const user = owner('fi1', ['fi1-room']);
      const started = await startRecording(svc, user, 'fi1-room');
      expect(started.status).toBe(201);
      const id = started.body.id as string;
      expect((await stopRecording(svc, user, 'fi1-room')).status).toBe(200);
      await uploadFile(id);
      const t0 = performance.now();

      await eventually(async () => (await statusOf(db!.url, id)) === 'notification_succeeded', 20_000, 'reconciled save and email');
      const settled = since(t0);
      expect(emailsFor(id, user.email!)).toBe(1);
      const saved = await metric(svc, 'recorder_reconciler_corrections_total', 'action="saved"');
      expect(saved).toBeGreaterThanOrEqual(1);
      return `notification_succeeded ${settled} after the upload; ${emailsFor(id, user.email!)} email; reconciler corrections{saved}=${saved}`;
    },
  );
});

it('service SIGKILLed after LiveKit started the egress, before the answer: adopted on restart', async () => {
  let db: TestDatabase | undefined;
  await scenario(
    {
      scenario: 'crash between worker start and DB write',
      injected: 'SIGKILL of the service after the fake LiveKit created the egress, before its answer was sent; restart',
      expected: 'recording active with the egress id (adopted), or egress stopped; never running unseen',
      prefix: 'fi2-',
      dbUrl: () => db?.url,
    },
    async () => {
      db = await newDatabase();
      const svc = await serviceProcess(serviceEnv(db.url));
      await svc.start();
      const user = owner('fi2', ['fi2-room']);
      let egressId = '';
      let killed: Promise<void> = Promise.resolve();
      livekit.beforeAnswer('StartRoomCompositeEgress', async (answer) => {
        egressId = String(answer.egress_id);
        killed = svc.kill();
        await killed;
      });

      const outcome = await startRecording(svc, user, 'fi2-room').then(
        (a) => `answered ${a.status}`,
        () => 'no answer (connection lost)',
      );
      // The connection drops as the process dies, possibly before the kill has been reaped.
      await killed;
      expect(outcome).toBe('no answer (connection lost)');
      expect(svc.running).toBe(false);
      expect(egressId).toMatch(/^EG_/);
      expect(livekit.egresses.get(egressId)?.status).toBe('EGRESS_STARTING');
      const [orphan] = await queryDb<{ id: string; status: string; worker_id: string | null }>(
        db.url,
        "SELECT id, status, worker_id FROM recordings WHERE room = 'fi2-room'",
      );
      expect(orphan).toMatchObject({ status: 'initiated', worker_id: null });
      const id = orphan!.id;

      const t0 = performance.now();
      await svc.start();
      try {
        // The lease (6.5 s from the insert), then one ListEgress; a slow call is retried with backoff.
        await eventually(async () => (await statusOf(db!.url, id)) === 'active', 45_000, 'adoption after restart');
      } catch (err) {
        const [state] = await queryDb(db.url, 'SELECT status, worker_id, reconcile_at, reconcile_attempts, now() AS now FROM recordings WHERE id = $1', [id]);
        const calls = livekit.requests.slice(-5).map((r) => `${r.method} ${r.handledMs?.toFixed(0) ?? '?'} ms`);
        const log = svc.output().split('\n').filter((l) => /reconcil|LiveKit|warn|error/i.test(l)).slice(-10);
        throw new Error(`${(err as Error).message}; row ${JSON.stringify(state)}; last LiveKit calls ${calls.join(', ')}; log:\n${log.join('\n')}`);
      }
      const adoptedAfter = since(t0);
      expect((await recordingOf(db.url, id)).worker_id).toBe(egressId);
      const adopted = await metric(svc, 'recorder_reconciler_corrections_total', 'action="adopted"');
      expect(adopted).toBe(1);
      // Adopted as a start is recorded: its start watchdog check is queued with it.
      const checks = await queryDb(db.url, "SELECT 1 FROM jobs WHERE kind = 'recording.start-watch' AND recording_id = $1", [id]);
      expect(checks).toHaveLength(1);

      // The adopted recording is fully usable: stop, file, storage event, one email.
      const stop = await stopRecording(svc, user, 'fi2-room');
      expect(stop.status).toBe(200);
      expect(livekit.egresses.get(egressId)?.status).toBe('EGRESS_COMPLETE');
      await uploadFile(id);
      expect((await storageEvent(svc, id)).body).toEqual({ message: 'Event processed.' });
      await eventually(async () => (await statusOf(db!.url, id)) === 'notification_succeeded', 20_000, 'email after adoption');
      expect(emailsFor(id, user.email!)).toBe(1);
      return `start request lost its answer; DB had it initiated (no worker id), egress STARTING; after restart active with ${egressId} in ${adoptedAfter} (corrections{adopted}=${adopted}); then stopped, saved, 1 email`;
    },
  );
}, 120_000);

it('service SIGKILLed while emails are queued (SMTP down): all delivered after restart, none twice', async () => {
  let db: TestDatabase | undefined;
  const count = 4;
  await scenario(
    {
      scenario: 'crash with emails queued',
      injected: `SMTP down, ${count} recordings saved (storage events), emails failing and queued; SIGKILL; SMTP back; restart`,
      expected: `${count} emails, one per owner, none twice; all notification_succeeded`,
      prefix: 'fi3-',
      dbUrl: () => db?.url,
    },
    async () => {
      db = await newDatabase();
      // The storage events save these recordings: on a slow machine the reconciler must not save
      // one first from the bucket (the event would then be ignored).
      const svc = await serviceProcess(serviceEnv(db.url, { RECONCILE_STOPPED_GRACE_MS: '60000' }));
      await svc.start();
      const recs: { id: string; user: TestUser }[] = [];
      for (let i = 0; i < count; i++) {
        const room = `fi3-room-${i}`;
        const user = owner('fi3', [room]);
        const started = await startRecording(svc, user, room);
        expect(started.status).toBe(201);
        expect((await stopRecording(svc, user, room)).status).toBe(200);
        recs.push({ id: started.body.id as string, user });
      }

      await smtp.stop();
      for (const r of recs) {
        await uploadFile(r.id);
        expect((await storageEvent(svc, r.id)).body).toEqual({ message: 'Event processed.' });
      }
      // Kill once every email has failed at least once and none is being sent or due within
      // 200 ms: the kill then lands between attempts (a kill during a claimed attempt would
      // only delay that email by its lease, which is not what this scenario measures).
      await eventually(() => allBetweenAttempts(db!.url, 'email.recording-saved', count), 20_000, 'emails queued after a failed attempt');
      await svc.kill();
      const [{ attempts }] = await queryDb<{ attempts: number }>(db.url, "SELECT sum(attempts)::int AS attempts FROM jobs WHERE kind = 'email.recording-saved'");
      expect(smtp.messages.filter((m) => recs.some((r) => m.text.includes(r.id)))).toHaveLength(0);

      await smtp.restart();
      const t0 = performance.now();
      await svc.start();
      await eventually(
        async () => {
          const rowsNow = await queryDb<{ n: number }>(
            db!.url,
            "SELECT count(*)::int AS n FROM recordings WHERE room LIKE 'fi3-%' AND status = 'notification_succeeded'",
          );
          return rowsNow[0]!.n === count;
        },
        20_000,
        'all queued emails delivered after restart',
      );
      const delivered = since(t0);
      const perRecipient = recs.map((r) => emailsFor(r.id, r.user.email!));
      expect(perRecipient).toEqual(recs.map(() => 1));
      const notSent = await queryDb(db.url, "SELECT id FROM jobs WHERE kind = 'email.recording-saved' AND status <> 'done'");
      expect(notSent).toHaveLength(0);
      return `${attempts} failed attempts before the kill, 0 delivered; after restart all ${count} notification_succeeded in ${delivered}; emails per owner [${perRecipient.join(', ')}]`;
    },
  );
});

it('LiveKit times out on stop: failed_to_stop, then the reconciler settles it from ListEgress', async () => {
  let db: TestDatabase | undefined;
  await scenario(
    {
      scenario: 'LiveKit stop timeout',
      injected: `StopEgress (a) never answered, (b) carried out but answered after WORKER_TIMEOUT_MS=${WORKER_TIMEOUT_MS}`,
      expected: '502 and failed_to_stop; then reconciler: (a) egress still running -> stops it; (b) ListEgress says complete -> stopped, no second stop',
      prefix: 'fi4-',
      dbUrl: () => db?.url,
    },
    async () => {
      db = await newDatabase();
      const svc = await serviceProcess(serviceEnv(db.url));
      await svc.start();
      const user = owner('fi4', ['fi4-hang', 'fi4-late']);
      const ids: Record<'hang' | 'late', string> = { hang: '', late: '' };
      const egress: Record<'hang' | 'late', string> = { hang: '', late: '' };
      for (const k of ['hang', 'late'] as const) {
        const started = await startRecording(svc, user, `fi4-${k}`);
        expect(started.status).toBe(201);
        ids[k] = started.body.id as string;
        egress[k] = (await recordingOf(db.url, ids[k])).worker_id!;
      }

      // Pause the reconciler (it skips a pass when it cannot take its advisory lock) so the
      // failed_to_stop state can be observed before it is corrected.
      const resume = await pauseReconciler(db.url);
      try {
        livekit.injectFault({ type: 'hang' }, { method: 'StopEgress', times: 1 });
        const hang = await stopRecording(svc, user, 'fi4-hang');
        livekit.beforeAnswer('StopEgress', () => sleep(WORKER_TIMEOUT_MS + 500));
        const late = await stopRecording(svc, user, 'fi4-late');
        for (const res of [hang, late]) {
          expect(res.status).toBe(502);
          expect(res.body.detail).toMatch(/did not answer in time/);
        }
        expect(await statusOf(db.url, ids.hang)).toBe('failed_to_stop');
        expect(await statusOf(db.url, ids.late)).toBe('failed_to_stop');
        expect(livekit.egresses.get(egress.hang)?.status).toBe('EGRESS_STARTING');
        expect(livekit.egresses.get(egress.late)?.status).toBe('EGRESS_COMPLETE');
      } finally {
        await resume();
      }

      const t0 = performance.now();
      await eventually(
        async () => (await statusOf(db!.url, ids.hang)) === 'stopped' && (await statusOf(db!.url, ids.late)) === 'stopped',
        20_000,
        'reconciler settles both stops',
      );
      const settled = since(t0);
      expect(livekit.egresses.get(egress.hang)?.status).toBe('EGRESS_COMPLETE');
      expect(callsFor('StopEgress', egress.hang)).toBe(2);
      expect(callsFor('StopEgress', egress.late)).toBe(1);
      expect(callsFor('ListEgress', egress.late)).toBeGreaterThanOrEqual(1);

      for (const k of ['hang', 'late'] as const) {
        await uploadFile(ids[k]);
        expect((await storageEvent(svc, ids[k])).body).toEqual({ message: 'Event processed.' });
      }
      await eventually(
        async () => (await statusOf(db!.url, ids.hang)) === 'notification_succeeded' && (await statusOf(db!.url, ids.late)) === 'notification_succeeded',
        20_000,
        'both notified',
      );
      expect([emailsFor(ids.hang, user.email!), emailsFor(ids.late, user.email!)]).toEqual([1, 1]);
      return `both stops 502 "did not answer in time", status failed_to_stop (egress a running, b complete); reconciler made both stopped in ${settled} after it resumed: (a) by a second StopEgress, (b) from ListEgress alone (1 StopEgress); then saved, 1 email each`;
    },
  );
});

it('database restarts mid-load: 503 with a clear detail during the outage, never 500; recovers without a restart', async () => {
  let dbUrl: string | undefined;
  await scenario(
    {
      scenario: 'database restart mid-load',
      injected: 'private PostgreSQL 15 cluster stopped (fast) then started again while 4 clients loop start/stop/list',
      expected: 'outage requests 503 {"detail": "The database is unavailable; please retry shortly."}, none 500; requests succeed afterwards, same process',
      prefix: 'fi5-',
      dbUrl: () => dbUrl,
    },
    async () => {
      cluster = await createPgCluster();
      dbUrl = await cluster.createDatabase('recorder');
      const svc = await serviceProcess(serviceEnv(dbUrl));
      await svc.start();
      const pid = svc.pid;
      const clients = 4;
      const rooms = Array.from({ length: clients }, (_, k) => `fi5-room-${k}`);
      const user = owner('fi5', rooms, false);

      type Phase = 'before' | 'outage' | 'restarting' | 'after';
      interface Sample {
        phase: Phase;
        endpoint: string;
        status: number;
        detail?: unknown;
        error?: string;
      }
      const samples: Sample[] = [];
      let phase: Phase = 'before';
      let looping = true;
      const loop = async (room: string) => {
        const calls: [string, () => Promise<Answer>][] = [
          ['start', () => startRecording(svc, user, room)],
          ['list', () => api(svc.url, 'GET', '/api/v1.0/recordings/', { user })],
          ['stop', () => stopRecording(svc, user, room)],
        ];
        while (looping) {
          for (const [endpoint, call] of calls) {
            const at = phase;
            try {
              const res = await call();
              samples.push({ phase: at, endpoint, status: res.status, detail: res.body.detail });
            } catch (err) {
              samples.push({ phase: at, endpoint, status: 0, error: err instanceof Error ? err.message : String(err) });
            }
            await sleep(20);
          }
        }
      };
      const running = Promise.all(rooms.map(loop));
      const ok = (p: Phase) => samples.filter((s) => s.phase === p && s.status >= 200 && s.status < 300).length;
      let readyDuringOutage = 0;
      try {
        await eventually(async () => ok('before') >= 8, 20_000, 'load before the outage');
        phase = 'outage';
        await cluster.stop();
        await eventually(async () => samples.filter((s) => s.status === 503).length >= 8, 20_000, '503s during the outage');
        readyDuringOutage = (await api(svc.url, 'GET', '/ready')).status;
        phase = 'restarting';
        await cluster.start();
        phase = 'after';
        await eventually(
          async () => samples.filter((s) => s.phase === 'after' && s.endpoint === 'start' && s.status === 201).length >= 2,
          20_000,
          'successful starts after the restart',
        );
      } catch (err) {
        const seen = samples.map((s) => `${s.phase}/${s.endpoint}/${s.status}${s.error ? `(${s.error})` : ''}`).slice(-12);
        throw new Error(
          `${err instanceof Error ? err.message : String(err)}; service ${svc.running ? 'running' : 'DEAD'}; last answers: ${seen.join(' ')}\n${svc.output().slice(-3000)}`,
        );
      } finally {
        looping = false;
        await running;
      }

      const byStatus = (list: Sample[]) =>
        Object.entries(
          list.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }), {}),
        )
          .map(([status, n]) => `${status}x${n}`)
          .join(' ');
      const byEndpoint = (list: Sample[]) =>
        ['start', 'list', 'stop'].map((e) => `${e} ${list.filter((s) => s.endpoint === e).length}`).join(', ');
      const unavailable = samples.filter((s) => s.status === 503);
      expect(samples.filter((s) => s.status === 0)).toEqual([]);
      const serverErrors = samples.filter((s) => s.status >= 500 && s.status !== 503);
      if (serverErrors.length > 0) {
        const logged = svc.output().split('\n').filter((l) => l.includes('unhandled error')).slice(0, 3);
        throw new Error(`${serverErrors.length} answer(s) ${serverErrors.map((s) => `${s.endpoint} ${s.status}`).join(', ')}; service log: ${logged.join(' | ')}`);
      }
      expect(samples.filter((s) => ![200, 201, 404, 409, 503].includes(s.status))).toEqual([]);
      expect(unavailable.length).toBeGreaterThan(0);
      expect(unavailable.filter((s) => s.detail !== DB_UNAVAILABLE)).toEqual([]);
      expect(readyDuringOutage).toBe(503);
      expect((await api(svc.url, 'GET', '/ready')).status).toBe(200);
      expect((await api(svc.url, 'GET', '/api/v1.0/recordings/', { user })).status).toBe(200);
      expect(svc.pid).toBe(pid);
      expect(svc.starts).toBe(1);

      // Starts cut by the outage leave `initiated` recordings (some with an egress) and stops
      // leave egresses ended under an `active` row: the reconciler must settle them all.
      await eventually(async () => (await lostRecordings(dbUrl!, 'fi5-')).length === 0, 45_000, 'reconciler settles the outage');
      const fixed = await corrections(svc);
      for (const room of rooms) {
        const res = await stopRecording(svc, user, room);
        expect([200, 404]).toContain(res.status);
      }
      return (
        `${samples.length} requests: before [${byStatus(samples.filter((s) => s.phase === 'before'))}], ` +
        `outage [${byStatus(samples.filter((s) => s.phase === 'outage'))}], while starting [${byStatus(samples.filter((s) => s.phase === 'restarting'))}], ` +
        `after [${byStatus(samples.filter((s) => s.phase === 'after'))}]; 503 by endpoint [${byEndpoint(unavailable)}], all with the detail, no 500; ` +
        `/ready 503 during, 200 after; same pid, no restart; reconciler corrections afterwards: ${fixed}`
      );
    },
  );
}, 120_000);

it('a start slower than the reconciler grace: never failed in flight, one egress, the room not recorded twice', async () => {
  let db: TestDatabase | undefined;
  await scenario(
    {
      scenario: 'start slower than RECONCILE_INITIATED_GRACE_MS',
      injected: 'LiveKit creates the egress only after 1.5 s (grace 0.5 s, reconciler every 0.25 s, worker timeout 2 s)',
      expected: '201 active with that egress; a second start 409; one egress; stopped, saved, 1 email',
      prefix: 'fi6-',
      dbUrl: () => db?.url,
    },
    async () => {
      db = await newDatabase();
      const svc = await serviceProcess(serviceEnv(db.url, { WORKER_TIMEOUT_MS: '2000' }));
      await svc.start();
      const user = owner('fi6', ['fi6-room']);
      livekit.beforeHandle('StartRoomCompositeEgress', () => sleep(1500));
      const t0 = performance.now();
      const started = await startRecording(svc, user, 'fi6-room');
      const took = since(t0);
      expect(started.status).toBe(201);
      expect(started.body.status).toBe('active');
      const id = started.body.id as string;
      const again = await startRecording(svc, user, 'fi6-room');
      expect(again.status).toBe(409);
      await reconcilerPasses(db.url, 2); // a few reconciler passes, and the row stays active
      const row = await recordingOf(db.url, id);
      expect(row.status).toBe('active');
      const egresses = [...livekit.egresses.values()].filter((e) => e.roomName === 'fi6-room');
      expect(egresses.map((e) => e.egressId)).toEqual([row.worker_id]);
      expect((await stopRecording(svc, user, 'fi6-room')).status).toBe(200);
      await uploadFile(id);
      expect((await storageEvent(svc, id)).body).toEqual({ message: 'Event processed.' });
      await eventually(async () => (await statusOf(db!.url, id)) === 'notification_succeeded', 20_000, 'notified');
      expect(emailsFor(id, user.email!)).toBe(1);
      return `start answered 201 active after ${took}; second start 409; ${egresses.length} egress; after 4 reconciler passes still active with it; then stopped, saved, ${emailsFor(id, user.email!)} email`;
    },
  );
});

it('deleting a failed_to_stop recording whose egress still records: the egress is stopped first', async () => {
  let db: TestDatabase | undefined;
  await scenario(
    {
      scenario: 'delete while the recorder may still run',
      injected: 'StopEgress never answers (502, failed_to_stop, egress still recording), then DELETE with the reconciler paused',
      expected: 'DELETE 409 after stopping the egress; once the file is saved DELETE 204 and the object removed; no egress left running',
      prefix: 'fi7-',
      dbUrl: () => db?.url,
    },
    async () => {
      db = await newDatabase();
      const svc = await serviceProcess(serviceEnv(db.url));
      await svc.start();
      const user = owner('fi7', ['fi7-room']);
      const started = await startRecording(svc, user, 'fi7-room');
      expect(started.status).toBe(201);
      const id = started.body.id as string;
      const egressId = (await recordingOf(db.url, id)).worker_id!;
      const resume = await pauseReconciler(db.url);
      let first: Answer;
      try {
        livekit.injectFault({ type: 'hang' }, { method: 'StopEgress', times: 1 });
        expect((await stopRecording(svc, user, 'fi7-room')).status).toBe(502);
        expect(await statusOf(db.url, id)).toBe('failed_to_stop');
        expect(livekit.egresses.get(egressId)?.status).toBe('EGRESS_STARTING');
        first = await api(svc.url, 'DELETE', `/api/v1.0/recordings/${id}/`, { user });
        expect(first.status).toBe(409);
        expect(livekit.egresses.get(egressId)?.status).toBe('EGRESS_COMPLETE');
        expect(await statusOf(db.url, id)).toBe('stopped');
      } finally {
        await resume();
      }
      await uploadFile(id);
      expect((await storageEvent(svc, id)).body).toEqual({ message: 'Event processed.' });
      await eventually(async () => SAVED.includes((await statusOf(db!.url, id)) ?? ''), 10_000, 'saved');
      expect((await api(svc.url, 'DELETE', `/api/v1.0/recordings/${id}/`, { user })).status).toBe(204);
      expect(await s3.hasObject(`recordings/${id}.mp4`)).toBe(false);
      return `DELETE of failed_to_stop: ${first.status} "${String(first.body.detail).slice(0, 60)}...", egress stopped by a second StopEgress (${callsFor('StopEgress', egressId)} in all); after the upload DELETE 204, object removed`;
    },
  );
});

it('SIGKILL with webhook events queued: after the restart every event is delivered, once each', async () => {
  let db: TestDatabase | undefined;
  const count = 4;
  const receiver = await startWebhookReceiver();
  try {
    await scenario(
      {
        scenario: 'crash with webhook events queued',
        injected: `receiver answering 503, ${count} recordings started, stopped and saved (3 events each); SIGKILL; receiver back; restart`,
        expected: `${count * 3} events delivered, each once, each under the id of its failed attempts`,
        prefix: 'fi8-',
        dbUrl: () => db?.url,
      },
      async () => {
        db = await newDatabase();
        const svc = await serviceProcess(
          // As in the email scenario: the storage events, not the reconciler, save these recordings.
          serviceEnv(db.url, {
            WEBHOOK_URLS: receiver.url,
            WEBHOOK_SECRET: receiver.secret,
            WEBHOOK_RETRY_BASE_MS: '300',
            WEBHOOK_TIMEOUT_MS: '2000',
            RECONCILE_STOPPED_GRACE_MS: '60000',
          }),
        );
        await svc.start();
        receiver.alwaysFail(503);
        const ids: string[] = [];
        for (let i = 0; i < count; i++) {
          const room = `fi8-room-${i}`;
          const user = owner('fi8', [room]);
          const started = await startRecording(svc, user, room);
          expect(started.status).toBe(201);
          expect((await stopRecording(svc, user, room)).status).toBe(200);
          ids.push(started.body.id as string);
          await uploadFile(started.body.id as string);
          expect((await storageEvent(svc, started.body.id as string)).body).toEqual({ message: 'Event processed.' });
        }
        // Kill between attempts: every delivery failed at least once, none claimed or due within 200 ms.
        await eventually(() => allBetweenAttempts(db!.url, 'webhook.delivery', count * 3), 20_000, 'every event queued after a failed attempt');
        // The log names the failing endpoint and its last error, never the payload.
        const log = svc.output();
        expect(log).toContain('webhook delivery failed');
        expect(log).toContain('answered 503');
        expect(log).toContain(receiver.url);
        expect(log).not.toContain('@example.org');
        expect(log).not.toContain('"owners"');
        await svc.kill();
        const failedIds = new Set(receiver.attempts.map((a) => a.id));
        expect(receiver.deliveries).toHaveLength(0);
        receiver.accept();
        const t0 = performance.now();
        await svc.start();
        await receiver.waitForDeliveries(count * 3, 20_000);
        const delivered = since(t0);
        await jobsSettled(db!.url, 'webhook.%');
        const byRecording = ids.map((id) => receiver.deliveries.filter((d) => d.body.data.id === id).map((d) => d.type).sort().join('+'));
        expect(byRecording).toEqual(ids.map(() => 'recording.ready+recording.started+recording.stopped'));
        expect(new Set(receiver.deliveries.map((d) => d.id)).size).toBe(count * 3);
        expect(receiver.deliveries.every((d) => failedIds.has(d.id))).toBe(true);
        return `${receiver.attempts.length - receiver.deliveries.length} failed attempts before the kill; after restart ${receiver.deliveries.length}/${count * 3} events delivered in ${delivered}, each once, ids unchanged`;
      },
    );
  } finally {
    await receiver.stop();
  }
});
