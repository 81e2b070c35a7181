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

/** The filter $2..$6 on the recording `r`; a NULL parameter does not filter. */
const FILTER_ON_R = `($2::text IS NULL OR r.room = $2)
    AND ($3::text[] IS NULL OR r.status = ANY($3::text[]))
    AND ($4::timestamptz IS NULL OR r.created_at > $4)
    AND ($5::timestamptz IS NULL OR r.created_at < $5)
    AND ($6::text IS NULL OR r.room ILIKE '%' || $6 || '%' ESCAPE '\\')`;

/**
 * One statement per page: `visible` is the caller's recordings ($1 the user's sub, found through
 * the accesses' (user_sub, recording_id) index) and those of the rooms in $7 (the caller's
 * rooms) that let their members view or download (the recordings' (room, created_at) index),
 * under the filter, as (id, created_at, role) only; a recording in both keeps the caller's own
 * role. The count and the page ($8 rows from $9) come from it, and only the page's rows are read
 * whole, with their files. An empty page is one row of the count with NULL columns.
 * (bench/list-explain.ts explains it.)
 */
export const LIST_PAGE_WITH_COUNT = statement(
  'list_page_with_count',
  `WITH visible AS MATERIALIZED (
     SELECT v.id, v.created_at, min(v.role) AS role FROM (
         SELECT r.id, r.created_at, a.role
           FROM recording_accesses a JOIN recordings r ON r.id = a.recording_id
          WHERE a.user_sub = $1 AND ${FILTER_ON_R}
         UNION ALL
         SELECT r.id, r.created_at, NULL
           FROM recordings r
          WHERE r.room = ANY(ARRAY(SELECT m.room FROM room_recording_access m WHERE m.room = ANY($7::text[]) AND m.members <> 'none'))
            AND ${FILTER_ON_R}
       ) v
      GROUP BY v.id, v.created_at
   ), page AS (
     SELECT id, created_at, role FROM visible ORDER BY created_at DESC, id DESC LIMIT $8 OFFSET $9
   )
   SELECT total.n AS "total", ${COLUMNS}, COALESCE(p.role, 'member') AS "accessRole",
          CASE WHEN p.role IS NULL THEN m.members END AS "memberLevel"
     FROM (SELECT count(*)::int AS n FROM visible) total
     LEFT JOIN (page p JOIN recordings r ON r.id = p.id LEFT JOIN room_recording_access m ON m.room = r.room) ON true
    ORDER BY p.created_at DESC, p.id DESC`,
);

/** The filter as the statement's parameters $2..$6. */
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

type PageRow = Recording & { total: number; accessRole: ViewerRole; memberLevel: MemberLevel | null };

/** The read model of the list endpoint: the user's recordings under the filter, newest first, with their role on each. */
export async function listRecordingsForUser(sql: SqlRunner, user: Pick<AuthUser, 'sub' | 'rooms'>, filter: RecordingListFilter, limit: number, offset: number): Promise<RecordingListPage> {
  const values = [user.sub, ...filterValues(filter), Object.keys(user.rooms), limit, offset];
  const found = await sql.query<PageRow>(LIST_PAGE_WITH_COUNT, values);
  return {
    count: found[0]?.total ?? 0,
    rows: found.filter((row) => row.id !== null).map(({ total: _total, accessRole, memberLevel, ...recording }) => ({ recording, role: accessRole, members: memberLevel })),
  };
}

