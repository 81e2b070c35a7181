import { statement } from '../../db/sql';
import { whenReady } from './statements';

/**
 * The statements on recording_files for participant tracks (the composite file is written with
 * its recording, see statements.ts). Only src/recording/store/ runs them.
 */
export const FILE_SQL = {
  /** First statement of a track claim: the recording row, locked, so the claim and a stop serialise. */
  lockForTrack: statement('lock_for_track', `SELECT status, options FROM recordings WHERE id = $1 FOR UPDATE`),

  /**
   * Second statement of a track claim (the recording row is locked): a file for each track that
   * has none yet (unique (recording_id, track_id)), and the pending count with them; returns the
   * tracks this claim added.
   */
  insertTracks: statement(
    'insert_tracks',
    `WITH f AS (
       INSERT INTO recording_files (recording_id, relative_key, kind, content_type, participant_identity, participant_name, track_id)
       SELECT $1, t.relative_key, 'track', $2, t.identity, t.name, t.track_id
         FROM unnest($3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[]) AS t(track_id, relative_key, identity, name)
       ON CONFLICT (recording_id, track_id) DO NOTHING
       RETURNING track_id
     ), u AS (
       UPDATE recordings SET tracks_pending = tracks_pending + (SELECT count(*) FROM f)::int WHERE id = $1
     )
     SELECT track_id AS "trackId" FROM f`,
  ),

  /** First statement of recording track egress ids (file rows are locked before the recording row, as when a file settles). */
  setTrackEgresses: statement(
    'set_track_egresses',
    `UPDATE recording_files f SET egress_id = t.egress_id, started_at = COALESCE(f.started_at, now()), updated_at = now()
       FROM unnest($2::varchar[], $3::varchar[]) AS t(track_id, egress_id)
      WHERE f.recording_id = $1 AND f.track_id = t.track_id AND f.status = 'pending'`,
  ),
  /**
   * Second statement: the recording's status, read under a share lock. A stop's status change
   * either committed before (seen here: the caller stops the egress) or waits for this
   * transaction (then the stop's sweep sees the egress id).
   */
  recordingStatusShared: statement('recording_status_shared', `SELECT status FROM recordings WHERE id = $1 FOR SHARE`),

  /**
   * A pending track file saved or failed, and the pending count with it, in one statement: the
   * file's guarded UPDATE serialises repeated events for one file (only the first settles it),
   * the recording's UPDATE serialises files of one recording (each reads the count the previous
   * one left), and whoever brings the count to zero on a saved recording makes it ready.
   */
  settleTrack: statement(
    'settle_track',
    `WITH f AS (
       UPDATE recording_files SET status = $3, size = COALESCE($4::bigint, size), updated_at = now()
        WHERE recording_id = $1 AND track_id = $2 AND status = 'pending'
        RETURNING recording_id
     ), u AS (
       UPDATE recordings SET tracks_pending = tracks_pending - 1
        WHERE id = $1 AND EXISTS (SELECT 1 FROM f)
        RETURNING id, status, tracks_pending, is_permanent
     ), ${whenReady('u', '$5', '$6')}
     SELECT (SELECT count(*) FROM u)::int AS settled,
            (SELECT count(*) FROM ready)::int AS ready,
            (SELECT count(*) FROM q)::int AS queued,
            (SELECT count(*) FROM t)::int + (SELECT count(*) FROM w)::int AS others,
            (SELECT status FROM recording_files WHERE recording_id = $1 AND track_id = $2) AS prior`,
  ),

  /** A track that was given up on landed after all: saved, without counting it again. */
  reviveTrack: statement(
    'revive_track',
    `UPDATE recording_files SET status = 'saved', size = COALESCE($3::bigint, size), updated_at = now()
      WHERE recording_id = $1 AND track_id = $2 AND status = 'failed'
     RETURNING id`,
  ),

  /**
   * The track egresses of a recording that may still run: pending files with an egress id (the
   * first stretch's), and the track parts a resume started whose file has not landed yet. So
   * every stop of a recording, whoever asks for it, stops the tracks of its current stretch.
   */
  pendingTrackEgresses: statement(
    'pending_track_egresses',
    `SELECT track_id AS "trackId", egress_id AS "egressId" FROM recording_files
      WHERE recording_id = $1 AND kind = 'track' AND status = 'pending' AND egress_id IS NOT NULL
     UNION
     SELECT track_id, worker_id FROM recording_parts
      WHERE recording_id = $1 AND seq > 0 AND track_id IS NOT NULL AND worker_id IS NOT NULL AND status IN ('recording', 'pending')`,
  ),

  /** The pending track files of a recording, for the reconciler, with how long ago each changed. */
  pendingTracks: statement(
    'pending_tracks',
    `SELECT track_id AS "trackId", egress_id AS "egressId", relative_key AS "relativeKey",
            (extract(epoch FROM now() - updated_at) * 1000)::float8 AS "idleMs"
       FROM recording_files WHERE recording_id = $1 AND kind = 'track' AND status = 'pending'`,
  ),

  /**
   * First statement of a change to a status in which the composite never lands (failed_to_start,
   * aborted): the recording row is locked while still in one of the `from` statuses ($2), so the
   * transition that follows in the same transaction happens, and its pending composite is failed.
   * The recording comes first, as when the composite is saved. Track files stay with the tracks
   * logic: their egresses are stopped and may still write them.
   */
  failCompositeOnTransition: statement(
    'fail_composite_on_transition',
    `WITH r AS (SELECT id FROM recordings WHERE id = $1 AND status = ANY($2::varchar[]) FOR UPDATE)
     UPDATE recording_files f SET status = 'failed', updated_at = now()
       FROM r WHERE f.recording_id = r.id AND f.kind = 'composite' AND f.status = 'pending'`,
  ),

  /**
   * The reconciler gives up on a failed_to_stop recording (its worker failed or is gone): no more
   * looks, and its pending composite failed, in one statement guarded by the status. A file that
   * lands after all still saves it (mark_saved saves the composite whatever it was).
   */
  giveUpFailedToStop: statement(
    'give_up_failed_to_stop',
    `WITH r AS (
       UPDATE recordings SET reconcile_at = NULL, reconcile_attempts = $2 WHERE id = $1 AND status = 'failed_to_stop' RETURNING id
     )
     UPDATE recording_files f SET status = 'failed', updated_at = now()
       FROM r WHERE f.recording_id = r.id AND f.kind = 'composite' AND f.status = 'pending'`,
  ),

  /** The track file an egress writes, for LiveKit's egress webhooks. */
  trackByEgress: statement(
    'track_by_egress',
    `SELECT recording_id AS "recordingId", track_id AS "trackId", status FROM recording_files WHERE egress_id = $1`,
  ),

  /** When a file's recording began, as LiveKit reports it (egress webhooks): a track by its egress id... */
  noteTrackStarted: statement(
    'note_track_started',
    `UPDATE recording_files SET started_at = $2, updated_at = now() WHERE egress_id = $1 AND started_at IS DISTINCT FROM $2`,
  ),
  /** ...and the composite by its recording. */
  noteCompositeStarted: statement(
    'note_composite_started',
    `UPDATE recording_files SET started_at = $2, updated_at = now()
      WHERE recording_id = $1 AND kind = 'composite' AND started_at IS DISTINCT FROM $2`,
  ),
} as const;
