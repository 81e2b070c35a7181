import { statement } from '../../db/sql';

/**
 * Every SQL statement on the rooms tables (room_activity, room_presences, room_webhook_events,
 * room_policies). Only src/rooms/store/ runs them. Event times (`$t`) are the webhooks'
 * `createdAt`, Unix seconds; `sid` is the participant's (or room's) session id, '' when unknown.
 */

const ACTIVITY_COLUMNS = `a.room, a.room_sid AS "roomSid", a.is_active AS "isActive", a.started_at AS "startedAt",
  a.participants, a.empty_since AS "emptySince", a.finished_at::float8 AS "finishedAt", a.finished_sid AS "finishedSid",
  CASE WHEN a.empty_since IS NULL THEN NULL ELSE (EXTRACT(EPOCH FROM now() - a.empty_since) * 1000)::float8 END AS "emptyForMs",
  a.vacancies, a.auto_epoch AS "autoEpoch", a.auto_done AS "autoDone", a.updated_at AS "updatedAt"`;

const POLICY_COLUMNS = `p.room, p.trigger, p.mode, p.options, p.author_sub AS "authorSub", p.author_email AS "authorEmail",
  p.author_name AS "authorName", p.author_locale AS "authorLocale", p.author_zoneinfo AS "authorZoneinfo",
  p.author_suspended_at AS "authorSuspendedAt", p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

/** The presence row `p` and the new values `EXCLUDED` are the same session of that identity. */
const SAME_SESSION = `(p.sid = EXCLUDED.sid AND EXCLUDED.sid <> '')`;
/** The activity row `a` is the room session `$2`. */
const SAME_ROOM = `(COALESCE(a.room_sid, '') = $2::varchar AND $2::varchar <> '')`;

export const ROOM_SQL = {
  /** A webhook id seen for the first time returns a row; a repeated delivery returns none. */
  markEvent: statement('rooms_mark_event', `INSERT INTO room_webhook_events (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING id`),

  ensureRoom: statement('rooms_ensure', `INSERT INTO room_activity (room) VALUES ($1) ON CONFLICT (room) DO NOTHING`),
  /** The platform ($2: livekit, jitsi) that told about the room last. */
  notePlatform: statement('rooms_note_platform', `UPDATE room_activity SET platform = $2 WHERE room = $1 AND platform IS DISTINCT FROM $2`),
  /** Every change to a room's activity holds its row lock: changes to one room happen one after the other. */
  lockRoom: statement('rooms_lock', `SELECT ${ACTIVITY_COLUMNS} FROM room_activity a WHERE a.room = $1 FOR UPDATE`),
  activity: statement('rooms_activity', `SELECT ${ACTIVITY_COLUMNS} FROM room_activity a WHERE a.room = $1`),

  /**
   * participant_joined ($1 room, $2 identity, $3 sid, $4 kind, $5 counted, $6 t, $7 event id).
   * Applies unless it is stale: a session whose departure was already seen never comes back, and
   * another session only replaces the row when it is at least as recent as the row's last event.
   */
  joined: statement(
    'rooms_joined',
    `INSERT INTO room_presences AS p (room, identity, sid, kind, counted, present, event_at, event_id, joined_at)
     VALUES ($1, $2, $3, $4, $5, true, $6::bigint, $7, to_timestamp($6::bigint))
     ON CONFLICT (room, identity) DO UPDATE
        SET sid = EXCLUDED.sid, kind = EXCLUDED.kind, counted = EXCLUDED.counted, present = true,
            event_at = GREATEST(p.event_at, EXCLUDED.event_at), event_id = EXCLUDED.event_id,
            joined_at = CASE WHEN p.present AND ${SAME_SESSION} THEN p.joined_at ELSE EXCLUDED.joined_at END,
            left_at = NULL, updated_at = now()
      WHERE (${SAME_SESSION} AND p.present)
         OR (NOT ${SAME_SESSION} AND EXCLUDED.event_at >= p.event_at)
     RETURNING 1 AS applied`,
  ),

  /**
   * participant_left (same parameters). The departure of the session the row holds always
   * applies; that of another session only when it is newer than the row's last event (an older
   * session leaving after its identity rejoined changes nothing). A departure seen before its
   * join leaves a row that the late join cannot revive.
   */
  left: statement(
    'rooms_left',
    `INSERT INTO room_presences AS p (room, identity, sid, kind, counted, present, event_at, event_id, left_at)
     VALUES ($1, $2, $3, $4, $5, false, $6::bigint, $7, to_timestamp($6::bigint))
     ON CONFLICT (room, identity) DO UPDATE
        SET present = false, sid = CASE WHEN EXCLUDED.sid <> '' THEN EXCLUDED.sid ELSE p.sid END,
            event_at = GREATEST(p.event_at, EXCLUDED.event_at), event_id = EXCLUDED.event_id,
            left_at = EXCLUDED.left_at, updated_at = now()
      WHERE ${SAME_SESSION}
         OR EXCLUDED.event_at > p.event_at
         OR (EXCLUDED.event_at = p.event_at AND (EXCLUDED.sid = '' OR p.sid = ''))
     RETURNING 1 AS applied`,
  ),

  /** The people present: the count the API shows is derived from the presence rows. */
  countPresent: statement('rooms_count_present', `SELECT count(*)::int AS n FROM room_presences WHERE room = $1 AND present AND counted`),

  /**
   * room_started ($1 room, $2 room sid, $3 t, $4 creation time in s or null), with the same
   * ordering rule as participants: a finished room session does not start again.
   */
  roomStarted: statement(
    'rooms_started',
    `UPDATE room_activity a
        SET is_active = true, room_sid = NULLIF($2::varchar, ''), room_event_at = GREATEST(a.room_event_at, $3::bigint),
            started_at = CASE WHEN a.is_active AND ${SAME_ROOM} THEN COALESCE(a.started_at, to_timestamp(COALESCE($4::bigint, $3::bigint)))
                              ELSE to_timestamp(COALESCE($4::bigint, $3::bigint)) END,
            updated_at = now()
      WHERE a.room = $1 AND ((${SAME_ROOM} AND a.is_active) OR (NOT ${SAME_ROOM} AND $3::bigint >= a.room_event_at))
     RETURNING 1 AS applied`,
  ),

  /** room_finished ($1 room, $2 room sid, $3 t): the room session ends; the next fill starts afresh. */
  roomFinished: statement(
    'rooms_finished',
    `UPDATE room_activity a
        SET is_active = false, room_sid = COALESCE(NULLIF($2::varchar, ''), a.room_sid), room_event_at = GREATEST(a.room_event_at, $3::bigint),
            finished_at = GREATEST(a.finished_at, $3::bigint), finished_sid = COALESCE(NULLIF($2::varchar, ''), a.finished_sid),
            auto_done = false, updated_at = now()
      WHERE a.room = $1 AND (${SAME_ROOM} OR $3::bigint > a.room_event_at OR ($3::bigint = a.room_event_at AND ($2::varchar = '' OR COALESCE(a.room_sid, '') = '')))
     RETURNING 1 AS applied`,
  ),
  /** Everyone leaves with the room ($2: its end, Unix s); later events of the same people still apply. */
  everyoneLeft: statement(
    'rooms_everyone_left',
    `UPDATE room_presences
        SET left_at = CASE WHEN present THEN to_timestamp($2::bigint) ELSE left_at END, present = false, event_at = $2::bigint, updated_at = now()
      WHERE room = $1 AND event_at <= $2::bigint`,
  ),

  /** A participant joined a room we thought was not live (its room_started was lost or is late). */
  activeByParticipant: statement(
    'rooms_active_by_participant',
    `UPDATE room_activity a
        SET is_active = true, room_sid = COALESCE(NULLIF($2::varchar, ''), a.room_sid), room_event_at = GREATEST(a.room_event_at, $3::bigint),
            started_at = to_timestamp(COALESCE($4::bigint, $3::bigint)), updated_at = now()
      WHERE a.room = $1 AND NOT a.is_active AND (NOT ${SAME_ROOM} OR $3::bigint > a.room_event_at)
     RETURNING 1 AS applied`,
  ),

  /** The bookkeeping a change settled on (see activity-rules.ts); returns when the room became empty. */
  settle: statement(
    'rooms_settle',
    `UPDATE room_activity
        SET participants = $2,
            empty_since = CASE $3::text WHEN 'now' THEN now() WHEN 'clear' THEN NULL ELSE empty_since END,
            vacancies = $4, auto_epoch = $5, auto_done = $6, updated_at = now()
      WHERE room = $1
     RETURNING empty_since AS "emptySince"`,
  ),

  /**
   * What LiveKit's ListParticipants says, at Unix second $6: the people it lists are present
   * ($2 identities, $3 sids, $4 kinds, $5 counted), unless the row has a newer event.
   */
  presentBySnapshot: statement(
    'rooms_present_by_snapshot',
    `INSERT INTO room_presences AS p (room, identity, sid, kind, counted, present, event_at, joined_at)
     SELECT $1, u.identity, u.sid, u.kind, u.counted, true, $6::bigint, now()
       FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::boolean[]) AS u(identity, sid, kind, counted)
     ON CONFLICT (room, identity) DO UPDATE
        SET sid = EXCLUDED.sid, kind = EXCLUDED.kind, counted = EXCLUDED.counted, present = true, event_at = EXCLUDED.event_at,
            event_id = NULL, joined_at = now(), left_at = NULL, updated_at = now()
      WHERE p.event_at < EXCLUDED.event_at AND (NOT p.present OR p.sid <> EXCLUDED.sid)`,
  ),
  /** ... and the rows it does not list have left, unless their last event is newer. */
  absentBySnapshot: statement(
    'rooms_absent_by_snapshot',
    `UPDATE room_presences SET present = false, event_at = $3::bigint, left_at = now(), updated_at = now()
      WHERE room = $1 AND present AND event_at < $3::bigint AND NOT (identity = ANY($2::varchar[]))`,
  ),
  /** The snapshot lists people: the room is live. */
  activeBySnapshot: statement(
    'rooms_active_by_snapshot',
    `UPDATE room_activity SET is_active = true, started_at = COALESCE(started_at, now()), updated_at = now()
      WHERE room = $1 AND NOT is_active AND room_event_at < $2::bigint`,
  ),
  /** LiveKit does not know the room: it finished without us hearing of it. */
  inactiveBySnapshot: statement(
    'rooms_inactive_by_snapshot',
    `UPDATE room_activity SET is_active = false, auto_done = false, room_event_at = GREATEST(room_event_at, $2::bigint), updated_at = now()
      WHERE room = $1 AND is_active AND room_event_at < $2::bigint`,
  ),

  /** Rooms worth asking LiveKit about: live, or with people, least recently changed first; not Jitsi's. */
  roomsToReconcile: statement(
    'rooms_to_reconcile',
    `SELECT room FROM room_activity WHERE (is_active OR participants > 0) AND platform IS DISTINCT FROM 'jitsi' ORDER BY updated_at LIMIT $1`,
  ),
  /** Whether an automatic start of the room is queued and not finished. */
  startQueued: statement(
    'rooms_start_queued',
    `SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = $2 AND status = 'pending' AND starts_with(key, $1)) AS queued`,
  ),
  newEpoch: statement(
    'rooms_new_epoch',
    `UPDATE room_activity SET auto_epoch = auto_epoch + 1 WHERE room = $1 RETURNING auto_epoch AS "autoEpoch"`,
  ),

  totals: statement(
    'rooms_totals',
    `SELECT count(*) FILTER (WHERE is_active)::int AS live, COALESCE(sum(participants) FILTER (WHERE is_active OR participants > 0), 0)::int AS participants
       FROM room_activity`,
  ),

  /** The policy's recording started (or one was found running): no other start in this fill. */
  markAutoDone: statement('rooms_mark_auto_done', `UPDATE room_activity SET auto_done = true WHERE room = $1`),
  /** The room stayed empty for the whole grace of vacancy $2: the fill is over. */
  endFill: statement(
    'rooms_end_fill',
    `UPDATE room_activity SET auto_done = false WHERE room = $1 AND vacancies = $2 AND participants = 0`,
  ),
  /** A new or changed policy decides afresh. */
  resetAuto: statement('rooms_reset_auto', `UPDATE room_activity SET auto_done = false WHERE room = $1`),

  policy: statement('rooms_policy', `SELECT ${POLICY_COLUMNS} FROM room_policies p WHERE p.room = $1`),
  putPolicy: statement(
    'rooms_put_policy',
    `INSERT INTO room_policies AS p (room, trigger, mode, options, author_sub, author_email, author_name, author_locale, author_zoneinfo)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (room) DO UPDATE
        SET trigger = EXCLUDED.trigger, mode = EXCLUDED.mode, options = EXCLUDED.options,
            author_sub = EXCLUDED.author_sub, author_email = EXCLUDED.author_email, author_name = EXCLUDED.author_name,
            author_locale = EXCLUDED.author_locale, author_zoneinfo = EXCLUDED.author_zoneinfo, author_suspended_at = NULL,
            updated_at = now()
     RETURNING ${POLICY_COLUMNS}`,
  ),
  /**
   * What a request of author $1 showed: $2 the rooms their token lets them manage. Their other
   * policies are suspended (from now, once), those rooms' policies act again; only rows whose
   * state changes are written. One row: the changed policies, and whether $1 authors any.
   */
  noteAuthorRoles: statement(
    'rooms_note_author_roles',
    `WITH changed AS (
       UPDATE room_policies
          SET author_suspended_at = CASE WHEN room = ANY($2::varchar[]) THEN NULL ELSE now() END
        WHERE author_sub = $1 AND (author_suspended_at IS NULL) <> (room = ANY($2::varchar[]))
       RETURNING room, author_suspended_at IS NOT NULL AS suspended
     )
     SELECT COALESCE((SELECT json_agg(json_build_object('room', room, 'suspended', suspended)) FROM changed), '[]'::json) AS changed,
            EXISTS (SELECT 1 FROM room_policies WHERE author_sub = $1) AS authors`,
  ),
  deletePolicy: statement('rooms_delete_policy', `DELETE FROM room_policies WHERE room = $1 RETURNING room`),

  pruneEvents: statement('rooms_prune_events', `DELETE FROM room_webhook_events WHERE received_at < now() - make_interval(secs => $1::float8 / 1000)`),
  prunePresences: statement(
    'rooms_prune_presences',
    `DELETE FROM room_presences WHERE NOT present AND updated_at < now() - make_interval(secs => $1::float8 / 1000)`,
  ),
} as const;
