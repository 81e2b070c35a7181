import { statement, type SqlRunner } from '../../../db/sql';
import type { BusyStatus, HealthStatus, JibriStatusReport } from './jibri-api';

/**
 * The Jibri pool's shared state: one `jibri_instances` row per instance, read and written by
 * every service instance on the database. Each operation is one statement (no long-held
 * connection, no advisory lock), so it runs on the embedded single-connection database too.
 * Concurrent writers of one row are serialised by PostgreSQL's row lock: a reservation is a
 * guarded UPDATE that only one of them can win.
 */

/** One instance as the pool sees it. */
export interface PoolRow {
  key: string;
  busyStatus: BusyStatus | null;
  healthStatus: HealthStatus | null;
  reportedAt: Date | null;
  /** The session a webhook named (or the one we started); cleared by any report that is not BUSY. */
  sessionId: string | null;
  reachable: boolean | null;
  /** The recording the instance is reserved for; null also when an unconfirmed reservation's lease ran out. */
  reservedFor: string | null;
  /** The latest reservation's recording, also once its lease ran out; null once it was ended (stop, idle report). */
  lastReservedFor: string | null;
  /** Counts reservations: tells a probe whether the reservation it saw is still the current one. */
  reservationSeq: string;
  /** startService answered (or timed out): a later report showing the instance not busy ends the reservation. */
  confirmed: boolean;
  /** An operator took the instance out of new starts (drain); null while it takes them. */
  drainedAt: Date | null;
}

/** What a write saw before it changed the row, for the pool's log lines. */
export interface PoolChange {
  row: PoolRow;
  wasInPool: boolean;
  /** The recording whose reservation this write ended, if any. */
  ended: string | null;
}

/** A reservation whose start did not confirm (the process died) gives the instance back after its lease. */
const LIVE_RESERVATION = `(t.reserved_for IS NOT NULL AND (t.confirmed_at IS NOT NULL OR t.lease_until >= now()))`;
const OUT_OF_POOL = (busy: string, health: string) => `(${busy} IS NOT DISTINCT FROM 'EXPIRED' OR ${health} IS NOT DISTINCT FROM 'UNHEALTHY')`;

const COLUMNS = `t.key, t.busy_status AS "busyStatus", t.health_status AS "healthStatus", t.reported_at AS "reportedAt",
  t.session_id AS "sessionId", t.reachable,
  CASE WHEN ${LIVE_RESERVATION} THEN t.reserved_for END AS "reservedFor", t.reserved_for AS "lastReservedFor",
  t.reservation_seq::text AS "reservationSeq", (t.confirmed_at IS NOT NULL) AS confirmed, t.drained_at AS "drainedAt"`;

/** The columns of a change: the new row, whether the old one was in the pool, the reservation ended. */
const CHANGE = `${COLUMNS}, NOT ${OUT_OF_POOL('old.busy_status', 'old.health_status')} AS "wasInPool",
  CASE WHEN old.reserved_for IS NOT NULL AND t.reserved_for IS NULL THEN old.reserved_for END AS ended`;

const CLEAR_RESERVATION = `reserved_for = NULL, reserved_at = NULL, lease_until = NULL, confirmed_at = NULL`;

/** Sets the report columns from $2 (busy) and $3 (health). */
const REPORT = `busy_status = $2::varchar, health_status = $3::varchar, reported_at = now()`;

const SQL = {
  ensure: statement(
    'jibri_pool_ensure',
    `INSERT INTO jibri_instances (key) SELECT unnest($1::varchar[]) ON CONFLICT (key) DO NOTHING`,
  ),

  rows: statement('jibri_pool_rows', `SELECT ${COLUMNS} FROM jibri_instances t WHERE t.key = ANY($1::varchar[])`),

  row: statement('jibri_pool_row', `SELECT ${COLUMNS} FROM jibri_instances t WHERE t.key = $1`),

  /**
   * A health answer: $4/$5 are the reservation the prober saw before it sent the request. It
   * ends that reservation when it was confirmed then and the answer is not BUSY (the session
   * is over). When a start was confirmed since (the answer may predate it), the row is left
   * alone except for reachability.
   */
  recordProbe: statement(
    'jibri_pool_record_probe',
    `WITH old AS (SELECT * FROM jibri_instances WHERE key = $1 FOR UPDATE)
     UPDATE jibri_instances t
        SET reachable = true,
            busy_status = CASE WHEN s.stale THEN t.busy_status ELSE $2::varchar END,
            health_status = CASE WHEN s.stale THEN t.health_status ELSE $3::varchar END,
            reported_at = CASE WHEN s.stale THEN t.reported_at ELSE now() END,
            session_id = CASE WHEN NOT s.stale AND $2::varchar <> 'BUSY' THEN NULL ELSE t.session_id END,
            reserved_for = CASE WHEN s.ends THEN NULL ELSE t.reserved_for END,
            reserved_at = CASE WHEN s.ends THEN NULL ELSE t.reserved_at END,
            lease_until = CASE WHEN s.ends THEN NULL ELSE t.lease_until END,
            confirmed_at = CASE WHEN s.ends THEN NULL ELSE t.confirmed_at END
       FROM old,
            LATERAL (SELECT
              old.confirmed_at IS NOT NULL AND NOT (old.reservation_seq = $4::bigint AND $5::boolean) AS stale,
              old.confirmed_at IS NOT NULL AND old.reservation_seq = $4::bigint AND $5::boolean AND $2::varchar <> 'BUSY' AS ends
            ) s
      WHERE t.key = old.key
      RETURNING ${CHANGE}`,
  ),

  unreachable: statement('jibri_pool_unreachable', `UPDATE jibri_instances SET reachable = false WHERE key = $1`),

  /**
   * A status webhook ($4: the session it names, $5: the grace in ms). It may have been sent
   * before a start confirmed since, so a not-BUSY report only ends a reservation confirmed at
   * least the grace ago; a BUSY report naming another session ends it at once.
   */
  report: statement(
    'jibri_pool_report',
    `WITH old AS (SELECT * FROM jibri_instances WHERE key = $1 FOR UPDATE)
     UPDATE jibri_instances t
        SET ${REPORT},
            session_id = CASE WHEN $2::varchar <> 'BUSY' THEN NULL WHEN $4::varchar IS NOT NULL THEN $4::varchar ELSE t.session_id END,
            reserved_for = CASE WHEN s.ends THEN NULL ELSE t.reserved_for END,
            reserved_at = CASE WHEN s.ends THEN NULL ELSE t.reserved_at END,
            lease_until = CASE WHEN s.ends THEN NULL ELSE t.lease_until END,
            confirmed_at = CASE WHEN s.ends THEN NULL ELSE t.confirmed_at END
       FROM old,
            LATERAL (SELECT old.confirmed_at IS NOT NULL AND (
              ($2::varchar <> 'BUSY' AND now() - old.confirmed_at >= make_interval(secs => $5::float8 / 1000))
              OR ($2::varchar = 'BUSY' AND $4::varchar IS NOT NULL AND $4::varchar <> old.reserved_for)
            ) AS ends) s
      WHERE t.key = old.key
      RETURNING ${CHANGE}`,
  ),

  /** Only one caller wins a free, in-pool, undrained instance; $3 is the lease of the start in ms. */
  reserve: statement(
    'jibri_pool_reserve',
    `UPDATE jibri_instances t
        SET reserved_for = $2::varchar, reservation_seq = t.reservation_seq + 1, reserved_at = now(),
            lease_until = now() + make_interval(secs => $3::float8 / 1000), confirmed_at = NULL
      WHERE t.key = $1 AND NOT ${LIVE_RESERVATION} AND NOT ${OUT_OF_POOL('t.busy_status', 't.health_status')}
        AND t.drained_at IS NULL
      RETURNING t.key`,
  ),

  /** $2: drained (out of new starts) or back in; the time of a drain already made is kept. */
  drain: statement(
    'jibri_pool_drain',
    `UPDATE jibri_instances SET drained_at = CASE WHEN $2::boolean THEN COALESCE(drained_at, now()) END WHERE key = $1 RETURNING key`,
  ),

  /** $3: startService answered 200, so the instance is BUSY with this session from now on. */
  confirm: statement(
    'jibri_pool_confirm',
    `UPDATE jibri_instances t
        SET confirmed_at = now(), lease_until = NULL,
            busy_status = CASE WHEN $3::boolean THEN 'BUSY' ELSE t.busy_status END,
            health_status = CASE WHEN $3::boolean THEN COALESCE(t.health_status, 'HEALTHY') ELSE t.health_status END,
            reported_at = CASE WHEN $3::boolean THEN now() ELSE t.reported_at END,
            session_id = CASE WHEN $3::boolean THEN $2::varchar ELSE t.session_id END
      WHERE t.key = $1 AND t.reserved_for = $2::varchar
      RETURNING t.key`,
  ),

  release: statement(
    'jibri_pool_release',
    `UPDATE jibri_instances SET ${CLEAR_RESERVATION} WHERE key = $1 AND reserved_for = $2 RETURNING key`,
  ),
};

export class JibriPoolStore {
  constructor(private readonly sql: SqlRunner) {}

  /** Creates the rows of instances never seen before (a new JIBRI_URLS entry). */
  async ensure(keys: readonly string[]): Promise<void> {
    await this.sql.query(SQL.ensure, [keys]);
  }

  async rows(keys: readonly string[]): Promise<Map<string, PoolRow>> {
    const rows = await this.sql.query<PoolRow>(SQL.rows, [keys]);
    return new Map(rows.map((r) => [r.key, r]));
  }

  async row(key: string): Promise<PoolRow | null> {
    const [row] = await this.sql.query<PoolRow>(SQL.row, [key]);
    return row ?? null;
  }

  /** `seen`: the row as read before the probe was sent. */
  async recordProbe(key: string, report: JibriStatusReport, seen: PoolRow | null): Promise<PoolChange | null> {
    const [row] = await this.sql.query<PoolRow & { wasInPool: boolean; ended: string | null }>(SQL.recordProbe, [
      key,
      report.busyStatus,
      report.healthStatus,
      seen?.reservationSeq ?? '-1',
      seen?.confirmed ?? false,
    ]);
    return row ? change(row) : null;
  }

  async recordUnreachable(key: string): Promise<void> {
    await this.sql.query(SQL.unreachable, [key]);
  }

  async report(key: string, report: JibriStatusReport, graceMs: number): Promise<PoolChange | null> {
    const [row] = await this.sql.query<PoolRow & { wasInPool: boolean; ended: string | null }>(SQL.report, [
      key,
      report.busyStatus,
      report.healthStatus,
      report.sessionId ?? null,
      graceMs,
    ]);
    return row ? change(row) : null;
  }

  async reserve(key: string, recordingId: string, leaseMs: number): Promise<boolean> {
    return (await this.sql.query(SQL.reserve, [key, recordingId, leaseMs])).length > 0;
  }

  async confirm(key: string, recordingId: string, started: boolean): Promise<boolean> {
    return (await this.sql.query(SQL.confirm, [key, recordingId, started])).length > 0;
  }

  async drain(key: string, drained: boolean): Promise<boolean> {
    return (await this.sql.query(SQL.drain, [key, drained])).length > 0;
  }

  async release(key: string, recordingId: string): Promise<boolean> {
    return (await this.sql.query(SQL.release, [key, recordingId])).length > 0;
  }
}

function change(raw: PoolRow & { wasInPool: boolean; ended: string | null }): PoolChange {
  const { wasInPool, ended, ...row } = raw;
  return { row, wasInPool, ended };
}
