import { statement, type SqlRunner } from '../db/sql';
import type { Recording } from './recording';
import type { AuthUser } from '../auth/user';
import type { MemberLevel } from './library/member-access';
import type { RecordingStatus, ViewerRole } from './status';
import { COLUMNS } from './store/statements';

/** Which of the caller's recordings a list shows (every field optional; all given ones apply). */
export interface RecordingListFilter {
  room?: string;
  statuses?: RecordingStatus[];
  /** Created strictly after / before these instants. */
  createdAfter?: Date;
  createdBefore?: Date;
  /** Text the room name contains (case-insensitive; LIKE wildcards are taken literally). */
  roomContains?: string;
}

/**
 * The caller's recordings ($1 the user's sub) and those of the rooms in $7 (the caller's rooms)
 * that let their members view or download, under the filter $2..$6; a NULL parameter does not
 * filter. The accesses' (user_sub, recording_id) index finds the caller's own rows, the
 * recordings' (room, created_at) index a room's.
 */
const FILTERED = `FROM recordings r
  LEFT JOIN recording_accesses a ON a.recording_id = r.id AND a.user_sub = $1
  WHERE r.id IN (
      SELECT own.recording_id FROM recording_accesses own WHERE own.user_sub = $1
      UNION
      SELECT mr.id FROM recordings mr JOIN room_recording_access m ON m.room = mr.room AND m.members <> 'none'
       WHERE mr.room = ANY($7::text[]))
    AND ($2::text IS NULL OR r.room = $2)
    AND ($3::text[] IS NULL OR r.status = ANY($3::text[]))
    AND ($4::timestamptz IS NULL OR r.created_at > $4)
    AND ($5::timestamptz IS NULL OR r.created_at < $5)
    AND ($6::text IS NULL OR r.room ILIKE '%' || $6 || '%' ESCAPE '\\')`;

const LIST_SQL = {
  countForUser: statement('count_for_viewer_filtered', `SELECT count(*)::int AS n ${FILTERED}`),
  pageForUser: statement(
    'page_for_viewer_filtered',
    `SELECT ${COLUMNS}, COALESCE(a.role, 'member') AS "accessRole",
            CASE WHEN a.role IS NULL THEN (SELECT m.members FROM room_recording_access m WHERE m.room = r.room) END AS "memberLevel"
       ${FILTERED}
      ORDER BY r.created_at DESC, r.id DESC
      LIMIT $8 OFFSET $9`,
  ),
};

/** The filter as the statements' parameters $2..$6. */
function filterValues(filter: RecordingListFilter): unknown[] {
  const escapedLike = filter.roomContains?.replace(/[\\%_]/g, '\\$&');
  return [filter.room ?? null, filter.statuses ?? null, filter.createdAfter ?? null, filter.createdBefore ?? null, escapedLike ?? null];
}

export interface RecordingListPage {
  /** How many recordings the filter matches in all. */
  count: number;
  /** `members`: the room's member level when the caller sees it as a member (role `member`), else null. */
  rows: { recording: Recording; role: ViewerRole; members: MemberLevel | null }[];
}

/** The read model of the list endpoint: the user's recordings under the filter, newest first, with their role on each. */
export async function listRecordingsForUser(sql: SqlRunner, user: Pick<AuthUser, 'sub' | 'rooms'>, filter: RecordingListFilter, limit: number, offset: number): Promise<RecordingListPage> {
  const values = [user.sub, ...filterValues(filter), Object.keys(user.rooms)];
  const [counted] = await sql.query<{ n: number }>(LIST_SQL.countForUser, values);
  const page = await sql.query<Recording & { accessRole: ViewerRole; memberLevel: MemberLevel | null }>(LIST_SQL.pageForUser, [...values, limit, offset]);
  return {
    count: counted?.n ?? 0,
    rows: page.map(({ accessRole, memberLevel, ...recording }) => ({ recording, role: accessRole, members: memberLevel })),
  };
}
