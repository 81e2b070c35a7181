/**
 * What bench/load.ts (one process) and bench/load-cluster.ts (three behind nginx) share: timed
 * API calls, latency lines, the image's node flags, the email tally at the SMTP server, the outbox drain and the
 * settings every load run gives the service.
 */
import { readFileSync } from 'node:fs';
import type { Client, Pool } from 'pg';
import type { TestSmtpServer } from '../test/helpers/smtp';
import { TEST_JWT_SECRET, TEST_STORAGE_TOKEN } from '../test/helpers/service';

process.env.TEST_PG_ADMIN_URL ??= 'postgres://rec_test:rec_test@127.0.0.1:5432/postgres';

export const REQUEST_TIMEOUT_MS = 15_000;
/** The recording id of test/fixtures/minio/put-recording.json, replaced by the real one. */
export const FIXTURE_ID = '3f2b8c1e-7d4a-4c0b-9a55-2e1f6b7c9d10';
const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The NODE_OPTIONS the Dockerfile's runtime stage sets ('' when none): what a bench gives the service it runs. */
export function imageNodeOptions(): string {
  const dockerfile = readFileSync(new URL('../Dockerfile', `file://${__filename}`), 'utf8');
  return /^\s*NODE_OPTIONS=("[^"]*"|\S+)/m.exec(dockerfile)?.[1]?.replace(/^"|"$/g, '') ?? '';
}

export const line = (label: string, text: string) => console.log(`  ${label.padEnd(20)}${text}`);

/** Settings of every load run's service: the bench's JWT secret and storage token, quiet logs, no rate limit. */
export function loadServiceEnv(): Record<string, string> {
  return {
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RECORDING_STORAGE_EVENT_TOKEN: TEST_STORAGE_TOKEN,
    EMAIL_POLL_INTERVAL_MS: '200',
    RECORDING_DOWNLOAD_BASE_URL: 'http://media.bench/recordings',
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
}

export interface Answer {
  /** 0: no HTTP answer (connection refused or reset, timeout). */
  status: number;
  json: Record<string, unknown>;
  /** The body was not JSON: not the service's answer (nginx's own 502 page, say). */
  notJson: boolean;
}

/** POSTs to the service and keeps each endpoint's latencies. */
export class TimedClient<E extends string> {
  readonly latencies = new Map<E, number[]>();

  constructor(
    private readonly base: string,
    endpoints: readonly E[],
  ) {
    for (const e of endpoints) this.latencies.set(e, []);
  }

  async post(endpoint: E, path: string, token: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    const t0 = performance.now();
    let status = 0;
    let json: Record<string, unknown> = {};
    let notJson = false;
    try {
      const res = await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      const text = await res.text();
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        notJson = true;
      }
    } catch (err) {
      status = 0;
      json = { error: err instanceof Error ? err.message : String(err) };
    }
    this.latencies.get(endpoint)!.push(performance.now() - t0);
    return { status, json, notJson };
  }

  get total(): number {
    return [...this.latencies.values()].reduce((n, l) => n + l.length, 0);
  }

  printLatencies(): void {
    for (const [endpoint, list] of this.latencies) {
      const sorted = [...list].sort((a, b) => a - b);
      line(
        endpoint,
        `n ${String(sorted.length).padStart(6)}   p50 ${percentile(sorted, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(sorted, 99).toFixed(1).padStart(6)} ms   max ${(sorted[sorted.length - 1] ?? NaN).toFixed(1).padStart(7)} ms`,
      );
    }
  }
}

/**
 * Emails at the SMTP server, kept as (the UUIDs in the text, the recipients, the Message-ID) and
 * dropped from the server as they arrive, so its parsed messages do not pile up. `check`
 * attributes each email to the one recording id it names, once the run is over and every
 * recording is known.
 */
export class EmailTally {
  received = 0;
  private readonly emails: { ids: string[]; to: string[]; messageId: string }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly smtp: TestSmtpServer) {}

  start(everyMs = 500): void {
    this.timer = setInterval(() => this.collect(), everyMs);
  }

  collect(): void {
    for (const m of this.smtp.messages) {
      this.received += 1;
      this.emails.push({ ids: [...new Set(m.text.match(UUID_RE) ?? [])], to: m.to, messageId: m.messageId });
    }
    this.smtp.clear();
  }

  /** Stops collecting (after a last pass). */
  stop(): void {
    clearInterval(this.timer);
    this.collect();
  }

  /**
   * `expected`: recording id -> its owner's address, for every recording to be notified once;
   * `known`: every recording id there is. An email naming not exactly one known recording is
   * unattributable; one about a known recording not in `expected` is unexpected. A second
   * email with the same Message-ID is a resend (at least once: the sender crashed between the
   * SMTP server's answer and its own record; mail clients show one message); one with another
   * Message-ID is a duplicate notification.
   */
  check(expected: Map<string, string>, known: Set<string>) {
    const perRecording = new Map<string, { count: number; to: Set<string>; messageIds: Set<string> }>();
    let unattributable = 0;
    for (const email of this.emails) {
      const ids = email.ids.filter((id) => known.has(id));
      if (ids.length !== 1) {
        unattributable += 1;
        continue;
      }
      const e = perRecording.get(ids[0]!) ?? { count: 0, to: new Set<string>(), messageIds: new Set<string>() };
      e.count += 1;
      e.messageIds.add(email.messageId);
      for (const to of email.to) e.to.add(to);
      perRecording.set(ids[0]!, e);
    }
    let missing = 0;
    let duplicated = 0;
    let resent = 0;
    let wrongRecipient = 0;
    for (const [id, owner] of expected) {
      const e = perRecording.get(id);
      if (!e) {
        missing += 1;
        continue;
      }
      duplicated += e.messageIds.size - 1;
      resent += e.count - e.messageIds.size;
      if (!e.to.has(owner)) wrongRecipient += 1;
    }
    const unexpected = [...perRecording.entries()].filter(([id]) => !expected.has(id)).reduce((n, [, e]) => n + e.count, 0);
    return { missing, duplicated, resent, wrongRecipient, unexpected, unattributable };
  }
}

/** Waits until no job of these kinds is pending (or the timeout); returns how many were pending at first and at the end. */
export async function drainJobs(pg: Client | Pool, kinds: string[], timeoutMs: number): Promise<{ atStart: number; left: number; seconds: number }> {
  const began = performance.now();
  const pending = async () =>
    (await pg.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE kind = ANY($1::text[]) AND status = 'pending'", [kinds])).rows[0]!.n;
  const atStart = await pending();
  let left = atStart;
  while (left > 0 && performance.now() - began < timeoutMs) {
    await sleep(100);
    left = await pending();
  }
  return { atStart, left, seconds: (performance.now() - began) / 1000 };
}
