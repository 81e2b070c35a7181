import { statement } from '../../db/sql';
import { queueRecordingEvents } from '../../events/outbox-sql';
import { COLUMNS } from './statements';

/** `now() + $n ms`. */
const inMs = (param: string) => `now() + make_interval(secs => ${param}::float8 / 1000)`;

/**
 * The start queue's statements (see StartQueueStore): the `queued` recordings of each worker
 * kind, oldest first, and the one dispatch lease per kind (`start_queue_dispatch`).
 */
export const QUEUE_SQL = {
  waiting: statement('queue_waiting', `SELECT EXISTS (SELECT 1 FROM recordings WHERE status = 'queued' AND worker_kind = $1) AS waiting`),

  /**
   * A start that found no free recorder waits: initiated -> queued with its deadline ($2 ms) and
   * the first periodic try ($3 ms), and `recording.queued` queued in the same statement ($4: the
   * EventRoutes). Only once per recording: a start taken from the queue goes back with `requeue`.
   */
  enqueue: statement(
    'queue_enqueue',
    `WITH u AS (
       UPDATE recordings r
          SET status = 'queued', updated_at = now(), queued_at = now(), queue_deadline = ${inMs('$2')},
              queue_retry_at = ${inMs('$3')}, queue_attempts = 0, dispatch_until = NULL,
              reconcile_at = NULL, reconcile_attempts = 0
        WHERE r.id = $1 AND r.status = 'initiated' AND r.queued_at IS NULL
        RETURNING ${COLUMNS}
     ), ${queueRecordingEvents('ev', 'u', `'recording.queued'`, '$4')}
     SELECT u.*, (SELECT count(*) FROM ev)::int AS "jobsDue" FROM u`,
  ),

  /**
   * A start taken from the queue found no recorder either: back in its place, not past its
   * deadline. Its next periodic try waits $2 ms doubled per try so far, at most $3 ms.
   */
  requeue: statement(
    'queue_requeue',
    `UPDATE recordings r
        SET status = 'queued', updated_at = now(), dispatch_until = NULL, reconcile_at = NULL,
            queue_attempts = r.queue_attempts + 1,
            queue_retry_at = now() + make_interval(secs => least($3::float8, $2::float8 * power(2, least(r.queue_attempts, 20))) / 1000)
      WHERE r.id = $1 AND r.status = 'initiated' AND r.dispatch_until IS NOT NULL AND r.queue_deadline > now()
      RETURNING ${COLUMNS}`,
  ),

  /**
   * The head of kind $1's queue (oldest start first) becomes `initiated`, its dispatcher's until
   * $2 ms from now, the reconciler's after $3 ms. `$4`: take it even when its periodic try is not
   * due yet (a recorder was freed); without it, nothing is taken while the head's try is not due
   * (never one behind it). Only the holder of the kind's dispatch lease runs this.
   */
  takeHead: statement(
    'queue_take_head',
    `WITH head AS (
       SELECT id, queue_retry_at FROM recordings
        WHERE status = 'queued' AND worker_kind = $1 AND queue_deadline > now()
        ORDER BY created_at, id LIMIT 1
        FOR UPDATE SKIP LOCKED
     )
     UPDATE recordings r
        SET status = 'initiated', updated_at = now(), dispatch_until = ${inMs('$2')},
            reconcile_at = ${inMs('$3')}, reconcile_attempts = 0
       FROM head WHERE r.id = head.id AND r.status = 'queued' AND ($4::boolean OR head.queue_retry_at <= now())
     RETURNING ${COLUMNS}, extract(epoch FROM now() - r.queued_at)::float8 AS "waitedSeconds"`,
  ),

  /** Queued starts past their deadline. */
  expired: statement(
    'queue_expired',
    `SELECT id, worker_kind AS "workerKind", extract(epoch FROM now() - queued_at)::float8 AS "waitedSeconds"
       FROM recordings WHERE status = 'queued' AND queue_deadline <= now() ORDER BY created_at LIMIT $1`,
  ),

  /** Starts taken from the queue whose dispatcher is past its lease (its instance died). */
  orphaned: statement(
    'queue_orphaned',
    `SELECT ${COLUMNS} FROM recordings r WHERE r.status = 'initiated' AND r.dispatch_until < now() ORDER BY r.created_at LIMIT $1`,
  ),

  /** Each kind with queued starts, and whether its head's periodic try is due. */
  heads: statement(
    'queue_heads',
    `SELECT DISTINCT ON (worker_kind) worker_kind AS kind, (queue_retry_at <= now()) AS due
       FROM recordings WHERE status = 'queued' ORDER BY worker_kind, created_at, id`,
  ),

  counts: statement('queue_counts', `SELECT worker_kind AS kind, count(*)::int AS n FROM recordings WHERE status = 'queued' GROUP BY worker_kind`),

  /** Kind $1's dispatch lease for holder $2 for $3 ms, when nobody holds it. */
  acquire: statement(
    'queue_acquire',
    `INSERT INTO start_queue_dispatch AS d (kind, holder, until, again) VALUES ($1, $2, ${inMs('$3')}, false)
     ON CONFLICT (kind) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until, again = false
      WHERE d.until IS NULL OR d.until < now()
     RETURNING d.kind`,
  ),
  /** A signal while another holds the lease: it looks at the queue once more before it lets go. */
  markAgain: statement('queue_mark_again', `UPDATE start_queue_dispatch SET again = true WHERE kind = $1 AND until >= now() RETURNING kind`),
  /** The holder keeps its lease for $3 ms more, and takes the `again` mark (true: look once more). */
  renew: statement(
    'queue_renew',
    `UPDATE start_queue_dispatch d SET until = ${inMs('$3')}, again = false
       FROM (SELECT again FROM start_queue_dispatch WHERE kind = $1 AND holder = $2 FOR UPDATE) old
      WHERE d.kind = $1 AND d.holder = $2
     RETURNING old.again`,
  ),
  /** Lets go, unless a signal came meanwhile (no row then: the holder looks again); `$3`: let go anyway. */
  release: statement(
    'queue_release',
    `UPDATE start_queue_dispatch SET holder = NULL, until = NULL, again = false
      WHERE kind = $1 AND holder = $2 AND (NOT again OR $3::boolean) RETURNING kind`,
  ),
} as const;
